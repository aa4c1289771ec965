package io.gradsign.cpu;

import io.gradsign.cpu.bindings.CpuKernels;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds infinite and NaN values, for the validation of inputs before any computation: native/cpu's
 * vectorized scan, split over the cores (a plain Java loop here cost as much as a quarter of an
 * FGSM step on softmax regression).
 */
public final class NonFinite {
    private NonFinite() {}

    /** The index of the first infinite or NaN value among values[offset, offset + count), or -1; range validated here. */
    public static long firstIndex(float[] values, int offset, int count) {
        if (offset < 0 || count < 0 || offset > values.length - count) {
            throw new IllegalArgumentException("range [" + offset + ", " + offset + " + " + count
                    + ") is outside the array's [0, " + values.length + ")");
        }
        long perPart = CpuWorkers.ELEMENTS_PER_PART * 4L;
        if (CpuWorkers.parts(count, perPart, count / 16) == 1) {
            // one part: on this thread, with nothing allocated (one image's scan runs once per FGSM step)
            return CpuKernels.gradsign_cpu_first_non_finite_at(values, offset, count);
        }
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        CpuWorkers.forRanges(count, 16, count, perPart, (from, to) -> {
            long index = CpuKernels.gradsign_cpu_first_non_finite_at(values, offset + from, to - from);
            if (index >= 0) {
                first.accumulateAndGet(from + index, Math::min);
            }
        });
        return first.get() == Long.MAX_VALUE ? -1 : first.get();
    }
}

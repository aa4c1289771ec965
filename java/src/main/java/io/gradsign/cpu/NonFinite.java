package io.gradsign.cpu;

import io.gradsign.cpu.bindings.CpuKernels;

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
        long[] found = new long[CpuWorkers.CORES];
        int parts = CpuWorkers.parts(count, CpuWorkers.ELEMENTS_PER_PART * 4L, count / 16);
        CpuWorkers.run(parts, (part, total) -> {
            int from = CpuWorkers.start(count, part, total, 16);
            int to = CpuWorkers.start(count, part + 1, total, 16);
            long index = CpuKernels.gradsign_cpu_first_non_finite_at(values, offset + from, to - from);
            found[part] = index < 0 ? -1 : from + index;
        });
        for (int p = 0; p < parts; p++) {
            if (found[p] >= 0) {
                return found[p];
            }
        }
        return -1;
    }
}

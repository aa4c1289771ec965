package io.gradsign.cpu;

import io.gradsign.cpu.bindings.CpuKernels;

/**
 * One dense layer's weights (out, in) packed for {@link CpuKernels#gradsign_cpu_packed_gemm_at}: the
 * forward product's B = W&#7488; (in, out) and the backward product's B = W (out, in), each in the
 * panels the kernel streams (native/include/gradsign_cpu.h). An attack never changes the weights, so
 * a plan packs them once and packs again only after a write to the weights' array through the
 * backend ({@link CpuTensor#writes}); weights wrapped over a caller's array, which the caller may
 * write unseen, are packed on every {@link #refresh}. The packed copies are Java arrays: the garbage
 * collector owns them.
 */
final class PackedWeights {
    /** B of the forward product, W&#7488; (in, out), and of the backward product, W (out, in). */
    private final float[] forward;
    private final float[] backward;
    private final int forwardOffset;
    private final int backwardOffset;
    private final float[] weights;
    private final int weightsOffset;
    private final int in;
    private final int out;
    private final CpuTensor.Writes writes;
    /** The weights' write count at the last packing; -1 before the first. */
    private long packedAt = -1;
    private long packings;

    PackedWeights(CpuTensor weights, int in, int out) {
        this.weights = weights.data();
        this.weightsOffset = weights.offset();
        this.in = in;
        this.out = out;
        this.writes = weights.writes();
        long forwardSize = CpuKernels.gradsign_cpu_packed_size(in, out);
        long backwardSize = CpuKernels.gradsign_cpu_packed_size(out, in);
        if (forwardSize + CpuBackend.LINE_FLOATS > Integer.MAX_VALUE - 8
                || backwardSize + CpuBackend.LINE_FLOATS > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("weights (" + out + ", " + in + ") are too large to pack in a Java array");
        }
        // a few floats more, so that each copy can start on a cache line (the kernel's panel loads then
        // never cross one; if the garbage collector moves the array only speed changes)
        forward = new float[(int) forwardSize + CpuBackend.LINE_FLOATS - 1];
        forwardOffset = CpuKernels.gradsign_cpu_line_offset(forward);
        backward = new float[(int) backwardSize + CpuBackend.LINE_FLOATS - 1];
        backwardOffset = CpuKernels.gradsign_cpu_line_offset(backward);
    }

    /** Packs the weights if they were written since the last packing (always, for a caller's wrapped array, or with {@code always}). */
    void refresh(boolean always) {
        long count = writes.count();
        if (always || writes.external() || count != packedAt) {
            CpuKernels.gradsign_cpu_pack_at(forward, forwardOffset, weights, weightsOffset, in, 1, in, out);
            CpuKernels.gradsign_cpu_pack_at(backward, backwardOffset, weights, weightsOffset, in, 0, out, in);
            packedAt = count;
            packings++;
        }
    }

    /** The packings made so far (for tests). */
    long packings() {
        return packings;
    }

    /** y (rows, out) = epilogue(bias + x (rows, in) &middot; W&#7488;) over the forward packing. */
    void forward(float[] y, long yOffset, float[] x, long xOffset, int rows, float[] bias, int biasOffset,
                 int epilogue) {
        CpuKernels.gradsign_cpu_packed_gemm_at(y, yOffset, out, x, xOffset, in, forward, forwardOffset, in, out, rows,
                bias, biasOffset, epilogue, null, 0, 0, null, 0, 0, 0f, 0f, 0f);
    }

    /**
     * dx (rows, in) = epilogue(dy (rows, out) &middot; W) over the backward packing; aux (rows, in) is
     * the output below (ReLU's derivative) or the image (the sign step, into stepped).
     */
    void backward(float[] dx, long dxOffset, float[] dy, long dyOffset, int rows, int epilogue, float[] aux,
                  long auxOffset, float[] stepped, long steppedOffset, float epsilon, float lo, float hi) {
        CpuKernels.gradsign_cpu_packed_gemm_at(dx, dxOffset, in, dy, dyOffset, out, backward, backwardOffset, out, in,
                rows, null, 0, epilogue, aux, auxOffset, in, stepped, steppedOffset, in, epsilon, lo, hi);
    }
}

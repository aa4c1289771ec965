package io.gradsign.cpu;

import io.gradsign.PoolGeometry;
import io.gradsign.cpu.bindings.CpuKernels;

/**
 * CPU twins of the pooling kernels (max and average, no padding, floor mode; see {@link PoolGeometry}),
 * on the Java arrays in place at offsets, the planes (sample, channel) split over the cores, each
 * range of planes one call of gradsign's native kernels (native/cpu/pool_cpu.c; 2x2 windows at stride
 * 2 over vectors). Their bits are the CUDA kernels' by rule, not by accident, so every order is fixed:
 * <ul>
 * <li>max: the window scanned row-major from its first element, a later v taking the place of the
 * best when {@code v > best || v is NaN} (so the last NaN wins, and the first of equal values);
 * argmax is the index within the input plane, iy &middot; W + ix.</li>
 * <li>max backward: dx[i] = 0 plus dy of every window whose argmax is i, in row-major window order
 * (an argmax outside its own window adds nothing, as in the CUDA kernel's gather).</li>
 * <li>average: 0 plus the window row-major, then divided by (float) (kh &middot; kw).</li>
 * <li>average backward: dx[i] = 0 plus dy / (float) (kh &middot; kw) of every window that holds i, in
 * row-major window order.</li>
 * </ul>
 * The backward passes scatter window by window into a zeroed plane, which adds to each element in
 * exactly that order (the same bits as a gather per element that starts from 0). In Java, the max
 * pool's branches mispredicted and its loops ran scalar: 11 ms for the CNN's first pool at batch 256,
 * against well under one in C.
 */
public final class Pooling {
    private Pooling() {}

    /** y (N, C, P, Q) = the maximum of each window of x (N, C, H, W); argmax (N, C, P, Q) its index iy * W + ix. */
    public static void maxForward(float[] y, int yOffset, int[] argmax, int argmaxOffset, float[] x, int xOffset,
                                  PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> CpuKernels.gradsign_cpu_max_pool2d_forward_at(y, yOffset + (long) from * outPlane,
                argmax, argmaxOffset + (long) from * outPlane, x, xOffset + (long) from * inPlane, to - from, g.height(),
                g.width(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(), g.strideWidth()));
    }

    /** dx (N, C, H, W), overwritten: each window's dy added at its argmax, windows in row-major order; 0 elsewhere. */
    public static void maxBackward(float[] dx, int dxOffset, float[] dy, int dyOffset, int[] argmax, int argmaxOffset,
                                   PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> CpuKernels.gradsign_cpu_max_pool2d_backward_at(dx, dxOffset + (long) from * inPlane,
                dy, dyOffset + (long) from * outPlane, argmax, argmaxOffset + (long) from * outPlane, to - from,
                g.height(), g.width(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(), g.strideWidth()));
    }

    /** y (N, C, P, Q) = (0 + the window's elements row-major) / (float) (kh * kw), in float. */
    public static void avgForward(float[] y, int yOffset, float[] x, int xOffset, PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> CpuKernels.gradsign_cpu_avg_pool2d_forward_at(y, yOffset + (long) from * outPlane, x,
                xOffset + (long) from * inPlane, to - from, g.height(), g.width(), g.kernelHeight(), g.kernelWidth(),
                g.strideHeight(), g.strideWidth()));
    }

    /** dx (N, C, H, W), overwritten: 0 plus dy / (float) (kh * kw) of each window holding the element, in row-major window order. */
    public static void avgBackward(float[] dx, int dxOffset, float[] dy, int dyOffset, PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> CpuKernels.gradsign_cpu_avg_pool2d_backward_at(dx, dxOffset + (long) from * inPlane,
                dy, dyOffset + (long) from * outPlane, to - from, g.height(), g.width(), g.kernelHeight(),
                g.kernelWidth(), g.strideHeight(), g.strideWidth()));
    }

    /** The planes (sample, channel) split over the cores by the floats each pass touches; empty ranges skipped. */
    private static void forPlanes(PoolGeometry g, CpuWorkers.Range range) {
        int planes = g.batch() * g.channels();
        if (planes == 0) {
            return;
        }
        long work = (long) planes * Math.max(g.height() * g.width(),
                g.outHeight() * g.outWidth() * g.kernelHeight() * g.kernelWidth());
        CpuWorkers.forRanges(planes, 1, work, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            if (to > from) {
                range.run(from, to);
            }
        });
    }
}

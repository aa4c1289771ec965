package io.gradsign.cpu;

import io.gradsign.PoolGeometry;
import java.util.Arrays;

/**
 * CPU twins of the pooling kernels (max and average, no padding, floor mode; see {@link PoolGeometry}),
 * on the Java arrays in place at offsets, the planes (sample, channel) split over the cores. Their
 * bits are the CUDA kernels' by rule, not by accident, so every order is fixed:
 * <ul>
 * <li>max: the window scanned row-major from its first element, a later v taking the place of the
 * best when {@code v > best || v is NaN} (so the last NaN wins, and the first of equal values);
 * argmax is the index within the input plane, iy &middot; W + ix.</li>
 * <li>max backward: dx[i] = 0 plus dy of every window whose argmax is i, in row-major window order.</li>
 * <li>average: 0 plus the window row-major, then divided by (float) (kh &middot; kw).</li>
 * <li>average backward: dx[i] = 0 plus dy / (float) (kh &middot; kw) of every window that holds i, in
 * row-major window order.</li>
 * </ul>
 * The backward passes scatter window by window into a zeroed plane, which adds to each element in
 * exactly that order (the same bits as a gather per element that starts from 0).
 */
public final class Pooling {
    private Pooling() {}

    /** y (N, C, P, Q) = the maximum of each window of x (N, C, H, W); argmax (N, C, P, Q) its index iy * W + ix. */
    public static void maxForward(float[] y, int yOffset, int[] argmax, int argmaxOffset, float[] x, int xOffset,
                                  PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                maxForwardPlane(y, yOffset + plane * outPlane, argmax, argmaxOffset + plane * outPlane, x,
                        xOffset + plane * inPlane, g);
            }
        });
    }

    /**
     * A long that orders the elements of one window as the rule does: a later element is above the
     * best so far exactly when {@code v > best || v is NaN}. A number's key is an int monotone in v,
     * the same for -0 and +0 (neither is above the other); a NaN's is (position + 1) 2^32, above every
     * number's and every earlier NaN's (position: r kw + s within the window, below 2^31). Comparing
     * keys by the sign of their difference needs no branch: C2 compiled the float comparisons to
     * branches, which mispredict on a max pool's data (1.6 to 1.9 times slower on this machine).
     */
    static long windowKey(float v, int position) {
        int bits = Float.floatToRawIntBits(v);
        // negative floats: the magnitude bits flipped (larger magnitude, smaller key), then one up so -0 meets +0
        int key = (bits ^ ((bits >> 31) & 0x7fffffff)) + (bits >>> 31);
        int nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31;
        return (long) (key & ~nan) + ((long) ((position + 1) & nan) << 32);
    }

    // One plane per call, here and below: a method called once per piece of work with its loops inside
    // runs in C1's profiling code until it has been called hundreds of times (C1 code does not switch
    // to the C2 loop compiled on the side), several times slower; called per plane it reaches C2 within
    // the first batch.

    private static void maxForwardPlane(float[] y, int yStart, int[] argmax, int argmaxStart, float[] x, int xStart,
                                        PoolGeometry g) {
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        if (kernelHeight == 2 && kernelWidth == 2) {
            maxForwardPlane2x2(y, yStart, argmax, argmaxStart, x, xStart, g);
            return;
        }
        for (int p = 0; p < outHeight; p++) {
            for (int q = 0; q < outWidth; q++) {
                int top = p * strideHeight;
                int left = q * strideWidth;
                int bestIndex = top * width + left;
                long best = windowKey(x[xStart + bestIndex], 0);
                // keys lie in [-2^31, 2^63 - 2^35] (a window has fewer than 2^31 - 8 elements): no difference overflows
                for (int r = 0; r < kernelHeight; r++) {
                    int row = (top + r) * width + left;
                    for (int s = 0; s < kernelWidth; s++) {
                        long v = windowKey(x[xStart + row + s], r * kernelWidth + s);
                        long above = (best - v) >> 63; // all ones where v is above best
                        best += (v - best) & above;
                        bestIndex ^= (bestIndex ^ (row + s)) & (int) above;
                    }
                }
                y[yStart + p * outWidth + q] = x[xStart + bestIndex];
                argmax[argmaxStart + p * outWidth + q] = bestIndex;
            }
        }
    }

    /**
     * maxForwardPlane for 2x2 windows (the usual "pool 2"), the window's loops unrolled: the same
     * steps in the same order (about twice as fast as the loops over a window size known only at run
     * time).
     */
    private static void maxForwardPlane2x2(float[] y, int yStart, int[] argmax, int argmaxStart, float[] x, int xStart,
                                           PoolGeometry g) {
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        for (int p = 0; p < outHeight; p++) {
            for (int q = 0; q < outWidth; q++) {
                int first = p * strideHeight * width + q * strideWidth;
                int bestIndex = first;
                long best = windowKey(x[xStart + first], 0);
                long v = windowKey(x[xStart + first + 1], 1);
                long above = (best - v) >> 63;
                best += (v - best) & above;
                bestIndex ^= (bestIndex ^ (first + 1)) & (int) above;
                v = windowKey(x[xStart + first + width], 2);
                above = (best - v) >> 63;
                best += (v - best) & above;
                bestIndex ^= (bestIndex ^ (first + width)) & (int) above;
                v = windowKey(x[xStart + first + width + 1], 3);
                above = (best - v) >> 63;
                bestIndex ^= (bestIndex ^ (first + width + 1)) & (int) above;
                y[yStart + p * outWidth + q] = x[xStart + bestIndex];
                argmax[argmaxStart + p * outWidth + q] = bestIndex;
            }
        }
    }

    /** dx (N, C, H, W), overwritten: each window's dy added at its argmax, windows in row-major order; 0 elsewhere. */
    public static void maxBackward(float[] dx, int dxOffset, float[] dy, int dyOffset, int[] argmax, int argmaxOffset,
                                   PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                maxBackwardPlane(dx, dxOffset + plane * inPlane, dy, dyOffset + plane * outPlane, argmax,
                        argmaxOffset + plane * outPlane, inPlane, outPlane);
            }
        });
    }

    private static void maxBackwardPlane(float[] dx, int dxStart, float[] dy, int dyStart, int[] argmax,
                                         int argmaxStart, int inPlane, int outPlane) {
        Arrays.fill(dx, dxStart, dxStart + inPlane, 0f);
        for (int i = 0; i < outPlane; i++) {
            dx[dxStart + argmax[argmaxStart + i]] += dy[dyStart + i];
        }
    }

    /** y (N, C, P, Q) = (0 + the window's elements row-major) / (float) (kh * kw), in float. */
    public static void avgForward(float[] y, int yOffset, float[] x, int xOffset, PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                avgForwardPlane(y, yOffset + plane * outPlane, x, xOffset + plane * inPlane, g);
            }
        });
    }

    private static void avgForwardPlane(float[] y, int yStart, float[] x, int xStart, PoolGeometry g) {
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        float count = (float) (kernelHeight * kernelWidth);
        for (int p = 0; p < outHeight; p++) {
            for (int q = 0; q < outWidth; q++) {
                float sum = 0f;
                for (int r = 0; r < kernelHeight; r++) {
                    int row = xStart + (p * strideHeight + r) * width + q * strideWidth;
                    for (int s = 0; s < kernelWidth; s++) {
                        sum += x[row + s];
                    }
                }
                y[yStart + p * outWidth + q] = sum / count;
            }
        }
    }

    /** dx (N, C, H, W), overwritten: 0 plus dy / (float) (kh * kw) of each window holding the element, in row-major window order. */
    public static void avgBackward(float[] dx, int dxOffset, float[] dy, int dyOffset, PoolGeometry g) {
        int inPlane = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                avgBackwardPlane(dx, dxOffset + plane * inPlane, dy, dyOffset + plane * outPlane, g);
            }
        });
    }

    private static void avgBackwardPlane(float[] dx, int dxStart, float[] dy, int dyStart, PoolGeometry g) {
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        float count = (float) (kernelHeight * kernelWidth);
        Arrays.fill(dx, dxStart, dxStart + g.height() * width, 0f);
        for (int p = 0; p < outHeight; p++) {
            for (int q = 0; q < outWidth; q++) {
                float share = dy[dyStart + p * outWidth + q] / count;
                for (int r = 0; r < kernelHeight; r++) {
                    int row = dxStart + (p * strideHeight + r) * width + q * strideWidth;
                    for (int s = 0; s < kernelWidth; s++) {
                        dx[row + s] += share;
                    }
                }
            }
        }
    }

    /** The planes (sample, channel) split over the cores by the floats each pass touches. */
    private static void forPlanes(PoolGeometry g, CpuWorkers.Range range) {
        int planes = g.batch() * g.channels();
        if (planes == 0) {
            return;
        }
        long work = (long) planes * Math.max(g.height() * g.width(),
                g.outHeight() * g.outWidth() * g.kernelHeight() * g.kernelWidth());
        CpuWorkers.forRanges(planes, 1, work, CpuWorkers.ELEMENTS_PER_PART, range);
    }
}

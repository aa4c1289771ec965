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
        int height = g.height();
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        forPlanes(g, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int in = xOffset + plane * height * width;
                int out = plane * outHeight * outWidth;
                for (int p = 0; p < outHeight; p++) {
                    for (int q = 0; q < outWidth; q++) {
                        int top = p * strideHeight;
                        int left = q * strideWidth;
                        int bestIndex = top * width + left;
                        float best = x[in + bestIndex];
                        for (int r = 0; r < kernelHeight; r++) {
                            int row = (top + r) * width + left;
                            for (int s = 0; s < kernelWidth; s++) {
                                float v = x[in + row + s];
                                if (v > best || Float.isNaN(v)) {
                                    best = v;
                                    bestIndex = row + s;
                                }
                            }
                        }
                        int at = out + p * outWidth + q;
                        y[yOffset + at] = best;
                        argmax[argmaxOffset + at] = bestIndex;
                    }
                }
            }
        });
    }

    /** dx (N, C, H, W), overwritten: each window's dy added at its argmax, windows in row-major order; 0 elsewhere. */
    public static void maxBackward(float[] dx, int dxOffset, float[] dy, int dyOffset, int[] argmax, int argmaxOffset,
                                   PoolGeometry g) {
        int planeSize = g.height() * g.width();
        int outPlane = g.outHeight() * g.outWidth();
        forPlanes(g, (from, to) -> {
            Arrays.fill(dx, dxOffset + from * planeSize, dxOffset + to * planeSize, 0f);
            for (int plane = from; plane < to; plane++) {
                int in = dxOffset + plane * planeSize;
                int out = plane * outPlane;
                for (int i = 0; i < outPlane; i++) {
                    dx[in + argmax[argmaxOffset + out + i]] += dy[dyOffset + out + i];
                }
            }
        });
    }

    /** y (N, C, P, Q) = (0 + the window's elements row-major) / (float) (kh * kw), in float. */
    public static void avgForward(float[] y, int yOffset, float[] x, int xOffset, PoolGeometry g) {
        int height = g.height();
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        float count = (float) (kernelHeight * kernelWidth);
        forPlanes(g, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int in = xOffset + plane * height * width;
                int out = yOffset + plane * outHeight * outWidth;
                for (int p = 0; p < outHeight; p++) {
                    for (int q = 0; q < outWidth; q++) {
                        float sum = 0f;
                        for (int r = 0; r < kernelHeight; r++) {
                            int row = in + (p * strideHeight + r) * width + q * strideWidth;
                            for (int s = 0; s < kernelWidth; s++) {
                                sum += x[row + s];
                            }
                        }
                        y[out + p * outWidth + q] = sum / count;
                    }
                }
            }
        });
    }

    /** dx (N, C, H, W), overwritten: 0 plus dy / (float) (kh * kw) of each window holding the element, in row-major window order. */
    public static void avgBackward(float[] dx, int dxOffset, float[] dy, int dyOffset, PoolGeometry g) {
        int height = g.height();
        int width = g.width();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        float count = (float) (kernelHeight * kernelWidth);
        int planeSize = height * width;
        forPlanes(g, (from, to) -> {
            Arrays.fill(dx, dxOffset + from * planeSize, dxOffset + to * planeSize, 0f);
            for (int plane = from; plane < to; plane++) {
                int in = dxOffset + plane * planeSize;
                int out = dyOffset + plane * outHeight * outWidth;
                for (int p = 0; p < outHeight; p++) {
                    for (int q = 0; q < outWidth; q++) {
                        float share = dy[out + p * outWidth + q] / count;
                        for (int r = 0; r < kernelHeight; r++) {
                            int row = in + (p * strideHeight + r) * width + q * strideWidth;
                            for (int s = 0; s < kernelWidth; s++) {
                                dx[row + s] += share;
                            }
                        }
                    }
                }
            }
        });
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

package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.cpu.bindings.Blas;
import io.gradsign.cpu.bindings.CpuKernels;
import java.util.Arrays;

/**
 * CPU twins of the dense layer's kernels (native/src/dense.cu). The products are OpenBLAS's, on the
 * Java arrays in place, split over the cores by {@link CpuWorkers} (each part one single-threaded
 * call): sgemv row ranges for one sample, sgemm sample ranges otherwise, with the bias written first
 * and the activation applied by each part to its own rows. One exception: one sample's backward pass
 * to the input is gradsign's own kernel (native/cpu), which skips the rows whose gradient is zero,
 * half of them after a ReLU, and so reads half the weights sgemv would.
 * Matrices are row-major float arrays at an offset; shapes are validated by the caller.
 */
public final class Dense {
    private static final int NO_TRANSPOSE = 0;
    private static final int TRANSPOSE = 1;

    /**
     * Multiply-adds each part of a split product gets at least: below 2^16 (a few microseconds) one
     * thread is faster than two. sgemm parts get more (2^18), for its packing and call overhead.
     */
    static final long GEMV_MULTIPLY_ADDS_PER_PART = 1L << 16;

    static final long GEMM_MULTIPLY_ADDS_PER_PART = 1L << 18;

    private Dense() {}

    /** y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias); weights (out, in), bias (out). */
    public static void denseForward(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                                    float[] bias, int biasOffset, int batch, int inFeatures, int outFeatures,
                                    Activation activation) {
        if (batch == 0 || outFeatures == 0) {
            return;
        }
        long multiplyAdds = (long) batch * inFeatures * outFeatures;
        if (batch == 1) {
            // output rows split over the cores: each part's sgemv adds to its bias rows (beta = 1)
            CpuWorkers.forRanges(outFeatures, 16, multiplyAdds, GEMV_MULTIPLY_ADDS_PER_PART, (from, to) -> {
                System.arraycopy(bias, biasOffset + from, y, yOffset + from, to - from);
                if (inFeatures > 0) {
                    Blas.openblas_set_num_threads_local(1);
                    Blas.gradsign_sgemv(NO_TRANSPOSE, to - from, inFeatures, 1f, weights,
                            weightsOffset + (long) from * inFeatures, inFeatures, x, xOffset, 1f, y, yOffset + from);
                }
                activate(y, yOffset + from, yOffset + to, activation);
            });
            return;
        }
        // samples split over the cores: each part writes its rows' bias, adds the product to it (beta = 1)
        // and applies the activation while the rows are in its cache
        CpuWorkers.forRanges(batch, 1, multiplyAdds, GEMM_MULTIPLY_ADDS_PER_PART, (from, to) -> {
            for (int b = from; b < to; b++) {
                System.arraycopy(bias, biasOffset, y, yOffset + b * outFeatures, outFeatures);
            }
            if (inFeatures > 0 && to > from) {
                Blas.openblas_set_num_threads_local(1);
                Blas.gradsign_sgemm(NO_TRANSPOSE, TRANSPOSE, to - from, outFeatures, inFeatures, 1f, x,
                        xOffset + (long) from * inFeatures, inFeatures, weights, weightsOffset, inFeatures, 1f, y,
                        yOffset + (long) from * outFeatures, outFeatures);
            }
            activate(y, yOffset + from * outFeatures, yOffset + to * outFeatures, activation);
        });
    }

    /** y[from, to) = activation(y[from, to)). */
    private static void activate(float[] y, int from, int to, Activation activation) {
        switch (activation) {
            case NONE -> { }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    y[i] = Math.max(y[i], 0f);
                }
            }
            case TANH -> {
                for (int i = from; i < to; i++) {
                    y[i] = (float) Math.tanh(y[i]);
                }
            }
        }
    }

    /** dx (batch, in) = dy (batch, out) &middot; weights (out, in). */
    public static void denseBackwardInput(float[] dx, int dxOffset, float[] dy, int dyOffset, float[] weights,
                                          int weightsOffset, int batch, int inFeatures, int outFeatures) {
        if (batch == 0 || inFeatures == 0) {
            return;
        }
        if (outFeatures == 0) {
            Arrays.fill(dx, dxOffset, dxOffset + batch * inFeatures, 0f);
            return;
        }
        long multiplyAdds = (long) batch * inFeatures * outFeatures;
        if (batch == 1) {
            // input columns split over the cores, in sixteens: no two parts share a cache line of dx
            CpuWorkers.forRanges(inFeatures, 16, multiplyAdds, GEMV_MULTIPLY_ADDS_PER_PART, (from, to) ->
                    CpuKernels.gradsign_cpu_dense_backward_input_one_at(dx, dxOffset, weights, weightsOffset, dy,
                            dyOffset, inFeatures, outFeatures, from, to));
            return;
        }
        sgemm(NO_TRANSPOSE, NO_TRANSPOSE, batch, inFeatures, outFeatures, dy, dyOffset, outFeatures, weights,
                weightsOffset, inFeatures, 0f, dx, dxOffset, inFeatures);
    }

    /** dWeights (out, in) = dy&#7488; &middot; x; dBias (out) = sum of dy over the batch; both overwritten. */
    public static void denseBackwardWeights(float[] dWeights, int dWeightsOffset, float[] dBias, int dBiasOffset,
                                            float[] dy, int dyOffset, float[] x, int xOffset, int batch,
                                            int inFeatures, int outFeatures) {
        if (outFeatures == 0) {
            return;
        }
        if (batch == 0 || inFeatures == 0) {
            Arrays.fill(dWeights, dWeightsOffset, dWeightsOffset + outFeatures * inFeatures, 0f);
        } else {
            sgemm(TRANSPOSE, NO_TRANSPOSE, outFeatures, inFeatures, batch, dy, dyOffset, outFeatures, x, xOffset, inFeatures,
                    0f, dWeights, dWeightsOffset, inFeatures);
        }
        Arrays.fill(dBias, dBiasOffset, dBiasOffset + outFeatures, 0f);
        for (int b = 0; b < batch; b++) {
            int row = dyOffset + b * outFeatures;
            for (int o = 0; o < outFeatures; o++) {
                dBias[dBiasOffset + o] += dy[row + o];
            }
        }
    }

    /** c (m, n) = op(a) op(b) + beta c, the rows of c split over the cores, one OpenBLAS thread per part. */
    private static void sgemm(int transA, int transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
                              int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc) {
        CpuWorkers.forRanges(m, 1, (long) m * n * k, GEMM_MULTIPLY_ADDS_PER_PART, (from, to) -> {
            if (to > from) {
                Blas.openblas_set_num_threads_local(1);
                // row i of op(a) starts at a[i * lda] when a is not transposed, at a[i] when it is
                long aStart = aOffset + (transA == NO_TRANSPOSE ? (long) from * lda : from);
                Blas.gradsign_sgemm(transA, transB, to - from, n, k, 1f, a, aStart, lda, b, bOffset, ldb, beta, c,
                        cOffset + (long) from * ldc, ldc);
            }
        });
    }
}

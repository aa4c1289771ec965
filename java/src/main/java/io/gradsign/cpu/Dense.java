package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.cpu.bindings.Blas;
import java.util.Arrays;

/**
 * CPU twins of the dense layer's kernels (native/src/dense.cu): the matrix products through
 * OpenBLAS on the Java arrays in place (sgemv for a batch of one, sgemm otherwise), the bias and
 * activation in one pass after it.
 * Matrices are row-major float arrays at an offset; shapes are validated by the caller.
 */
public final class Dense {
    private static final int NO_TRANSPOSE = 0;
    private static final int TRANSPOSE = 1;

    /** Products of fewer multiply-adds than this run on one thread: waking others costs more than they save. */
    static final long PARALLEL_MULTIPLY_ADDS = 1L << 23;

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    static {
        // as many OpenBLAS threads as cores: its default can oversubscribe a small machine badly
        Blas.openblas_set_num_threads(CORES);
    }

    private Dense() {}

    /** y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias); weights (out, in), bias (out). */
    public static void denseForward(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                                    float[] bias, int biasOffset, int batch, int inFeatures, int outFeatures,
                                    Activation activation) {
        if (batch == 0 || outFeatures == 0) {
            return;
        }
        // the bias goes in first, row by row, and the product adds to it (beta = 1): then the
        // activation is one pass over one contiguous range, the loop C2 vectorizes
        for (int b = 0; b < batch; b++) {
            System.arraycopy(bias, biasOffset, y, yOffset + b * outFeatures, outFeatures);
        }
        if (inFeatures > 0 && batch == 1) {
            Blas.gradsign_sgemv(NO_TRANSPOSE, outFeatures, inFeatures, 1f, weights, weightsOffset, inFeatures, x, xOffset,
                    1f, y, yOffset);
        } else if (inFeatures > 0) {
            sgemm(NO_TRANSPOSE, TRANSPOSE, batch, outFeatures, inFeatures, x, xOffset, inFeatures, weights, weightsOffset,
                    inFeatures, 1f, y, yOffset, outFeatures);
        }
        int end = yOffset + batch * outFeatures;
        switch (activation) {
            case NONE -> { }
            case RELU -> {
                for (int i = yOffset; i < end; i++) {
                    y[i] = Math.max(y[i], 0f);
                }
            }
            case TANH -> {
                for (int i = yOffset; i < end; i++) {
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
        if (batch == 1) {
            Blas.gradsign_sgemv(TRANSPOSE, outFeatures, inFeatures, 1f, weights, weightsOffset, inFeatures, dy, dyOffset,
                    0f, dx, dxOffset);
            return;
        }
        sgemm(NO_TRANSPOSE, NO_TRANSPOSE, batch, inFeatures, outFeatures, dy, dyOffset, outFeatures, weights, weightsOffset,
                inFeatures, 0f, dx, dxOffset, inFeatures);
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

    /** c (m, n) = op(a) op(b) + beta c, on one thread for small products and on every core for large ones. */
    private static void sgemm(int transA, int transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
                              int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc) {
        Blas.openblas_set_num_threads_local((long) m * n * k < PARALLEL_MULTIPLY_ADDS ? 1 : CORES);
        Blas.gradsign_sgemm(transA, transB, m, n, k, 1f, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }
}

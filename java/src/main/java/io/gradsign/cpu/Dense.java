package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.cpu.bindings.Blas;
import io.gradsign.cpu.bindings.CpuKernels;
import java.util.Arrays;

/**
 * CPU twins of the dense layer's kernels (native/src/dense.cu), on the Java arrays in place, split
 * over the cores by {@link CpuWorkers}. Batches of several samples are OpenBLAS's sgemm, split in
 * sample ranges (each part one single-threaded call), the bias written first and the activation
 * applied by each part to its own rows. One sample is gradsign's own kernels (native/cpu), split in
 * the same ranges of output rows forward and backward, so that each core reads back weights its
 * cache still holds: the backward pass skips the rows whose gradient is zero (half of them after a
 * ReLU) and each range adds its share of dx. At this size the time is that of streaming the
 * weights; with sgemv forward and a column split backward a whole step took a quarter longer.
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

    /** One sample's output rows are split in multiples of this: a part's rows start on a cache line of y. */
    static final int ROW_ALIGN = 16;

    private Dense() {}

    /**
     * The ranges of one sample's output rows, forward and backward, for weights (out, in): one per
     * 2^16 multiply-adds, at most one per core and per 16 rows. The backward pass's sums depend on
     * them, so {@link FusedStepOne} takes the same.
     */
    static int partsOne(int inFeatures, int outFeatures) {
        return CpuWorkers.parts((long) inFeatures * outFeatures, GEMV_MULTIPLY_ADDS_PER_PART, outFeatures / ROW_ALIGN);
    }

    /** y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias); weights (out, in), bias (out). */
    public static void denseForward(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                                    float[] bias, int biasOffset, int batch, int inFeatures, int outFeatures,
                                    Activation activation) {
        if (batch == 0 || outFeatures == 0) {
            return;
        }
        if (batch == 1) {
            // output rows split over the cores, in the ranges the backward pass uses (backwardInputOne)
            CpuWorkers.run(partsOne(inFeatures, outFeatures), (part, parts) -> {
                int from = CpuWorkers.start(outFeatures, part, parts, ROW_ALIGN);
                int to = CpuWorkers.start(outFeatures, part + 1, parts, ROW_ALIGN);
                CpuKernels.gradsign_cpu_dense_forward_one_at(y, yOffset, weights, weightsOffset, bias, biasOffset, x,
                        xOffset, inFeatures, from, to);
                activate(y, yOffset + from, yOffset + to, activation);
            });
            return;
        }
        // samples split over the cores: each part writes its rows' bias, adds the product to it (beta = 1)
        // and applies the activation while the rows are in its cache
        long multiplyAdds = (long) batch * inFeatures * outFeatures;
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
    static void activate(float[] y, int from, int to, Activation activation) {
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
            case SIGMOID -> {
                for (int i = from; i < to; i++) {
                    y[i] = Activation.sigmoid(y[i]);
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
            backwardInputOne(dx, dxOffset, dy, dyOffset, weights, weightsOffset, inFeatures, outFeatures);
            return;
        }
        sgemm(NO_TRANSPOSE, NO_TRANSPOSE, batch, inFeatures, outFeatures, dy, dyOffset, outFeatures, weights,
                weightsOffset, inFeatures, 0f, dx, dxOffset, inFeatures);
    }

    /**
     * One sample's dx (in) = dy (out) &middot; weights, the output rows split as in the forward pass:
     * the first range writes dx, each other range its share into a buffer of its own, and the shares
     * are then added in range order (the same sum for the same number of cores).
     */
    private static void backwardInputOne(float[] dx, int dxOffset, float[] dy, int dyOffset, float[] weights,
                                         int weightsOffset, int inFeatures, int outFeatures) {
        int parts = partsOne(inFeatures, outFeatures);
        float[] shares = parts > 1 ? shares((parts - 1) * inFeatures) : null;
        CpuWorkers.run(parts, (part, n) -> {
            int from = CpuWorkers.start(outFeatures, part, n, ROW_ALIGN);
            int to = CpuWorkers.start(outFeatures, part + 1, n, ROW_ALIGN);
            if (part == 0) {
                CpuKernels.gradsign_cpu_dense_backward_input_rows_at(dx, dxOffset, weights, weightsOffset, dy,
                        dyOffset, inFeatures, from, to);
            } else {
                CpuKernels.gradsign_cpu_dense_backward_input_rows_at(shares, (long) (part - 1) * inFeatures, weights,
                        weightsOffset, dy, dyOffset, inFeatures, from, to);
            }
        });
        for (int part = 1; part < parts; part++) {
            int share = (part - 1) * inFeatures;
            for (int i = 0; i < inFeatures; i++) {
                dx[dxOffset + i] += shares[share + i];
            }
        }
    }

    /**
     * Each thread's buffer for the shares of one sample's backward pass, kept: fresh memory costs a
     * page fault per 4 KiB at first touch, and per-call arrays made the MLP's step at batch 1 twice
     * as slow until the young generation had been used once.
     */
    private static final ThreadLocal<float[]> SHARES = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] shares(int length) {
        float[] shares = SHARES.get();
        if (shares.length < length) {
            shares = new float[length];
            SHARES.set(shares);
        }
        return shares;
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

package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.cpu.bindings.Blas;
import io.gradsign.cpu.bindings.CpuKernels;
import java.util.Arrays;

/**
 * CPU twins of the dense layer's kernels (native/src/dense.cu). Three routes, by shape:
 * <ul>
 * <li>one sample: the product is a pass over the weights, memory-bound; gradsign's own kernels
 *     (native/cpu) split it over the cores, rows for the forward pass and input columns for the
 *     backward pass, which skips the rows whose gradient is zero (half of them after a ReLU);</li>
 * <li>layers of at most {@link CpuKernels#THIN_OUTPUTS} outputs (softmax regression, the last
 *     layer of a classifier): the weights stay in the L1 cache, gradsign's kernels stream the
 *     samples past them, split over the cores;</li>
 * <li>everything else: OpenBLAS's sgemm on the Java arrays in place, its rows split over the cores
 *     by {@link CpuWorkers} (one OpenBLAS thread per part), the bias written first and the
 *     activation as one more pass.</li>
 * </ul>
 * Matrices are row-major float arrays at an offset; shapes are validated by the caller.
 */
public final class Dense {
    private static final int NO_TRANSPOSE = 0;
    private static final int TRANSPOSE = 1;

    /** sgemm products of fewer multiply-adds than this run on one thread: splitting costs more than it saves. */
    static final long PARALLEL_MULTIPLY_ADDS = 1L << 20;

    private static final int CORES = CpuWorkers.CORES;

    private Dense() {}

    /** y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias); weights (out, in), bias (out). */
    public static void denseForward(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                                    float[] bias, int biasOffset, int batch, int inFeatures, int outFeatures,
                                    Activation activation) {
        if (batch == 0 || outFeatures == 0) {
            return;
        }
        long multiplyAdds = (long) batch * inFeatures * outFeatures;
        if (outFeatures <= CpuKernels.THIN_OUTPUTS) {
            // samples split over the cores; each part applies the activation to its own rows
            CpuWorkers.run(CpuWorkers.parts(multiplyAdds, CpuWorkers.MULTIPLY_ADDS_PER_PART, batch), (part, parts) -> {
                int from = CpuWorkers.start(batch, part, parts, 1);
                int to = CpuWorkers.start(batch, part + 1, parts, 1);
                CpuKernels.gradsign_cpu_dense_forward_thin_at(y, yOffset, x, xOffset, weights, weightsOffset, bias,
                        biasOffset, inFeatures, outFeatures, from, to);
                activate(y, yOffset + from * outFeatures, yOffset + to * outFeatures, activation);
            });
        } else if (batch == 1) {
            // output rows split over the cores, in fours (the kernel's block)
            CpuWorkers.run(CpuWorkers.parts(multiplyAdds, CpuWorkers.MULTIPLY_ADDS_PER_PART, outFeatures / 4),
                    (part, parts) -> {
                        int from = CpuWorkers.start(outFeatures, part, parts, 4);
                        int to = CpuWorkers.start(outFeatures, part + 1, parts, 4);
                        CpuKernels.gradsign_cpu_dense_forward_one_at(y, yOffset, weights, weightsOffset, bias,
                                biasOffset, x, xOffset, inFeatures, from, to);
                        activate(y, yOffset + from, yOffset + to, activation);
                    });
        } else {
            // the bias goes in first, row by row, and the product adds to it (beta = 1): then the
            // activation is one pass over one contiguous range, the loop C2 vectorizes
            for (int b = 0; b < batch; b++) {
                System.arraycopy(bias, biasOffset, y, yOffset + b * outFeatures, outFeatures);
            }
            if (inFeatures > 0) {
                sgemm(NO_TRANSPOSE, TRANSPOSE, batch, outFeatures, inFeatures, x, xOffset, inFeatures, weights,
                        weightsOffset, inFeatures, 1f, y, yOffset, outFeatures);
            }
            int count = batch * outFeatures;
            if (activation != Activation.NONE) {
                CpuWorkers.run(CpuWorkers.parts(count, CpuWorkers.ELEMENTS_PER_PART, count / 16), (part, parts) -> {
                    int from = CpuWorkers.start(count, part, parts, 16);
                    int to = CpuWorkers.start(count, part + 1, parts, 16);
                    activate(y, yOffset + from, yOffset + to, activation);
                });
            }
        }
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
        if (outFeatures <= CpuKernels.THIN_OUTPUTS) {
            CpuWorkers.run(CpuWorkers.parts(multiplyAdds, CpuWorkers.MULTIPLY_ADDS_PER_PART, batch), (part, parts) ->
                    CpuKernels.gradsign_cpu_dense_backward_input_thin_at(dx, dxOffset, dy, dyOffset, weights,
                            weightsOffset, inFeatures, outFeatures, CpuWorkers.start(batch, part, parts, 1),
                            CpuWorkers.start(batch, part + 1, parts, 1)));
        } else if (batch == 1) {
            // input columns split over the cores, in sixteens: no two parts share a cache line of dx
            CpuWorkers.run(CpuWorkers.parts(multiplyAdds, CpuWorkers.MULTIPLY_ADDS_PER_PART, inFeatures / 16),
                    (part, parts) -> CpuKernels.gradsign_cpu_dense_backward_input_one_at(dx, dxOffset, weights,
                            weightsOffset, dy, dyOffset, inFeatures, outFeatures,
                            CpuWorkers.start(inFeatures, part, parts, 16),
                            CpuWorkers.start(inFeatures, part + 1, parts, 16)));
        } else {
            sgemm(NO_TRANSPOSE, NO_TRANSPOSE, batch, inFeatures, outFeatures, dy, dyOffset, outFeatures, weights,
                    weightsOffset, inFeatures, 0f, dx, dxOffset, inFeatures);
        }
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
        // the rows of c split over the cores, each part one single-threaded sgemm: OpenBLAS's own
        // threads would spin beside the helpers of CpuWorkers and fight them for the two cores
        int parts = (long) m * n * k >= PARALLEL_MULTIPLY_ADDS ? Math.min(CORES, Math.max(1, m / 16)) : 1;
        CpuWorkers.run(parts, (part, total) -> {
            int from = CpuWorkers.start(m, part, total, 16);
            int to = CpuWorkers.start(m, part + 1, total, 16);
            Blas.openblas_set_num_threads_local(1);
            // row i of op(a) starts at a[i * lda] when a is not transposed, at a[i] when it is
            int aStart = aOffset + (transA == NO_TRANSPOSE ? from * lda : from);
            Blas.gradsign_sgemm(transA, transB, to - from, n, k, 1f, a, aStart, lda, b, bOffset, ldb, beta, c,
                    cOffset + from * ldc, ldc);
        });
    }
}

package io.gradsign.cpu;

import io.gradsign.Activation;

/**
 * CPU twins of the dense layer's kernels (native/src/dense.cu): forward with bias and activation
 * fused, backward to the input, backward to the weights. Matrices are row-major float arrays at
 * an offset; shapes are validated by the caller.
 */
public final class Dense {
    private Dense() {}

    /** y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias); weights (out, in), bias (out). */
    public static void denseForward(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                                    float[] bias, int biasOffset, int batch, int inFeatures, int outFeatures,
                                    Activation activation) {
        for (int b = 0; b < batch; b++) {
            int xRow = xOffset + b * inFeatures;
            int yRow = yOffset + b * outFeatures;
            for (int o = 0; o < outFeatures; o++) {
                float sum = bias[biasOffset + o] + dot(x, xRow, weights, weightsOffset + o * inFeatures, inFeatures);
                y[yRow + o] = activation.apply(sum);
            }
        }
    }

    /** dx (batch, in) = dy (batch, out) &middot; weights (out, in). */
    public static void denseBackwardInput(float[] dx, int dxOffset, float[] dy, int dyOffset, float[] weights,
                                          int weightsOffset, int batch, int inFeatures, int outFeatures) {
        for (int b = 0; b < batch; b++) {
            int dxRow = dxOffset + b * inFeatures;
            java.util.Arrays.fill(dx, dxRow, dxRow + inFeatures, 0f);
            for (int o = 0; o < outFeatures; o++) {
                axpy(dy[dyOffset + b * outFeatures + o], weights, weightsOffset + o * inFeatures, dx, dxRow, inFeatures);
            }
        }
    }

    /** dWeights (out, in) = dy&#7488; &middot; x; dBias (out) = sum of dy over the batch; both overwritten. */
    public static void denseBackwardWeights(float[] dWeights, int dWeightsOffset, float[] dBias, int dBiasOffset,
                                            float[] dy, int dyOffset, float[] x, int xOffset, int batch,
                                            int inFeatures, int outFeatures) {
        for (int o = 0; o < outFeatures; o++) {
            int row = dWeightsOffset + o * inFeatures;
            java.util.Arrays.fill(dWeights, row, row + inFeatures, 0f);
            float biasSum = 0f;
            for (int b = 0; b < batch; b++) {
                float g = dy[dyOffset + b * outFeatures + o];
                biasSum += g;
                axpy(g, x, xOffset + b * inFeatures, dWeights, row, inFeatures);
            }
            dBias[dBiasOffset + o] = biasSum;
        }
    }

    /** Dot product of a[aOffset..+n] and b[bOffset..+n], in four interleaved partial sums for throughput. */
    static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOffset + i] * b[bOffset + i];
            s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
            s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
            s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[aOffset + i] * b[bOffset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** y[yOffset..+n] += alpha * x[xOffset..+n]. */
    static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        if (alpha == 0f) {
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yOffset + i] += alpha * x[xOffset + i];
        }
    }
}

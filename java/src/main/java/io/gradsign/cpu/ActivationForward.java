package io.gradsign.cpu;

import io.gradsign.Activation;

/** CPU twin of an activation applied on its own (after a layer that does not fuse it): {@link Activation#apply}'s bits. */
public final class ActivationForward {
    private ActivationForward() {}

    /**
     * y = f(x) element by element, count floats each; y may be x (the same offset: in place). The
     * bits of {@link Activation#apply}, which are the fused layers' and the CUDA kernels' too (relu is
     * Math.max(v, 0): NaN stays NaN). Split over the cores in multiples of 16 floats above a few tens
     * of thousands.
     */
    public static void activationForward(float[] y, int yOffset, float[] x, int xOffset, int count,
                                         Activation activation) {
        if (count <= 0) {
            return;
        }
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART,
                (from, to) -> activationForwardRange(y, yOffset + from, x, xOffset + from, to - from, activation));
    }

    private static void activationForwardRange(float[] y, int yOffset, float[] x, int xOffset, int count,
                                               Activation activation) {
        switch (activation) {
            case NONE -> {
                if (y != x || yOffset != xOffset) {
                    System.arraycopy(x, xOffset, y, yOffset, count);
                }
            }
            case RELU -> {
                for (int i = 0; i < count; i++) {
                    float v = x[xOffset + i];
                    y[yOffset + i] = Math.max(v, 0f);
                }
            }
            case TANH -> {
                for (int i = 0; i < count; i++) {
                    y[yOffset + i] = (float) Math.tanh(x[xOffset + i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < count; i++) {
                    y[yOffset + i] = Activation.sigmoid(x[xOffset + i]);
                }
            }
        }
    }
}

package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.cpu.bindings.CpuKernels;

/** CPU twin of the kernel {@code activation_backward} (native/src/activation.cu). */
public final class ActivationBackward {
    /** GRADSIGN_CPU_ACTIVATION_RELU of gradsign_cpu.h. */
    private static final int GRADSIGN_CPU_ACTIVATION_RELU = 1;

    /** y * 2^252 is at least 1 for every positive float, so min(y * 2^252, 1) is relu's derivative at y >= 0. */
    private static final float SCALE = 0x1p126f;

    private ActivationBackward() {}

    /**
     * dPre = dy &middot; f'(pre), from the activation's output y; dPre may be dy. One loop per
     * activation, written so C2 vectorizes it (no branch per element).
     */
    public static void activationBackward(float[] dPre, int dPreOffset, float[] dy, int dyOffset, float[] y, int yOffset,
                                          int count, Activation activation) {
        if (activation == Activation.RELU && dPre == dy && dPreOffset == dyOffset) {
            // in place, the passes' own use: the native kernel, the bits of the loop below at any offsets
            // (tensors start on a cache line, so y's offset is rarely dy's; the Java loop for that case
            // took 14 us for the 25 088 floats of the CNN's first layer at batch 1)
            CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART,
                    (from, to) -> CpuKernels.gradsign_cpu_activation_gradient_at(dy, dyOffset + from, null, 0, 0, 0, y,
                            yOffset + from, GRADSIGN_CPU_ACTIVATION_RELU, to - from));
            return;
        }
        if (dPreOffset != dyOffset || dyOffset != yOffset) {
            // views at different offsets: not vectorized by C2 (JDK 17), kept simple
            for (int i = 0; i < count; i++) {
                dPre[dPreOffset + i] = dy[dyOffset + i] * activation.derivativeFromOutput(y[yOffset + i]);
            }
            return;
        }
        // split over the cores in multiples of 16 floats, so no two parts share a cache line
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART,
                (from, to) -> activationBackwardRange(dPre, dy, y, dyOffset + from, dyOffset + to, activation));
    }

    /** relu's derivative from its output y (never negative): 0 at y = 0, 1 above; NaN stays NaN. */
    static float reluDerivative(float y) {
        return Math.min(y * SCALE * SCALE, 1f);
    }

    private static void activationBackwardRange(float[] dPre, float[] dy, float[] y, int from, int to,
                                                Activation activation) {
        switch (activation) {
            case NONE -> System.arraycopy(dy, from, dPre, from, to - from);
            // relu's output is never negative: its derivative is 0 at y = 0 and 1 above
            case RELU -> {
                for (int i = from; i < to; i++) {
                    dPre[i] = dy[i] * reluDerivative(y[i]);
                }
            }
            case TANH -> {
                for (int i = from; i < to; i++) {
                    dPre[i] = dy[i] * (1f - y[i] * y[i]);
                }
            }
            case SIGMOID -> {
                for (int i = from; i < to; i++) {
                    dPre[i] = dy[i] * (y[i] * (1f - y[i]));
                }
            }
        }
    }
}

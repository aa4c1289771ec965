package io.gradsign.cpu;

import io.gradsign.Activation;

/** CPU twin of the kernel {@code activation_backward} (native/src/activation.cu). */
public final class ActivationBackward {
    private ActivationBackward() {}

    /** dPre = dy &middot; f'(pre), from the activation's output y; dPre may be dy. */
    public static void activationBackward(float[] dPre, int dPreOffset, float[] dy, int dyOffset, float[] y, int yOffset,
                                          int count, Activation activation) {
        for (int i = 0; i < count; i++) {
            dPre[dPreOffset + i] = dy[dyOffset + i] * activation.derivativeFromOutput(y[yOffset + i]);
        }
    }
}

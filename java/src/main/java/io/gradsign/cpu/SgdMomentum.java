package io.gradsign.cpu;

/** CPU twin of the kernel {@code sgd_momentum} (native/src/sgd.cu). */
public final class SgdMomentum {
    private SgdMomentum() {}

    /** velocity = momentum &middot; velocity + gradient; parameters -= learningRate &middot; velocity. */
    public static void sgdMomentum(float[] parameters, int parametersOffset, float[] velocity, int velocityOffset,
                                   float[] gradient, int gradientOffset, int count, float learningRate, float momentum) {
        for (int i = 0; i < count; i++) {
            float v = momentum * velocity[velocityOffset + i] + gradient[gradientOffset + i];
            velocity[velocityOffset + i] = v;
            parameters[parametersOffset + i] -= learningRate * v;
        }
    }
}

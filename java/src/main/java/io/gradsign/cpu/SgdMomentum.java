package io.gradsign.cpu;

/** CPU twin of the kernel {@code sgd_momentum} (native/src/sgd.cu). */
public final class SgdMomentum {
    private SgdMomentum() {}

    /**
     * velocity = momentum &middot; velocity + gradient; parameters -= learningRate &middot; velocity.
     * Split over the cores in multiples of 16 floats.
     */
    public static void sgdMomentum(float[] parameters, int parametersOffset, float[] velocity, int velocityOffset,
                                   float[] gradient, int gradientOffset, int count, float learningRate, float momentum) {
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            if (parametersOffset == velocityOffset && velocityOffset == gradientOffset) {
                // one index for all three arrays: the form C2 (JDK 17) vectorizes; with three different
                // offsets it does not, and an MLP's epoch spent most of its time here
                for (int i = parametersOffset + from; i < parametersOffset + to; i++) {
                    float v = momentum * velocity[i] + gradient[i];
                    velocity[i] = v;
                    parameters[i] -= learningRate * v;
                }
            } else {
                for (int i = from; i < to; i++) {
                    float v = momentum * velocity[velocityOffset + i] + gradient[gradientOffset + i];
                    velocity[velocityOffset + i] = v;
                    parameters[parametersOffset + i] -= learningRate * v;
                }
            }
        });
    }
}

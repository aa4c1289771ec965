package io.gradsign.cpu;

/** CPU twin of the kernel {@code sgd_momentum} (native/src/sgd.cu): the same bits. */
public final class SgdMomentum {
    private SgdMomentum() {}

    /**
     * g = gradient + weightDecay &middot; parameters; velocity = momentum &middot; velocity + g;
     * parameters -= learningRate &middot; velocity (torch.optim.SGD, dampening 0, not Nesterov), each
     * product and sum rounded on its own. With weightDecay 0, g is the gradient itself (the decay term is
     * skipped, so a gradient of -0 stays -0 as before). Split over the cores in multiples of 16 floats.
     */
    public static void sgdMomentum(float[] parameters, int parametersOffset, float[] velocity, int velocityOffset,
                                   float[] gradient, int gradientOffset, int count, float learningRate, float momentum,
                                   float weightDecay) {
        if (weightDecay == 0f) {
            sgdMomentum(parameters, parametersOffset, velocity, velocityOffset, gradient, gradientOffset, count,
                    learningRate, momentum);
            return;
        }
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int i = from; i < to; i++) {
                float p = parameters[parametersOffset + i];
                float g = gradient[gradientOffset + i] + weightDecay * p;
                float v = momentum * velocity[velocityOffset + i] + g;
                velocity[velocityOffset + i] = v;
                parameters[parametersOffset + i] = p - learningRate * v;
            }
        });
    }

    /** {@link #sgdMomentum(float[], int, float[], int, float[], int, int, float, float, float)} without weight decay. */
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

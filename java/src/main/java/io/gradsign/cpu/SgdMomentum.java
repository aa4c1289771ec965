package io.gradsign.cpu;

import io.gradsign.cpu.bindings.CpuKernels;

/**
 * CPU twin of the kernel {@code sgd_momentum} (native/src/sgd.cu): the same bits, through the native
 * kernel {@code gradsign_cpu_sgd_momentum} (native/cpu/sgd_cpu.c). In Java, C2 (JDK 17) does not vectorise
 * the loop where parameters, velocities and gradients start at different offsets of their arrays, as they
 * do (each tensor starts on a cache line): an MLP's training step spent a quarter of its time there.
 */
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
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) ->
                CpuKernels.gradsign_cpu_sgd_momentum_at(parameters, parametersOffset + from, velocity,
                        velocityOffset + from, gradient, gradientOffset + from, to - from, learningRate, momentum,
                        weightDecay));
    }

    /** {@link #sgdMomentum(float[], int, float[], int, float[], int, int, float, float, float)} without weight decay. */
    public static void sgdMomentum(float[] parameters, int parametersOffset, float[] velocity, int velocityOffset,
                                   float[] gradient, int gradientOffset, int count, float learningRate, float momentum) {
        sgdMomentum(parameters, parametersOffset, velocity, velocityOffset, gradient, gradientOffset, count,
                learningRate, momentum, 0f);
    }
}

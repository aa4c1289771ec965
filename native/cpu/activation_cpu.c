/* activation_cpu.c: the element-wise work between the dense kernels of one sample's step, over vectors
   of GRADSIGN_CPU_LANES floats (see dense_cpu.c for how each instruction set gets its copy), in the
   bits of the Java loops they stand in for: ReLU as Dense.activate's Math.max(y, 0f), and the gradient
   at a layer's outputs as FusedStepOne adds the other ranges' shares to it and ActivationBackward
   multiplies it by the activation's derivative. C2 (JDK 17) leaves those loops scalar where their
   arrays sit at different offsets, and a few hundred floats then took longer than the call here. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

void VARIANT(gradsign_cpu_relu)(float* y, long long count) {
    long long i = 0;
    for (; i + LANES <= count; i += LANES) store(y + i, relu_vector(load(y + i)));
    for (; i < count; i++) {
        float v = y[i];
        y[i] = v > 0.0f || v != v ? v : 0.0f;
    }
}

void VARIANT(gradsign_cpu_activation_gradient)(float* dy, const float* shares, long long share_stride,
                                               int share_count, const float* y, int activation,
                                               long long count) {
    int relu = activation == GRADSIGN_CPU_ACTIVATION_RELU;
    long long i = 0;
    for (; i + LANES <= count; i += LANES) {
        vec g = load(dy + i);
        for (int p = 0; p < share_count; p++) g = g + load(shares + p * share_stride + i);
        if (relu) g = g * relu_derivative_vector(load(y + i));
        store(dy + i, g);
    }
    for (; i < count; i++) {
        float g = dy[i];
        for (int p = 0; p < share_count; p++) g = g + shares[p * share_stride + i];
        if (relu) {
            float scaled = y[i] * 0x1p126f * 0x1p126f;
            g = g * (scaled < 1.0f || scaled != scaled ? scaled : 1.0f);
        }
        dy[i] = g;
    }
}

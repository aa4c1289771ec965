/* sgd_cpu.c: the CPU backend's SGD step with momentum and weight decay (torch.optim.SGD: dampening 0,
   not Nesterov), over vectors of GRADSIGN_CPU_LANES floats; each product and sum rounded on its own
   (no contraction into fused multiply-adds), so it gives the bits of the CUDA kernel (native/src/sgd.cu)
   and of plain float arithmetic in Java (cpu.SgdMomentum says why this is not a Java loop). */
#pragma GCC optimize("fp-contract=off")
#include "cpu_vector.h"
#include "gradsign_cpu.h"

void VARIANT(gradsign_cpu_sgd_momentum)(float* parameters, float* velocity, const float* gradient, long long count,
                                        float learning_rate, float momentum, float weight_decay) {
    vec lr = broadcast(learning_rate), m = broadcast(momentum), wd = broadcast(weight_decay);
    long long i = 0;
    if (weight_decay == 0.0f) {
        /* the decay term skipped, so a gradient of -0 stays -0 */
        for (; i + LANES <= count; i += LANES) {
            vec v = m * load(velocity + i) + load(gradient + i);
            store(velocity + i, v);
            store(parameters + i, load(parameters + i) - lr * v);
        }
        for (; i < count; i++) {
            float v = momentum * velocity[i] + gradient[i];
            velocity[i] = v;
            parameters[i] = parameters[i] - learning_rate * v;
        }
        return;
    }
    for (; i + LANES <= count; i += LANES) {
        vec p = load(parameters + i);
        vec v = m * load(velocity + i) + (load(gradient + i) + wd * p);
        store(velocity + i, v);
        store(parameters + i, p - lr * v);
    }
    for (; i < count; i++) {
        float p = parameters[i];
        float v = momentum * velocity[i] + (gradient[i] + weight_decay * p);
        velocity[i] = v;
        parameters[i] = p - learning_rate * v;
    }
}

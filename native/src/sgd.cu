// sgd.cu: the SGD-with-momentum update, velocity and parameters fused in one pass.
#include "sgd.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// v' = momentum * v + g, then p' = p - learning_rate * v' with the new velocity (the PyTorch form,
// no dampening, no Nesterov); each product and sum rounded on its own, as cpu/SgdMomentum.java
struct SgdMomentumRule {
    float learning_rate;
    float momentum;

    __device__ __forceinline__ void operator()(float& parameter, float& velocity, float gradient) const {
        velocity = __fadd_rn(__fmul_rn(momentum, velocity), gradient);
        parameter = __fsub_rn(parameter, __fmul_rn(learning_rate, velocity));
    }
};

// the same with L2 weight decay folded into the gradient first: g = gradient + weight_decay * p
struct SgdMomentumWeightDecayRule {
    float learning_rate;
    float momentum;
    float weight_decay;

    __device__ __forceinline__ void operator()(float& parameter, float& velocity, float gradient) const {
        const float g = __fadd_rn(gradient, __fmul_rn(weight_decay, parameter));
        velocity = __fadd_rn(__fmul_rn(momentum, velocity), g);
        parameter = __fsub_rn(parameter, __fmul_rn(learning_rate, velocity));
    }
};

}  // namespace

// 20 bytes per element (read p, v, g; write p, v); the three overlap none of the others. Weight decay 0
// takes the rule without it, so that a gradient of -0 stays -0 (g + 0 * p would make it +0)
cudaError_t sgd_momentum(float* parameters, float* velocity, const float* gradient, size_t count,
                         float learning_rate, float momentum, float weight_decay, cudaStream_t stream) {
    if (weight_decay == 0.0f) {
        return launch_elementwise(SgdMomentumRule{learning_rate, momentum}, count, kElementwiseMaxBlocks, stream,
                                  read_write(parameters), read_write(velocity), read_only(gradient));
    }
    return launch_elementwise(SgdMomentumWeightDecayRule{learning_rate, momentum, weight_decay}, count,
                              kElementwiseMaxBlocks, stream, read_write(parameters), read_write(velocity),
                              read_only(gradient));
}

}  // namespace gradsign

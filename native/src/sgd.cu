// sgd.cu: the SGD-with-momentum update, velocity and parameters fused in one pass.
#include "sgd.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// v' = momentum * v + g, then p' = p - learning_rate * v' with the new velocity (the PyTorch form,
// no dampening, no Nesterov)
struct SgdMomentumRule {
    float learning_rate;
    float momentum;

    __device__ __forceinline__ void operator()(float& parameter, float& velocity, float gradient) const {
        velocity = momentum * velocity + gradient;
        parameter -= learning_rate * velocity;
    }
};

}  // namespace

// 20 bytes per element (read p, v, g; write p, v); the three overlap none of the others
cudaError_t sgd_momentum(float* parameters, float* velocity, const float* gradient, size_t count,
                         float learning_rate, float momentum, cudaStream_t stream) {
    return launch_elementwise(SgdMomentumRule{learning_rate, momentum}, count, kElementwiseMaxBlocks, stream,
                              read_write(parameters), read_write(velocity), read_only(gradient));
}

}  // namespace gradsign

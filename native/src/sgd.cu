// sgd.cu: the SGD-with-momentum update, velocity and parameters fused in one pass.
#include "sgd.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// v' = momentum * v + g, then p' = p - learning_rate * v' with the new velocity (the PyTorch form,
// no dampening, no Nesterov)
__device__ __forceinline__ void sgd_momentum_one(float& parameter, float& velocity, float gradient,
                                                 float learning_rate, float momentum) {
    velocity = momentum * velocity + gradient;
    parameter -= learning_rate * velocity;
}

// parameters, velocity, gradient: count floats each, none overlapping. 20 bytes per element (read p, v,
// g; write p, v), so the body goes as float4 where the three pointers share their offset within 16
// bytes; elements [0, head) and the tail after head + 4*vector_count go one float at a time.
__global__ void sgd_momentum_kernel(float* __restrict__ parameters,
                                    float* __restrict__ velocity,
                                    const float* __restrict__ gradient,
                                    size_t count,
                                    size_t head,
                                    size_t vector_count,
                                    float learning_rate,
                                    float momentum) {
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    const size_t thread = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;

    float4* p4 = reinterpret_cast<float4*>(parameters + head);
    float4* v4 = reinterpret_cast<float4*>(velocity + head);
    const float4* g4 = reinterpret_cast<const float4*>(gradient + head);
    for (size_t i = thread; i < vector_count; i += stride) {
        float4 p = p4[i];
        float4 v = v4[i];
        const float4 g = g4[i];
        sgd_momentum_one(p.x, v.x, g.x, learning_rate, momentum);
        sgd_momentum_one(p.y, v.y, g.y, learning_rate, momentum);
        sgd_momentum_one(p.z, v.z, g.z, learning_rate, momentum);
        sgd_momentum_one(p.w, v.w, g.w, learning_rate, momentum);
        p4[i] = p;
        v4[i] = v;
    }

    for (size_t k = thread; k < scalar_element_count(count, vector_count); k += stride) {
        const size_t i = scalar_element(k, head, vector_count);
        float p = parameters[i];
        float v = velocity[i];
        sgd_momentum_one(p, v, gradient[i], learning_rate, momentum);
        parameters[i] = p;
        velocity[i] = v;
    }
}

}  // namespace

cudaError_t sgd_momentum(float* parameters, float* velocity, const float* gradient, size_t count,
                         float learning_rate, float momentum, cudaStream_t stream) {
    if (count == 0) return cudaSuccess;
    const VectorSplit split = vector_split(count, {parameters, velocity, gradient});
    return launch_kernel(sgd_momentum_kernel, elementwise_grid(count, split), dim3(kElementwiseBlockSize), 0, stream,
                         parameters, velocity, gradient, count, split.head, split.vector_count, learning_rate,
                         momentum);
}

}  // namespace gradsign

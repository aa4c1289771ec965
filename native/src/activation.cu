// activation.cu: the activation forward step y = f(x), and the backward step dpre = dy * f'(pre) from the activation's output y, each in one pass.
#include "activation.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// y, x: count floats each, the float4 split of activation_backward_kernel below (8 bytes per element).
// y and x carry no __restrict__: y may be x (in place), each element read and then written by the
// same thread.
template <int kActivation>
__global__ void activation_forward_kernel(float* y, const float* x, size_t count, size_t head, size_t vector_count) {
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    const size_t thread = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;

    const float4* x4 = reinterpret_cast<const float4*>(x + head);
    float4* y4 = reinterpret_cast<float4*>(y + head);
    for (size_t i = thread; i < vector_count; i += stride) {
        const float4 v = x4[i];
        float4 r;
        r.x = activation_forward_one<kActivation>(v.x);
        r.y = activation_forward_one<kActivation>(v.y);
        r.z = activation_forward_one<kActivation>(v.z);
        r.w = activation_forward_one<kActivation>(v.w);
        y4[i] = r;
    }

    for (size_t k = thread; k < scalar_element_count(count, vector_count); k += stride) {
        const size_t i = scalar_element(k, head, vector_count);
        y[i] = activation_forward_one<kActivation>(x[i]);
    }
}

// dpre, dy, y: count floats each. Memory-bound at 12 bytes per element (read dy and y, write dpre), so
// the body goes as float4 where the three pointers share their offset within 16 bytes (a quarter of
// the load and store instructions, full 128-byte lines per warp); elements [0, head) and the tail
// after head + 4*vector_count go one float at a time.
// dpre and dy carry no __restrict__: dpre may be dy (in place). Each element is read and then
// written by the same thread, so the aliasing is harmless, but it must not go through the read-only
// cache that __restrict__ const would allow.
template <int kActivation>
__global__ void activation_backward_kernel(float* dpre,
                                           const float* dy,
                                           const float* __restrict__ y,
                                           size_t count,
                                           size_t head,
                                           size_t vector_count) {
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    const size_t thread = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;

    const float4* dy4 = reinterpret_cast<const float4*>(dy + head);
    const float4* y4 = reinterpret_cast<const float4*>(y + head);
    float4* dpre4 = reinterpret_cast<float4*>(dpre + head);
    for (size_t i = thread; i < vector_count; i += stride) {
        const float4 g = dy4[i];
        const float4 a = y4[i];
        float4 r;
        r.x = activation_backward_one<kActivation>(g.x, a.x);
        r.y = activation_backward_one<kActivation>(g.y, a.y);
        r.z = activation_backward_one<kActivation>(g.z, a.z);
        r.w = activation_backward_one<kActivation>(g.w, a.w);
        dpre4[i] = r;
    }

    for (size_t k = thread; k < scalar_element_count(count, vector_count); k += stride) {
        const size_t i = scalar_element(k, head, vector_count);
        dpre[i] = activation_backward_one<kActivation>(dy[i], y[i]);
    }
}

}  // namespace

cudaError_t activation_forward(float* y, const float* x, size_t count, int activation, cudaStream_t stream) {
    if (count == 0) return cudaSuccess;
    const VectorSplit split = vector_split(count, {y, x});
    const dim3 grid = elementwise_grid(count, split);
    const dim3 block(kElementwiseBlockSize);
    switch (activation) {
        case GRADSIGN_ACTIVATION_NONE:
            return launch_kernel(activation_forward_kernel<GRADSIGN_ACTIVATION_NONE>, grid, block, 0, stream, y, x,
                                 count, split.head, split.vector_count);
        case GRADSIGN_ACTIVATION_RELU:
            return launch_kernel(activation_forward_kernel<GRADSIGN_ACTIVATION_RELU>, grid, block, 0, stream, y, x,
                                 count, split.head, split.vector_count);
        case GRADSIGN_ACTIVATION_TANH:
            return launch_kernel(activation_forward_kernel<GRADSIGN_ACTIVATION_TANH>, grid, block, 0, stream, y, x,
                                 count, split.head, split.vector_count);
        case GRADSIGN_ACTIVATION_SIGMOID:
            return launch_kernel(activation_forward_kernel<GRADSIGN_ACTIVATION_SIGMOID>, grid, block, 0, stream, y, x,
                                 count, split.head, split.vector_count);
        default:
            // the C API has checked the activation already
            return cudaErrorInvalidValue;
    }
}

cudaError_t activation_backward(float* dpre, const float* dy, const float* y, size_t count, int activation,
                                cudaStream_t stream) {
    if (count == 0) return cudaSuccess;
    const VectorSplit split = vector_split(count, {dpre, dy, y});
    const dim3 grid = elementwise_grid(count, split);
    const dim3 block(kElementwiseBlockSize);
    // one kernel per activation, so the loop carries no switch
    switch (activation) {
        case GRADSIGN_ACTIVATION_NONE:
            return launch_kernel(activation_backward_kernel<GRADSIGN_ACTIVATION_NONE>, grid, block, 0, stream, dpre,
                                 dy, y, count, split.head, split.vector_count);
        case GRADSIGN_ACTIVATION_RELU:
            return launch_kernel(activation_backward_kernel<GRADSIGN_ACTIVATION_RELU>, grid, block, 0, stream, dpre,
                                 dy, y, count, split.head, split.vector_count);
        case GRADSIGN_ACTIVATION_TANH:
            return launch_kernel(activation_backward_kernel<GRADSIGN_ACTIVATION_TANH>, grid, block, 0, stream, dpre,
                                 dy, y, count, split.head, split.vector_count);
        case GRADSIGN_ACTIVATION_SIGMOID:
            return launch_kernel(activation_backward_kernel<GRADSIGN_ACTIVATION_SIGMOID>, grid, block, 0, stream, dpre,
                                 dy, y, count, split.head, split.vector_count);
        default:
            // the C API has checked the activation already
            return cudaErrorInvalidValue;
    }
}

}  // namespace gradsign

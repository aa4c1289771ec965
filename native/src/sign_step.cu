// sign_step.cu: the fused sign-and-scale step, x' = clip(x + eps*sign(g), lo, hi), in one pass.
#include "sign_step.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// enough resident blocks per SM to hide memory latency; a grid-stride loop covers the rest
constexpr int kBlocksPerMultiprocessor = 8;

// elements [0, head) and [head + 4*vector_count, count) go one float at a time; the middle as
// float4, which needs x, gradient and out all 16-byte aligned at element head
__global__ void sign_step_kernel(float* __restrict__ out,
                                 const float* __restrict__ x,
                                 const float* __restrict__ gradient,
                                 size_t count,
                                 size_t head,
                                 size_t vector_count,
                                 float epsilon,
                                 float lo,
                                 float hi) {
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    const size_t thread = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;

    const float4* x4 = reinterpret_cast<const float4*>(x + head);
    const float4* g4 = reinterpret_cast<const float4*>(gradient + head);
    float4* out4 = reinterpret_cast<float4*>(out + head);
    for (size_t i = thread; i < vector_count; i += stride) {
        const float4 a = x4[i];
        const float4 b = g4[i];
        float4 r;
        r.x = sign_step_one(a.x, b.x, epsilon, lo, hi);
        r.y = sign_step_one(a.y, b.y, epsilon, lo, hi);
        r.z = sign_step_one(a.z, b.z, epsilon, lo, hi);
        r.w = sign_step_one(a.w, b.w, epsilon, lo, hi);
        out4[i] = r;
    }

    for (size_t k = thread; k < scalar_element_count(count, vector_count); k += stride) {
        const size_t i = scalar_element(k, head, vector_count);
        out[i] = sign_step_one(x[i], gradient[i], epsilon, lo, hi);
    }
}

}  // namespace

cudaError_t sign_step(float* out, const float* x, const float* gradient, size_t count, float epsilon,
                      float lo, float hi, int multiprocessors, cudaStream_t stream) {
    if (count == 0) return cudaSuccess;

    // a grid-stride loop over at most kBlocksPerMultiprocessor blocks per SM
    const VectorSplit split = vector_split(count, {x, gradient, out});
    const size_t max_blocks = static_cast<size_t>(multiprocessors > 0 ? multiprocessors : 1) * kBlocksPerMultiprocessor;
    return launch_kernel(sign_step_kernel, elementwise_grid(count, split, max_blocks), dim3(kElementwiseBlockSize), 0,
                         stream, out, x, gradient, count, split.head, split.vector_count, epsilon, lo, hi);
}

}  // namespace gradsign

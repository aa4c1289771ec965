// sign_step.cu: the fused sign-and-scale step, x' = clip(x + eps*sign(g), lo, hi), in one pass.
#include "sign_step.cuh"

#include <cstdint>

namespace gradsign {

namespace {

constexpr int kBlockSize = 256;
// enough resident blocks per SM to hide memory latency; a grid-stride loop covers the rest
constexpr int kBlocksPerMultiprocessor = 8;

// sign(0) = sign(NaN) = 0, so no step; a NaN x fails both comparisons of clip and stays NaN
__device__ __forceinline__ float sign_step_one(float x, float g, float epsilon, float lo, float hi) {
    float moved = g > 0.0f ? x + epsilon : (g < 0.0f ? x - epsilon : x);
    return moved < lo ? lo : (moved > hi ? hi : moved);
}

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

    const size_t tail_start = head + 4 * vector_count;
    const size_t scalar_count = head + (count - tail_start);
    for (size_t k = thread; k < scalar_count; k += stride) {
        const size_t i = k < head ? k : tail_start + (k - head);
        out[i] = sign_step_one(x[i], gradient[i], epsilon, lo, hi);
    }
}

}  // namespace

cudaError_t sign_step(float* out, const float* x, const float* gradient, size_t count, float epsilon,
                      float lo, float hi, int multiprocessors, cudaStream_t stream) {
    if (count == 0) return cudaSuccess;

    // float4 loads need the three pointers to share their offset within 16 bytes; then a scalar
    // head of up to 3 floats reaches the first aligned element
    const uintptr_t misalignment = reinterpret_cast<uintptr_t>(x) & 15u;
    size_t head = count;
    size_t vector_count = 0;
    if ((reinterpret_cast<uintptr_t>(gradient) & 15u) == misalignment &&
        (reinterpret_cast<uintptr_t>(out) & 15u) == misalignment && misalignment % sizeof(float) == 0) {
        head = ((16u - misalignment) & 15u) / sizeof(float);
        if (head > count) head = count;
        vector_count = (count - head) / 4;
    }

    const size_t work = vector_count + (count - 4 * vector_count);
    size_t blocks = (work + kBlockSize - 1) / kBlockSize;
    const size_t max_blocks = static_cast<size_t>(multiprocessors > 0 ? multiprocessors : 1) * kBlocksPerMultiprocessor;
    if (blocks > max_blocks) blocks = max_blocks;

    return launch_kernel(sign_step_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kBlockSize), 0, stream,
                         out, x, gradient, count, head, vector_count, epsilon, lo, hi);
}

}  // namespace gradsign

// apgd_step.cu: APGD's L-infinity step with momentum (Croce and Hein 2020, Algorithm 1), one pass over the elements.
#include "apgd_step.cuh"

namespace gradsign {

namespace {

constexpr int kApgdBlockSize = 256;
constexpr size_t kApgdMaxBlocks = 1024;

// one thread per element, grid-stride; element i belongs to sample i / sample_size, whose step size it
// reads. 24 bytes per element (read x, previous, origin, gradient; write next). No __restrict__: next
// may be current or previous, and each element is read before the same thread writes it.
__global__ void __launch_bounds__(kApgdBlockSize) apgd_step_kernel(float* next,
                                                                   const float* current,
                                                                   const float* previous,
                                                                   const float* origin,
                                                                   const float* gradient,
                                                                   const float* step_sizes,
                                                                   size_t count,
                                                                   size_t sample_size,
                                                                   float momentum,
                                                                   float one_minus_momentum,
                                                                   float epsilon,
                                                                   float lo,
                                                                   float hi) {
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        const float eta = step_sizes[i / sample_size];
        next[i] = apgd_step_one(current[i], previous[i], origin[i], gradient[i], eta, momentum, one_minus_momentum,
                                epsilon, lo, hi);
    }
}

}  // namespace

cudaError_t apgd_step(float* next, const float* current, const float* previous, const float* origin,
                      const float* gradient, const float* step_sizes, size_t batch, size_t sample_size, float momentum,
                      float epsilon, float lo, float hi, cudaStream_t stream) {
    const size_t count = batch * sample_size;
    if (count == 0) return cudaSuccess;
    size_t blocks = (count + kApgdBlockSize - 1) / kApgdBlockSize;
    if (blocks > kApgdMaxBlocks) blocks = kApgdMaxBlocks;
    // host code: one float subtraction, nothing to fuse it with
    const float one_minus_momentum = 1.0f - momentum;
    return launch_kernel(apgd_step_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kApgdBlockSize), 0, stream, next,
                         current, previous, origin, gradient, step_sizes, count, sample_size, momentum,
                         one_minus_momentum, epsilon, lo, hi);
}

}  // namespace gradsign

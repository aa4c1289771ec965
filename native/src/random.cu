// random.cu: uniform and normal fills from Philox4x32-10, one thread per block of the generator.
#include "random.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// thread b writes elements 4b .. 4b + 3 (those below count) from the four words of block b
__global__ void random_uniform_kernel(float* out, size_t count, uint64_t seed, uint64_t stream, float low, float high) {
    const float range = __fsub_rn(high, low);
    const size_t blocks = (count + 3) / 4;
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    for (size_t b = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks; b += stride) {
        const PhiloxWords words = philox_block(seed, stream, b);
        for (int j = 0; j < 4; ++j) {
            const size_t i = 4 * b + j;
            if (i < count) out[i] = __fadd_rn(low, __fmul_rn(range, unit_float(words.w[j])));
        }
    }
}

// thread k writes elements 2k and 2k + 1 (those below count), one Box-Muller pair from block k
__global__ void random_normal_kernel(float* out, size_t count, uint64_t seed, uint64_t stream) {
    const size_t pairs = (count + 1) / 2;
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    for (size_t k = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < pairs; k += stride) {
        float z0, z1;
        normal_pair(philox_block(seed, stream, k), z0, z1);
        out[2 * k] = z0;
        if (2 * k + 1 < count) out[2 * k + 1] = z1;
    }
}

dim3 random_grid(size_t threads) {
    size_t blocks = (threads + kElementwiseBlockSize - 1) / kElementwiseBlockSize;
    if (blocks > kElementwiseMaxBlocks) blocks = kElementwiseMaxBlocks;
    return dim3(static_cast<unsigned>(blocks));
}

}  // namespace

// 4 bytes written per element, nothing read
cudaError_t random_uniform(float* out, size_t count, uint64_t seed, uint64_t stream, float low, float high,
                           cudaStream_t stream_handle) {
    if (count == 0) return cudaSuccess;
    return launch_kernel(random_uniform_kernel, random_grid((count + 3) / 4), dim3(kElementwiseBlockSize), 0,
                         stream_handle, out, count, seed, stream, low, high);
}

// compute-bound: a Philox block, a logarithm, a sine and a cosine in double per pair
cudaError_t random_normal(float* out, size_t count, uint64_t seed, uint64_t stream, cudaStream_t stream_handle) {
    if (count == 0) return cudaSuccess;
    return launch_kernel(random_normal_kernel, random_grid((count + 1) / 2), dim3(kElementwiseBlockSize), 0,
                         stream_handle, out, count, seed, stream);
}

}  // namespace gradsign

// sample_reduction.cuh: one block per sample, and the fixed order of its double sums that every backend repeats.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// threads of a per-sample block; also the number of lanes of the sum order below, which the CPU
// twins (cpu/SampleReduction.java) repeat: changing it changes the bits of l2_step and momentum_sign_step
constexpr int kSampleThreads = 256;
// grid-stride over samples beyond this many blocks
constexpr size_t kMaxSampleBlocks = 4096;

// The sum over a sample in one fixed order: thread t adds the terms of elements t, t + 256, t + 512, ...
// in that order to 0.0 (its lane), then lanes are added pairwise, lane t += lane t + s for s = 128, 64,
// ..., 1; lane 0 is the sum. Every thread of the block gets it. The terms (squares and magnitudes of
// floats) are exact in double, so a fused multiply-add in the caller's lane sum changes nothing.
__device__ __forceinline__ double sample_sum(double lane, double* partial) {
    const int t = threadIdx.x;
    partial[t] = lane;
    __syncthreads();
    for (int s = kSampleThreads / 2; s > 0; s /= 2) {
        if (t < s) partial[t] += partial[t + s];
        __syncthreads();
    }
    const double sum = partial[0];
    // nobody writes partial again (the next sum, the next sample) before everyone has read lane 0
    __syncthreads();
    return sum;
}

// blocks for batch samples: one each, at most kMaxSampleBlocks
inline dim3 sample_grid(size_t batch) {
    return dim3(static_cast<unsigned>(batch < kMaxSampleBlocks ? batch : kMaxSampleBlocks));
}

}  // namespace gradsign

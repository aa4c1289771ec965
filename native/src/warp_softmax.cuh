// warp_softmax.cuh: what the one-warp-per-row softmax kernels share: warp reductions and the online max and sum of exp.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

constexpr int kWarpSize = 32;
constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_max(float value) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        value = fmaxf(value, __shfl_xor_sync(kFullMask, value, offset));
    }
    return value;
}

// every lane gets the sum (butterfly), so all lanes hold the same bits
__device__ __forceinline__ float warp_sum(float value) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) value += __shfl_xor_sync(kFullMask, value, offset);
    return value;
}

// merges (max, sum of exp(x - max)) of other elements into (row_max, sum). A side that has seen no
// element yet (max -inf, sum 0) keeps its sum unscaled, which avoids exp(-inf - -inf) = NaN.
__device__ __forceinline__ void merge_online(float& row_max, float& sum, float other_max, float other_sum) {
    const float merged_max = fmaxf(row_max, other_max);
    sum = (row_max == merged_max ? sum : sum * expf(row_max - merged_max)) +
          (other_max == merged_max ? other_sum : other_sum * expf(other_max - merged_max));
    row_max = merged_max;
}

// adds one element x to (row_max, sum of exp(x - max)) with a single exp. x == row_max (also both
// -inf, a masked class before any other) adds exp(0) without computing exp(-inf - -inf) = NaN; a NaN
// x compares false everywhere and makes the sum NaN.
__device__ __forceinline__ void add_online(float& row_max, float& sum, float x) {
    const bool larger = x > row_max;
    const float e = x == row_max ? 1.0f : expf(larger ? row_max - x : x - row_max);
    sum = larger ? sum * e + 1.0f : sum + e;
    row_max = larger ? x : row_max;
}

// the online (max, sum) of every lane merged over the warp; every lane gets the row's
__device__ __forceinline__ void warp_merge_online(float& row_max, float& sum) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        const float other_max = __shfl_xor_sync(kFullMask, row_max, offset);
        const float other_sum = __shfl_xor_sync(kFullMask, sum, offset);
        merge_online(row_max, sum, other_max, other_sum);
    }
}

}  // namespace gradsign

// combine.cuh: launcher of out = clip(a * x + b * y, lo, hi) and its rule for one element.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"
#include "sign_step.cuh"

namespace gradsign {

// out, x, y: (count,) device floats; out may be x or y (the same range exactly), x may be y
cudaError_t combine(float* out, float a, const float* x, float b, const float* y, size_t count, float lo, float hi,
                    cudaStream_t stream);

// both products and the sum rounded on their own, Java's max and min: cpu/Combine.java gives the same bits
__device__ __forceinline__ float combine_one(float a, float x, float b, float y, float lo, float hi) {
    return min_like_java(max_like_java(__fadd_rn(__fmul_rn(a, x), __fmul_rn(b, y)), lo), hi);
}

}  // namespace gradsign

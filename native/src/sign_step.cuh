// sign_step.cuh: launcher of the fused sign-and-scale step (the FGSM update), and its rule for one element.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// out = clip(x + epsilon * sign(gradient), lo, hi); out, x, gradient are (count,) device floats
cudaError_t sign_step(float* out, const float* x, const float* gradient, size_t count, float epsilon,
                      float lo, float hi, int multiprocessors, cudaStream_t stream);

// Math.max and Math.min of Java: NaN if either is NaN, and +0 above -0. The CPU twin uses Java's,
// so with these the two backends agree bit for bit, signed zeros and NaN included.
__device__ __forceinline__ float max_like_java(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return __float_as_int(a) < 0 ? b : a;
    return a > b ? a : b;
}

__device__ __forceinline__ float min_like_java(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return __float_as_int(a) < 0 ? a : b;
    return a < b ? a : b;
}

// sign(g) as g scaled past 1 and clamped: +-1 for every non-zero float (the smallest subnormal,
// 2^-149, times 2^252 is 2^103), +-0 for +-0, NaN for NaN; x + eps * +-0 leaves x as it is.
// This form is the one Java's compiler vectorizes, which is why the CPU twin and the kernel share it.
__device__ __forceinline__ float sign_step_one(float x, float g, float epsilon, float lo, float hi) {
    const float sign = min_like_java(max_like_java(g * 0x1p126f * 0x1p126f, -1.0f), 1.0f);
    return min_like_java(max_like_java(x + epsilon * sign, lo), hi);
}

}  // namespace gradsign

// projected_sign_step.cuh: launcher of the projected sign step (BIM, PGD L-infinity) and its rule for one element.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"
#include "sign_step.cuh"

namespace gradsign {

// out = clip(clip(x + alpha * sign(gradient), origin - epsilon, origin + epsilon), lo, hi); out, x,
// origin, gradient are (count,) device floats. out may be x (or any input, the same range exactly).
cudaError_t projected_sign_step(float* out, const float* x, const float* origin, const float* gradient, size_t count,
                                float alpha, float epsilon, float lo, float hi, int multiprocessors,
                                cudaStream_t stream);

// sign(g) as in sign_step_one: +-1, +-0 for +-0, NaN for NaN
__device__ __forceinline__ float sign_like_step(float g) {
    return min_like_java(max_like_java(g * 0x1p126f * 0x1p126f, -1.0f), 1.0f);
}

// one element, every operation rounded on its own (alpha * sign is exact; origin -+ epsilon rounded
// once each); Java's max and min, so the CPU twin (cpu/ProjectedSignStep.java) gives the same bits
__device__ __forceinline__ float projected_sign_step_one(float x, float origin, float g, float alpha, float epsilon,
                                                         float lo, float hi) {
    const float moved = __fadd_rn(x, __fmul_rn(alpha, sign_like_step(g)));
    const float projected =
        min_like_java(max_like_java(moved, __fsub_rn(origin, epsilon)), __fadd_rn(origin, epsilon));
    return min_like_java(max_like_java(projected, lo), hi);
}

}  // namespace gradsign

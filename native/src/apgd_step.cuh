// apgd_step.cuh: launcher of APGD's L-infinity step (Croce and Hein 2020) and its rule for one element.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"
#include "projected_sign_step.cuh"

namespace gradsign {

// next, current, previous, origin, gradient: (batch, sample_size) device floats; step_sizes: (batch).
// Per element: z = clip(proj(x + eta * sign(g))); next = clip(proj(x + momentum (z - x) + (1 - momentum)
// (x - previous))). next may be current or previous (the same range exactly); it overlaps nothing else.
cudaError_t apgd_step(float* next, const float* current, const float* previous, const float* origin,
                      const float* gradient, const float* step_sizes, size_t batch, size_t sample_size, float momentum,
                      float epsilon, float lo, float hi, cudaStream_t stream);

// one element, every product and sum rounded on its own in this order (the CPU twin, cpu/ApgdStep.java,
// repeats it): z is the projected sign step's; one_minus_momentum is 1 - momentum, rounded once per launch
__device__ __forceinline__ float apgd_step_one(float x, float previous, float origin, float g, float eta,
                                               float momentum, float one_minus_momentum, float epsilon, float lo,
                                               float hi) {
    const float z = projected_sign_step_one(x, origin, g, eta, epsilon, lo, hi);
    const float u = __fmul_rn(momentum, __fsub_rn(z, x));
    const float v = __fmul_rn(one_minus_momentum, __fsub_rn(x, previous));
    const float w = __fadd_rn(__fadd_rn(x, u), v);
    const float projected = min_like_java(max_like_java(w, __fsub_rn(origin, epsilon)), __fadd_rn(origin, epsilon));
    return min_like_java(max_like_java(projected, lo), hi);
}

}  // namespace gradsign

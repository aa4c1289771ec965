// activation.cuh: launchers of the activation forward and backward steps, and their rules for one element (the dense and conv epilogues use them too).
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"
#include "gradsign.h"

namespace gradsign {

// y = f(x), count floats each; y may be x (in place)
cudaError_t activation_forward(float* y, const float* x, size_t count, int activation, cudaStream_t stream);

// dpre = dy * f'(pre), written from the activation's output y: relu' = (y > 0), tanh' = 1 - y^2,
// sigmoid' = y * (1 - y), none' = 1; count floats each; dpre may be dy (in place)
cudaError_t activation_backward(float* dpre, const float* dy, const float* y, size_t count, int activation,
                                cudaStream_t stream);

// f(v): relu as Java's Math.max(v, 0f), so NaN stays NaN (a diverged layer is not hidden) and -0
// becomes +0; tanh as tanhf; sigmoid as 1 / (1 + exp(-v)), saturating to 0 and 1 (NaN stays NaN)
template <int kActivation>
__device__ __forceinline__ float activation_forward_one(float v) {
    if constexpr (kActivation == GRADSIGN_ACTIVATION_RELU) {
        return v != v ? v : (v > 0.0f ? v : 0.0f);
    } else if constexpr (kActivation == GRADSIGN_ACTIVATION_TANH) {
        return tanhf(v);
    } else if constexpr (kActivation == GRADSIGN_ACTIVATION_SIGMOID) {
        return 1.0f / (1.0f + expf(-v));
    } else {
        return v;
    }
}

// the same, with the activation chosen at run time (GRADSIGN_ACTIVATION_*; an unknown one passes v)
__device__ __forceinline__ float activation_forward_one(float v, int activation) {
    if (activation == GRADSIGN_ACTIVATION_RELU) return activation_forward_one<GRADSIGN_ACTIVATION_RELU>(v);
    if (activation == GRADSIGN_ACTIVATION_TANH) return activation_forward_one<GRADSIGN_ACTIVATION_TANH>(v);
    if (activation == GRADSIGN_ACTIVATION_SIGMOID) return activation_forward_one<GRADSIGN_ACTIVATION_SIGMOID>(v);
    return v;
}

// f' written from y = f(pre): relu' = (y > 0), so y = 0 (pre <= 0) passes nothing, and a NaN y
// passes nothing either; tanh' = 1 - y^2; sigmoid' = y * (1 - y); none' = 1
template <int kActivation>
__device__ __forceinline__ float activation_backward_one(float dy, float y) {
    if constexpr (kActivation == GRADSIGN_ACTIVATION_RELU) {
        return y > 0.0f ? dy : 0.0f;
    } else if constexpr (kActivation == GRADSIGN_ACTIVATION_TANH) {
        // y * y rounded on its own, as in the CPU twin: contracted into a fused multiply-add (nvcc's
        // default) it rounds once, and where y * y is near 1 the difference grows to a few ulps of dPre
        return dy * (1.0f - __fmul_rn(y, y));
    } else if constexpr (kActivation == GRADSIGN_ACTIVATION_SIGMOID) {
        // dy * (y * (1 - y)), each operation rounded on its own: no product here is followed by an
        // addition, so nothing can be contracted into a fused multiply-add
        return dy * (y * (1.0f - y));
    } else {
        return dy;
    }
}

// the same, with the activation chosen at run time (GRADSIGN_ACTIVATION_*; an unknown one passes dy)
__device__ __forceinline__ float activation_backward_one(float dy, float y, int activation) {
    if (activation == GRADSIGN_ACTIVATION_RELU) return activation_backward_one<GRADSIGN_ACTIVATION_RELU>(dy, y);
    if (activation == GRADSIGN_ACTIVATION_TANH) return activation_backward_one<GRADSIGN_ACTIVATION_TANH>(dy, y);
    if (activation == GRADSIGN_ACTIVATION_SIGMOID) return activation_backward_one<GRADSIGN_ACTIVATION_SIGMOID>(dy, y);
    return dy;
}

}  // namespace gradsign

// activation.cuh: launcher of the activation backward step, and its rule for one element (the dense backward's epilogue uses it too).
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"
#include "gradsign.h"

namespace gradsign {

// dpre = dy * f'(pre), written from the activation's output y: relu' = (y > 0), tanh' = 1 - y^2,
// none' = 1; count floats each; dpre may be dy (in place)
cudaError_t activation_backward(float* dpre, const float* dy, const float* y, size_t count, int activation,
                                cudaStream_t stream);

// f' written from y = f(pre): relu' = (y > 0), so y = 0 (pre <= 0) passes nothing, and a NaN y
// passes nothing either; tanh' = 1 - y^2; none' = 1
template <int kActivation>
__device__ __forceinline__ float activation_backward_one(float dy, float y) {
    if constexpr (kActivation == GRADSIGN_ACTIVATION_RELU) {
        return y > 0.0f ? dy : 0.0f;
    } else if constexpr (kActivation == GRADSIGN_ACTIVATION_TANH) {
        // y * y rounded on its own, as in the CPU twin: contracted into a fused multiply-add (nvcc's
        // default) it rounds once, and where y * y is near 1 the difference grows to a few ulps of dPre
        return dy * (1.0f - __fmul_rn(y, y));
    } else {
        return dy;
    }
}

// the same, with the activation chosen at run time (GRADSIGN_ACTIVATION_*; an unknown one passes dy)
__device__ __forceinline__ float activation_backward_one(float dy, float y, int activation) {
    if (activation == GRADSIGN_ACTIVATION_RELU) return activation_backward_one<GRADSIGN_ACTIVATION_RELU>(dy, y);
    if (activation == GRADSIGN_ACTIVATION_TANH) return activation_backward_one<GRADSIGN_ACTIVATION_TANH>(dy, y);
    return dy;
}

}  // namespace gradsign

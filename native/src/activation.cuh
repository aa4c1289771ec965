// activation.cuh: launcher of the activation backward step.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// dpre = dy * f'(pre), written from the activation's output y: relu' = (y > 0), tanh' = 1 - y^2,
// none' = 1; count floats each; dpre may be dy (in place)
cudaError_t activation_backward(float* dpre, const float* dy, const float* y, size_t count, int activation,
                                cudaStream_t stream);

}  // namespace gradsign

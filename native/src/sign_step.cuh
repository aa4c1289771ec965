// sign_step.cuh: launcher of the fused sign-and-scale step (the FGSM update).
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// out = clip(x + epsilon * sign(gradient), lo, hi); out, x, gradient are (count,) device floats
cudaError_t sign_step(float* out, const float* x, const float* gradient, size_t count, float epsilon,
                      float lo, float hi, int multiprocessors, cudaStream_t stream);

}  // namespace gradsign

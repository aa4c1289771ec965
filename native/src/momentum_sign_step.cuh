// momentum_sign_step.cuh: launcher of the MI-FGSM step: the per-sample momentum update, then the projected sign step on it.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// out, momentum, x, origin, gradient: (batch, sample_size) device floats. Per sample: l1 = sum |g|
// (double, sample_reduction.cuh's order, rounded to float); momentum = decay * momentum + g / l1
// (decay * momentum where l1 = 0); out = projected_sign_step_one(x, origin, momentum, ...). momentum is
// read and written in place and overlaps nothing else; out may be x, origin or gradient (the same range).
cudaError_t momentum_sign_step(float* out, float* momentum, const float* x, const float* origin, const float* gradient,
                               size_t batch, size_t sample_size, float decay, float alpha, float epsilon, float lo,
                               float hi, cudaStream_t stream);

}  // namespace gradsign

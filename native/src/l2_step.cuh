// l2_step.cuh: launcher of the per-sample L2 step (FGM, PGD L2): a normalised gradient step, projection onto the L2 ball, clipping.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// out, x, origin, gradient: (batch, sample_size) device floats. Per sample: y = x + (alpha / |g|_2) g
// (y = x where |g|_2 = 0); d = y - origin; p = origin + d (epsilon / |d|_2) where |d|_2 > epsilon,
// else y; out = clip(p, lo, hi). Norms: the sum of squares in double (sample_reduction.cuh's order),
// rounded to float, then a float square root. out may be x, origin or gradient (the same range).
cudaError_t l2_step(float* out, const float* x, const float* origin, const float* gradient, size_t batch,
                    size_t sample_size, float alpha, float epsilon, float lo, float hi, cudaStream_t stream);

}  // namespace gradsign

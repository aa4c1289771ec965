// l2_normalize.cuh: launcher of the per-sample out = origin + scale * v / |v|_2 (VAT's power iteration, its r_adv).
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// out, origin, v: (batch, sample_size) device floats; origin may be null (then out = factor * v).
// Per sample: norm = sqrt(sum v^2), the sum in double in sample_reduction.cuh's order rounded to float
// once, a float square root; norm 0: out = origin (0 without one); else factor = scale / norm (one
// division), out = origin + factor * v, product and sum rounded one by one. out may be origin or v
// (the same range exactly).
cudaError_t l2_normalize(float* out, const float* origin, const float* v, size_t batch, size_t sample_size, float scale,
                         cudaStream_t stream);

}  // namespace gradsign

// sample_norms.cuh: launcher of the per-sample L1, L2 and L-infinity norms of a - b.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// a, b: (batch, sample_size) device floats, b null for the norms of a; l1, l2, linf: (batch), each null
// when not wanted. d = a - b rounded to float; L1 and the sum of squares in double in sample_reduction.cuh's
// order, rounded to float once; L2 the float square root of that float sum; L-inf the float max of |d|.
cudaError_t sample_norms(float* l1, float* l2, float* linf, const float* a, const float* b, size_t batch,
                         size_t sample_size, cudaStream_t stream);

}  // namespace gradsign

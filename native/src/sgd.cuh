// sgd.cuh: launcher of the SGD-with-momentum update.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// velocity = momentum * velocity + gradient; parameters -= learning_rate * velocity; count floats each,
// none overlapping; one pass (read p, v, g; write p, v)
cudaError_t sgd_momentum(float* parameters, float* velocity, const float* gradient, size_t count,
                         float learning_rate, float momentum, cudaStream_t stream);

}  // namespace gradsign

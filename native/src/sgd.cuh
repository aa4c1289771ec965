// sgd.cuh: launcher of the SGD-with-momentum update.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// g = gradient + weight_decay * parameters (g = gradient where weight_decay is 0); velocity = momentum *
// velocity + g; parameters -= learning_rate * velocity (torch.optim.SGD); count floats each, none
// overlapping; one pass (read p, v, g; write p, v); every operation rounded on its own
cudaError_t sgd_momentum(float* parameters, float* velocity, const float* gradient, size_t count,
                         float learning_rate, float momentum, float weight_decay, cudaStream_t stream);

}  // namespace gradsign

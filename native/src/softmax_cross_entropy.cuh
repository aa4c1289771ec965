// softmax_cross_entropy.cuh: launcher of the fused softmax, cross-entropy loss and its gradient.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// for each row b of logits (batch, classes) and its label labels[b] in [0, classes):
//   probabilities[b, :] = softmax(logits[b, :])
//   losses[b] = -log(probabilities[b, labels[b]])
//   dlogits[b, :] = gradient_scale * (probabilities[b, :] - onehot(labels[b]))
// gradient_scale is 1/batch for the mean loss, negative to descend instead of ascend; dlogits may be
// null (forward only). One pass over the logits.
cudaError_t softmax_cross_entropy(float* probabilities, float* losses, float* dlogits, const float* logits,
                                  const int* labels, int batch, int classes, float gradient_scale,
                                  cudaStream_t stream);

}  // namespace gradsign

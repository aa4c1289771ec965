// softmax_cross_entropy.cuh: launcher of the fused softmax, cross-entropy loss and its gradient.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// for each row b of logits (batch, classes) and its label labels[b] in [0, classes):
//   probabilities[b, :] = softmax(logits[b, :])
//   losses[b] = -log(probabilities[b, labels[b]])
//   dlogits[b, :] = gradient_scale * (probabilities[b, :] - onehot(labels[b]))
// gradient_scale is 1/batch for the mean loss, negative to descend instead of ascend; dlogits may be
// null (forward only). One pass over the logits: one warp per row, stable (the row max is subtracted
// before exp; the loss is log-sum-exp minus the label's logit, never log(0)). The outputs must not
// overlap the inputs. A label outside [0, classes) is never used as an index: that row's loss and
// dlogits are NaN and its probabilities are still written (the Java side validates labels first; this
// is defence in depth). batch 0 does nothing.
cudaError_t softmax_cross_entropy(float* probabilities, float* losses, float* dlogits, const float* logits,
                                  const int* labels, int batch, int classes, float gradient_scale,
                                  cudaStream_t stream);

}  // namespace gradsign

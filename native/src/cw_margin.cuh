// cw_margin.cuh: launcher of Carlini and Wagner's margin loss f6 and its gradient, over rows of logits.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// logits, dlogits: (batch, classes) device floats; losses, scales: (batch), scales null for 1; labels:
// (batch) int32, the true classes (untargeted) or the targets. m = the first largest logit other than the
// label's; f = max(z_y - m, -kappa) (untargeted) or max(m - z_t, -kappa) (targeted); dlogits = scale *
// df/dz where the margin is above -kappa, else 0. A row holding NaN gets a NaN loss and gradient row.
cudaError_t cw_margin(float* losses, float* dlogits, const float* logits, const int* labels, const float* scales,
                      int batch, int classes, float kappa, bool targeted, cudaStream_t stream);

}  // namespace gradsign

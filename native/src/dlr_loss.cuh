// dlr_loss.cuh: launcher of the DLR loss of Croce and Hein 2020 and its gradient, over rows of logits.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// logits, dlogits: (batch, classes) device floats; losses: (batch); labels, targets: (batch) int32 in
// [0, classes). Untargeted (targets null, classes >= 3): loss = -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3
// + 1e-12); targeted (classes >= 4): loss = -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12), pi the
// order of z descending, ties to the lower index. dlogits = gradient_scale * the loss's gradient with the
// chosen indices held fixed, skipped when null. A row holding NaN gets a NaN loss and a NaN gradient row.
cudaError_t dlr_loss(float* losses, float* dlogits, const float* logits, const int* labels, const int* targets,
                     int batch, int classes, float gradient_scale, cudaStream_t stream);

}  // namespace gradsign

// softmax_divergence.cuh: launchers of the KL divergence between two rows' softmaxes and of a row's softmax entropy, with their logit gradients.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// for each row b of p_logits and q_logits (batch, classes), with p = softmax(p_logits[b, :]) and
// q = softmax(q_logits[b, :]):
//   losses[b] = KL(p || q) = sum_i p_i (log p_i - log q_i)
//   dp[b, i]  = gradient_scale * p_i (log p_i - log q_i - KL)      (skipped when dp is null)
//   dq[b, i]  = gradient_scale * (q_i - p_i)                       (skipped when dq is null)
// log p and log q are log-softmaxes (logit - max - log sum exp(logit - max)), finite where a
// probability underflows; a class whose p rounds to 0 adds nothing to KL and gets dp 0. One warp per
// row. Outputs must not overlap inputs or each other (the inputs may be one buffer). batch 0 does nothing.
cudaError_t softmax_kl(float* losses, float* dp, float* dq, const float* p_logits, const float* q_logits, int batch,
                       int classes, float gradient_scale, cudaStream_t stream);

// for each row b of logits (batch, classes), with p = softmax(logits[b, :]) and log p its log-softmax:
//   entropies[b] = H(p) = -sum_i p_i log p_i
//   dlogits[b, i] = gradient_scale * -p_i (log p_i + H)            (skipped when dlogits is null)
// a class whose p rounds to 0 adds nothing and gets a gradient of 0. One warp per row; outputs must
// not overlap the input. batch 0 does nothing.
cudaError_t softmax_entropy(float* entropies, float* dlogits, const float* logits, int batch, int classes,
                            float gradient_scale, cudaStream_t stream);

}  // namespace gradsign

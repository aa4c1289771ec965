// softmax_divergence.cu: KL(softmax || softmax) and softmax entropy with their logit gradients, one warp per row.
#include "softmax_divergence.cuh"

#include <cmath>
#include <cstddef>

#include "warp_softmax.cuh"

namespace gradsign {

namespace {

// rows per block, as in softmax_cross_entropy.cu: a row is too short to split over more than one warp
constexpr int kWarpsPerBlock = 8;
constexpr int kMaxBlocks = 1024;

// one row as a lane of its warp sees it: classes lane, lane + 32, ... kPerLane > 0: they sit in
// registers (classes <= 32 * kPerLane); kPerLane == 0: longer rows, read again from memory (the warp
// has just read them, so from L1/L2) on every sweep.
template <int kPerLane>
struct LaneRow {
    const float* logits;
    float cached[kPerLane > 0 ? kPerLane : 1];
    float max;      // the row's largest logit
    float log_sum;  // log of the sum of exp(logit - max): >= 0, since the max adds exp(0)

    __device__ __forceinline__ float logit(int k, int c) const {
        if constexpr (kPerLane > 0) {
            return cached[k];
        } else {
            return logits[c];
        }
    }

    // the log-softmax of class c (the k-th of this lane): finite wherever the logit is, even where
    // exp of it underflows to 0
    __device__ __forceinline__ float log_probability(int k, int c) const { return (logit(k, c) - max) - log_sum; }
};

// calls f(k, c) for this lane's classes c = lane + 32 k of a row of `classes`
template <int kPerLane, typename F>
__device__ __forceinline__ void for_lane_classes(int lane, int classes, F f) {
    if constexpr (kPerLane > 0) {
#pragma unroll
        for (int k = 0; k < kPerLane; ++k) {
            const int c = lane + k * kWarpSize;
            if (c < classes) f(k, c);
        }
    } else {
        for (int c = lane; c < classes; c += kWarpSize) f(0, c);
    }
}

// the row's max and log-sum-exp, the same bits in every lane (butterfly reductions); the same code
// for p and q, so equal rows give equal log-softmaxes and KL(p || p) = 0 exactly
template <int kPerLane>
__device__ __forceinline__ void load_row(LaneRow<kPerLane>& row, const float* logits, int lane, int classes) {
    row.logits = logits;
    float row_max = -INFINITY;
    float sum = 0.0f;
    if constexpr (kPerLane > 0) {
#pragma unroll
        for (int k = 0; k < kPerLane; ++k) {
            const int c = lane + k * kWarpSize;
            row.cached[k] = c < classes ? logits[c] : -INFINITY;
            row_max = fmaxf(row_max, row.cached[k]);
        }
        row_max = warp_max(row_max);
#pragma unroll
        for (int k = 0; k < kPerLane; ++k) {
            if (lane + k * kWarpSize < classes) sum += expf(row.cached[k] - row_max);
        }
        sum = warp_sum(sum);
    } else {
        for (int c = lane; c < classes; c += kWarpSize) add_online(row_max, sum, logits[c]);
        warp_merge_online(row_max, sum);
    }
    row.max = row_max;
    row.log_sum = logf(sum);
}

// losses (batch); dp, dq, p_logits, q_logits (batch, classes) row-major. Warp w of the grid takes
// rows w, w + warps in grid, ...; whole warps enter and leave the loop, so full-mask shuffles see
// every lane. NaN logits give NaN for their row.
template <int kPerLane>
__global__ void softmax_kl_kernel(float* __restrict__ losses,
                                  float* __restrict__ dp,
                                  float* __restrict__ dq,
                                  const float* __restrict__ p_logits,
                                  const float* __restrict__ q_logits,
                                  int batch,
                                  int classes,
                                  float gradient_scale) {
    const int lane = threadIdx.x % kWarpSize;
    const int warps_in_grid = gridDim.x * kWarpsPerBlock;
    for (int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize; row < batch; row += warps_in_grid) {
        const size_t offset = static_cast<size_t>(row) * classes;
        LaneRow<kPerLane> p;
        LaneRow<kPerLane> q;
        load_row(p, p_logits + offset, lane, classes);
        load_row(q, q_logits + offset, lane, classes);
        float kl = 0.0f;
        for_lane_classes<kPerLane>(lane, classes, [&](int k, int c) {
            const float log_p = p.log_probability(k, c);
            const float probability = expf(log_p);
            // p = 0 adds nothing: 0 * (log p - log q) would be NaN where log q is -inf
            if (probability != 0.0f) kl += probability * (log_p - q.log_probability(k, c));
        });
        kl = warp_sum(kl);
        if (lane == 0) losses[row] = kl;
        if (dp == nullptr && dq == nullptr) continue;
        for_lane_classes<kPerLane>(lane, classes, [&](int k, int c) {
            const float log_p = p.log_probability(k, c);
            const float log_q = q.log_probability(k, c);
            const float probability = expf(log_p);
            if (dp != nullptr) {
                dp[offset + c] = probability != 0.0f ? gradient_scale * (probability * (log_p - log_q - kl)) : 0.0f;
            }
            if (dq != nullptr) dq[offset + c] = gradient_scale * (expf(log_q) - probability);
        });
    }
}

// entropies (batch); dlogits, logits (batch, classes) row-major; rows over warps as softmax_kl_kernel
template <int kPerLane>
__global__ void softmax_entropy_kernel(float* __restrict__ entropies,
                                       float* __restrict__ dlogits,
                                       const float* __restrict__ logits,
                                       int batch,
                                       int classes,
                                       float gradient_scale) {
    const int lane = threadIdx.x % kWarpSize;
    const int warps_in_grid = gridDim.x * kWarpsPerBlock;
    for (int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize; row < batch; row += warps_in_grid) {
        const size_t offset = static_cast<size_t>(row) * classes;
        LaneRow<kPerLane> x;
        load_row(x, logits + offset, lane, classes);
        float sum_p_log_p = 0.0f;
        for_lane_classes<kPerLane>(lane, classes, [&](int k, int c) {
            const float log_p = x.log_probability(k, c);
            const float probability = expf(log_p);
            if (probability != 0.0f) sum_p_log_p += probability * log_p;
        });
        const float entropy = -warp_sum(sum_p_log_p);
        if (lane == 0) entropies[row] = entropy;
        if (dlogits == nullptr) continue;
        for_lane_classes<kPerLane>(lane, classes, [&](int k, int c) {
            const float log_p = x.log_probability(k, c);
            const float probability = expf(log_p);
            dlogits[offset + c] = probability != 0.0f ? gradient_scale * -(probability * (log_p + entropy)) : 0.0f;
        });
    }
}

int blocks_for(int batch) {
    const int blocks = (batch + kWarpsPerBlock - 1) / kWarpsPerBlock;
    return blocks > kMaxBlocks ? kMaxBlocks : blocks;
}

template <int kPerLane>
cudaError_t launch_kl(float* losses, float* dp, float* dq, const float* p_logits, const float* q_logits, int batch,
                      int classes, float gradient_scale, cudaStream_t stream) {
    return launch_kernel(softmax_kl_kernel<kPerLane>, dim3(blocks_for(batch)), dim3(kWarpsPerBlock * kWarpSize), 0,
                         stream, losses, dp, dq, p_logits, q_logits, batch, classes, gradient_scale);
}

template <int kPerLane>
cudaError_t launch_entropy(float* entropies, float* dlogits, const float* logits, int batch, int classes,
                           float gradient_scale, cudaStream_t stream) {
    return launch_kernel(softmax_entropy_kernel<kPerLane>, dim3(blocks_for(batch)), dim3(kWarpsPerBlock * kWarpSize),
                         0, stream, entropies, dlogits, logits, batch, classes, gradient_scale);
}

}  // namespace

// rows of up to 1024 classes stay in registers (at most 32 per lane and row, two rows for KL), longer
// ones are read once per sweep: the paths of softmax_cross_entropy
cudaError_t softmax_kl(float* losses, float* dp, float* dq, const float* p_logits, const float* q_logits, int batch,
                       int classes, float gradient_scale, cudaStream_t stream) {
    if (batch == 0) return cudaSuccess;
    // the C API has checked these already
    if (batch < 0 || classes <= 0) return cudaErrorInvalidValue;
    if (classes <= kWarpSize) {
        return launch_kl<1>(losses, dp, dq, p_logits, q_logits, batch, classes, gradient_scale, stream);
    }
    if (classes <= 4 * kWarpSize) {
        return launch_kl<4>(losses, dp, dq, p_logits, q_logits, batch, classes, gradient_scale, stream);
    }
    if (classes <= 32 * kWarpSize) {
        return launch_kl<32>(losses, dp, dq, p_logits, q_logits, batch, classes, gradient_scale, stream);
    }
    return launch_kl<0>(losses, dp, dq, p_logits, q_logits, batch, classes, gradient_scale, stream);
}

cudaError_t softmax_entropy(float* entropies, float* dlogits, const float* logits, int batch, int classes,
                            float gradient_scale, cudaStream_t stream) {
    if (batch == 0) return cudaSuccess;
    if (batch < 0 || classes <= 0) return cudaErrorInvalidValue;
    if (classes <= kWarpSize) {
        return launch_entropy<1>(entropies, dlogits, logits, batch, classes, gradient_scale, stream);
    }
    if (classes <= 4 * kWarpSize) {
        return launch_entropy<4>(entropies, dlogits, logits, batch, classes, gradient_scale, stream);
    }
    if (classes <= 32 * kWarpSize) {
        return launch_entropy<32>(entropies, dlogits, logits, batch, classes, gradient_scale, stream);
    }
    return launch_entropy<0>(entropies, dlogits, logits, batch, classes, gradient_scale, stream);
}

}  // namespace gradsign

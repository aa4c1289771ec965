// softmax_cross_entropy.cu: fused softmax, cross-entropy loss and its gradient, one warp per row.
#include "softmax_cross_entropy.cuh"

#include "warp_softmax.cuh"

#include <cmath>
#include <cstddef>

namespace gradsign {

namespace {

// rows per block; a row of up to a few thousand classes is too short to split over more than one warp
constexpr int kWarpsPerBlock = 8;
constexpr int kMaxBlocks = 1024;

// logits, probabilities, dlogits: (batch, classes) row-major; labels, losses: (batch).
// Warp w of the grid takes rows w, w + warps in grid, ...; lane l takes classes l, l + 32, ...
// kPerLane > 0: the row fits in kPerLane registers per lane (classes <= 32 * kPerLane) and is read
// from memory once. kPerLane == 0: longer rows; an online max and sum of exp in one sweep, then a
// second sweep re-reads the row (which the warp has just read, so from L1/L2) to write p and dlogits.
// With p = exp(x - max) / sum and sum >= 1 (the max contributes exp(0)), nothing overflows and the
// loss, log(sum) - (x[label] - max), never takes log(0). NaN logits give NaN for their row.
// A label outside [0, classes) is never used as an index: the row's loss and dlogits become NaN.
template <int kPerLane>
__global__ void softmax_cross_entropy_kernel(float* __restrict__ probabilities,
                                             float* __restrict__ losses,
                                             float* __restrict__ dlogits,
                                             const float* __restrict__ logits,
                                             const int* __restrict__ labels,
                                             int batch,
                                             int classes,
                                             float gradient_scale) {
    const int lane = threadIdx.x % kWarpSize;
    const int warps_in_grid = gridDim.x * kWarpsPerBlock;
    // row is the same for all 32 lanes, so whole warps enter and leave the loop and the full-mask
    // shuffles see every lane
    for (int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize; row < batch; row += warps_in_grid) {
        const size_t offset = static_cast<size_t>(row) * classes;
        const float* row_logits = logits + offset;
        const int label = labels[row];
        const bool label_valid = label >= 0 && label < classes;

        float row_max = -INFINITY;
        float sum = 0.0f;
        float cached[kPerLane > 0 ? kPerLane : 1];
        if constexpr (kPerLane > 0) {
#pragma unroll
            for (int k = 0; k < kPerLane; ++k) {
                const int c = lane + k * kWarpSize;
                cached[k] = c < classes ? row_logits[c] : -INFINITY;
                row_max = fmaxf(row_max, cached[k]);
            }
            row_max = warp_max(row_max);
#pragma unroll
            for (int k = 0; k < kPerLane; ++k) {
                const int c = lane + k * kWarpSize;
                // cached now holds exp(x - max), the unnormalized probability
                cached[k] = c < classes ? expf(cached[k] - row_max) : 0.0f;
                sum += cached[k];
            }
            sum = warp_sum(sum);
        } else {
            for (int c = lane; c < classes; c += kWarpSize) add_online(row_max, sum, row_logits[c]);
            warp_merge_online(row_max, sum);
        }

        const float inverse_sum = 1.0f / sum;
        if (lane == 0) {
            losses[row] = label_valid ? logf(sum) - (row_logits[label] - row_max) : NAN;
        }

        float* row_probabilities = probabilities + offset;
        float* row_dlogits = dlogits != nullptr ? dlogits + offset : nullptr;
        // dlogits = scale * (p - onehot): p for the other classes; for the label, p - 1 as minus the sum
        // of the other classes' p (p - 1 in float is 0 once p rounds to 1, and the input gradient then
        // points wherever the other terms' rounding does); an invalid label poisons the whole row
        float others = 0.0f;
        if constexpr (kPerLane > 0) {
#pragma unroll
            for (int k = 0; k < kPerLane; ++k) {
                const int c = lane + k * kWarpSize;
                if (c < classes) {
                    const float p = cached[k] * inverse_sum;
                    row_probabilities[c] = p;
                    if (c != label) others += p;
                    if (row_dlogits != nullptr && (c != label || !label_valid)) {
                        row_dlogits[c] = label_valid ? gradient_scale * p : NAN;
                    }
                }
            }
        } else {
            for (int c = lane; c < classes; c += kWarpSize) {
                const float p = expf(row_logits[c] - row_max) * inverse_sum;
                row_probabilities[c] = p;
                if (c != label) others += p;
                if (row_dlogits != nullptr && (c != label || !label_valid)) {
                    row_dlogits[c] = label_valid ? gradient_scale * p : NAN;
                }
            }
        }
        others = warp_sum(others);
        if (row_dlogits != nullptr && label_valid && lane == 0) row_dlogits[label] = gradient_scale * -others;
    }
}

template <int kPerLane>
cudaError_t launch_rows(float* probabilities, float* losses, float* dlogits, const float* logits, const int* labels,
                        int batch, int classes, float gradient_scale, cudaStream_t stream) {
    int blocks = (batch + kWarpsPerBlock - 1) / kWarpsPerBlock;
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    return launch_kernel(softmax_cross_entropy_kernel<kPerLane>, dim3(blocks), dim3(kWarpsPerBlock * kWarpSize), 0,
                         stream, probabilities, losses, dlogits, logits, labels, batch, classes, gradient_scale);
}

}  // namespace

cudaError_t softmax_cross_entropy(float* probabilities, float* losses, float* dlogits, const float* logits,
                                  const int* labels, int batch, int classes, float gradient_scale,
                                  cudaStream_t stream) {
    if (batch == 0) return cudaSuccess;
    // the C API has checked these already
    if (batch < 0 || classes <= 0) return cudaErrorInvalidValue;
    // rows of up to 1024 classes stay in registers (at most 32 per lane); longer ones are read twice.
    // The 32-per-lane kernel needs about 96 registers (2 blocks of 256 per SM), which is enough: each
    // lane has 32 independent loads in flight, more bytes per SM than memory latency asks for.
    if (classes <= kWarpSize) {
        return launch_rows<1>(probabilities, losses, dlogits, logits, labels, batch, classes, gradient_scale, stream);
    }
    if (classes <= 4 * kWarpSize) {
        return launch_rows<4>(probabilities, losses, dlogits, logits, labels, batch, classes, gradient_scale, stream);
    }
    if (classes <= 32 * kWarpSize) {
        return launch_rows<32>(probabilities, losses, dlogits, logits, labels, batch, classes, gradient_scale, stream);
    }
    return launch_rows<0>(probabilities, losses, dlogits, logits, labels, batch, classes, gradient_scale, stream);
}

}  // namespace gradsign

// dlr_loss.cu: the DLR loss (Croce and Hein 2020, APGD-DLR and APGD-T) and its gradient, one thread per row of logits.
#include "dlr_loss.cuh"

namespace gradsign {

namespace {

constexpr int kDlrBlockSize = 128;

// One thread per row: a row's work is one pass of comparisons to keep its four largest logits, then a
// handful of float operations; next to the network's forward pass that made the logits it is nothing,
// and one thread keeps the order of the float operations the CPU twin's (cpu/DlrLoss.java) without a
// reduction. logits is (batch, classes) row-major.
__global__ void __launch_bounds__(kDlrBlockSize) dlr_loss_kernel(float* __restrict__ losses,
                                                                 float* __restrict__ dlogits,
                                                                 const float* __restrict__ logits,
                                                                 const int* __restrict__ labels,
                                                                 const int* __restrict__ targets,
                                                                 int batch,
                                                                 int classes,
                                                                 float gradient_scale) {
    const int stride = gridDim.x * blockDim.x;
    for (int row = blockIdx.x * blockDim.x + threadIdx.x; row < batch; row += stride) {
        const float* z = logits + static_cast<size_t>(row) * classes;
        // the four largest, descending; a later equal value goes behind an earlier one (ties to the lower
        // index). A NaN is never larger, so it enters only while fewer than four are kept; the flag makes
        // its row NaN.
        float top[4];
        int at[4];
        int kept = 0;
        bool nan = false;
        for (int j = 0; j < classes; ++j) {
            const float v = z[j];
            nan |= v != v;
            int p = kept < 4 ? kept : 4;
            while (p > 0 && v > top[p - 1]) --p;
            if (p < 4) {
                for (int q = (kept < 4 ? kept : 3); q > p; --q) {
                    top[q] = top[q - 1];
                    at[q] = at[q - 1];
                }
                top[p] = v;
                at[p] = j;
                if (kept < 4) ++kept;
            }
        }
        const int y = labels[row];
        const bool targeted = targets != nullptr;
        // the other index: t, or the first largest logit other than y
        const int other = targeted ? targets[row] : (at[0] != y ? at[0] : at[1]);
        const float numerator = __fsub_rn(z[y], z[other]);
        const float spread = targeted ? __fsub_rn(top[0], __fmul_rn(0.5f, __fadd_rn(top[2], top[3])))
                                      : __fsub_rn(top[0], top[2]);
        const float denominator = __fadd_rn(spread, 1e-12f);
        const float quotient = __fdiv_rn(numerator, denominator);
        losses[row] = nan ? NAN : -quotient;
        if (dlogits == nullptr) continue;
        float* d = dlogits + static_cast<size_t>(row) * classes;
        for (int j = 0; j < classes; ++j) d[j] = nan ? NAN : 0.0f;
        if (nan) continue;
        // d loss / d z_y = -1/D, d / d z_other = +1/D; d / d D = N / D^2, times dD/dz: +1 at pi1, -1 at
        // pi3 (untargeted), -1/2 at pi3 and pi4 (targeted); accumulated in this order where indices coincide
        const float direct = __fdiv_rn(gradient_scale, denominator);
        const float through = __fmul_rn(quotient, direct);
        d[y] = __fsub_rn(d[y], direct);
        d[other] = __fadd_rn(d[other], direct);
        d[at[0]] = __fadd_rn(d[at[0]], through);
        if (targeted) {
            const float half = __fmul_rn(0.5f, through);
            d[at[2]] = __fsub_rn(d[at[2]], half);
            d[at[3]] = __fsub_rn(d[at[3]], half);
        } else {
            d[at[2]] = __fsub_rn(d[at[2]], through);
        }
    }
}

}  // namespace

cudaError_t dlr_loss(float* losses, float* dlogits, const float* logits, const int* labels, const int* targets,
                     int batch, int classes, float gradient_scale, cudaStream_t stream) {
    if (batch == 0) return cudaSuccess;
    const int blocks = (batch + kDlrBlockSize - 1) / kDlrBlockSize;
    return launch_kernel(dlr_loss_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kDlrBlockSize), 0, stream, losses,
                         dlogits, logits, labels, targets, batch, classes, gradient_scale);
}

}  // namespace gradsign

// cw_margin.cu: Carlini and Wagner's margin loss f6 (2017) and its gradient, one thread per row of logits.
#include "cw_margin.cuh"

#include "sign_step.cuh"

namespace gradsign {

namespace {

constexpr int kCwBlockSize = 128;

// one thread per row, as dlr_loss.cu: one pass of comparisons, then a few float operations in the CPU
// twin's order (cpu/CwMargin.java). logits is (batch, classes) row-major.
__global__ void __launch_bounds__(kCwBlockSize) cw_margin_kernel(float* __restrict__ losses,
                                                                 float* __restrict__ dlogits,
                                                                 const float* __restrict__ logits,
                                                                 const int* __restrict__ labels,
                                                                 const float* __restrict__ scales,
                                                                 int batch,
                                                                 int classes,
                                                                 float kappa,
                                                                 bool targeted) {
    const int stride = gridDim.x * blockDim.x;
    for (int row = blockIdx.x * blockDim.x + threadIdx.x; row < batch; row += stride) {
        const float* z = logits + static_cast<size_t>(row) * classes;
        const int label = labels[row];
        // the first largest logit other than the label's
        int other = -1;
        float most = 0.0f;
        bool nan = false;
        for (int j = 0; j < classes; ++j) {
            const float v = z[j];
            nan |= v != v;
            if (j != label && (other < 0 || v > most)) {
                most = v;
                other = j;
            }
        }
        const float margin = targeted ? __fsub_rn(most, z[label]) : __fsub_rn(z[label], most);
        const float floor = -kappa;
        losses[row] = nan ? NAN : max_like_java(margin, floor);
        if (dlogits == nullptr) continue;
        float* d = dlogits + static_cast<size_t>(row) * classes;
        for (int j = 0; j < classes; ++j) d[j] = nan ? NAN : 0.0f;
        if (nan || !(margin > floor)) continue;
        const float scale = scales == nullptr ? 1.0f : scales[row];
        d[label] = targeted ? -scale : scale;
        d[other] = targeted ? scale : -scale;
    }
}

}  // namespace

cudaError_t cw_margin(float* losses, float* dlogits, const float* logits, const int* labels, const float* scales,
                      int batch, int classes, float kappa, bool targeted, cudaStream_t stream) {
    if (batch == 0) return cudaSuccess;
    const int blocks = (batch + kCwBlockSize - 1) / kCwBlockSize;
    return launch_kernel(cw_margin_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kCwBlockSize), 0, stream, losses,
                         dlogits, logits, labels, scales, batch, classes, kappa, targeted);
}

}  // namespace gradsign

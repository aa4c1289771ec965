// momentum_sign_step.cu: the MI-FGSM step, one block per sample: the gradient's L1 norm, then momentum and the projected sign step in one sweep.
#include "momentum_sign_step.cuh"

#include <cmath>

#include "projected_sign_step.cuh"
#include "sample_reduction.cuh"

namespace gradsign {

namespace {

// one block of kSampleThreads per sample; two sweeps (the sum of |g|; momentum and out), element i of
// the second by the thread that reads it, so out may be an input
__global__ void __launch_bounds__(kSampleThreads) momentum_sign_step_kernel(float* out,
                                                                            float* momentum,
                                                                            const float* x,
                                                                            const float* origin,
                                                                            const float* gradient,
                                                                            size_t batch,
                                                                            size_t sample_size,
                                                                            float decay,
                                                                            float alpha,
                                                                            float epsilon,
                                                                            float lo,
                                                                            float hi) {
    __shared__ double partial[kSampleThreads];
    for (size_t sample = blockIdx.x; sample < batch; sample += gridDim.x) {
        const size_t offset = sample * sample_size;
        const float* gs = gradient + offset;

        double magnitudes = 0.0;
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) magnitudes += fabs(static_cast<double>(gs[i]));
        const float l1 = static_cast<float>(sample_sum(magnitudes, partial));
        const bool normalises = l1 != 0.0f;

        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const size_t k = offset + i;
            const float decayed = __fmul_rn(decay, momentum[k]);
            const float m = normalises ? __fadd_rn(decayed, __fdiv_rn(gs[i], l1)) : decayed;
            momentum[k] = m;
            out[k] = projected_sign_step_one(x[k], origin[k], m, alpha, epsilon, lo, hi);
        }
    }
}

}  // namespace

// 20 bytes per element read (momentum, x, origin, gradient twice), 8 written (momentum, out)
cudaError_t momentum_sign_step(float* out, float* momentum, const float* x, const float* origin, const float* gradient,
                               size_t batch, size_t sample_size, float decay, float alpha, float epsilon, float lo,
                               float hi, cudaStream_t stream) {
    if (batch == 0 || sample_size == 0) return cudaSuccess;
    return launch_kernel(momentum_sign_step_kernel, sample_grid(batch), dim3(kSampleThreads), 0, stream, out, momentum,
                         x, origin, gradient, batch, sample_size, decay, alpha, epsilon, lo, hi);
}

}  // namespace gradsign

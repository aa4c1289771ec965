// l2_step.cu: the per-sample L2 step of FGM and PGD L2, one block per sample: two norms, then one element-wise pass.
#include "l2_step.cuh"

#include "projected_sign_step.cuh"
#include "sample_reduction.cuh"

namespace gradsign {

namespace {

// y_i of one element: x + scale * g, or x itself where the gradient's norm is 0
__device__ __forceinline__ float l2_moved(float x, float g, float scale, bool moves) {
    return moves ? __fadd_rn(x, __fmul_rn(scale, g)) : x;
}

// one block of kSampleThreads per sample; three sweeps over the sample's elements (the sum of g^2,
// the sum of d^2, the output), the second and third recomputing y and d with the same bits. out is
// written only in the third, element i by the thread that read element i, so out may be an input.
__global__ void __launch_bounds__(kSampleThreads) l2_step_kernel(float* out,
                                                                 const float* x,
                                                                 const float* origin,
                                                                 const float* gradient,
                                                                 size_t batch,
                                                                 size_t sample_size,
                                                                 float alpha,
                                                                 float epsilon,
                                                                 float lo,
                                                                 float hi) {
    __shared__ double partial[kSampleThreads];
    for (size_t sample = blockIdx.x; sample < batch; sample += gridDim.x) {
        const size_t offset = sample * sample_size;
        const float* xs = x + offset;
        const float* os = origin + offset;
        const float* gs = gradient + offset;

        double squares = 0.0;
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const double g = gs[i];
            squares += g * g;
        }
        const float gradient_norm = __fsqrt_rn(static_cast<float>(sample_sum(squares, partial)));
        const bool moves = gradient_norm != 0.0f;
        const float scale = moves ? __fdiv_rn(alpha, gradient_norm) : 0.0f;

        double distances = 0.0;
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const double d = __fsub_rn(l2_moved(xs[i], gs[i], scale, moves), os[i]);
            distances += d * d;
        }
        const float distance_norm = __fsqrt_rn(static_cast<float>(sample_sum(distances, partial)));
        const bool shrinks = distance_norm > epsilon;
        const float shrink = shrinks ? __fdiv_rn(epsilon, distance_norm) : 0.0f;

        float* outs = out + offset;
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const float o = os[i];
            const float y = l2_moved(xs[i], gs[i], scale, moves);
            const float p = shrinks ? __fadd_rn(o, __fmul_rn(__fsub_rn(y, o), shrink)) : y;
            outs[i] = min_like_java(max_like_java(p, lo), hi);
        }
    }
}

}  // namespace

// 12 bytes per element read twice (x, origin, gradient), 4 once more for g, 4 written; a sample's
// 16 * sample_size bytes stay in L1/L2 between the sweeps for the image sizes of this library
cudaError_t l2_step(float* out, const float* x, const float* origin, const float* gradient, size_t batch,
                    size_t sample_size, float alpha, float epsilon, float lo, float hi, cudaStream_t stream) {
    if (batch == 0 || sample_size == 0) return cudaSuccess;
    return launch_kernel(l2_step_kernel, sample_grid(batch), dim3(kSampleThreads), 0, stream, out, x, origin, gradient,
                         batch, sample_size, alpha, epsilon, lo, hi);
}

}  // namespace gradsign

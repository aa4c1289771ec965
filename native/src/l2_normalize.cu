// l2_normalize.cu: out = origin + scale * v / |v|_2 per sample, one block per sample: the norm, then one element-wise pass.
#include "l2_normalize.cuh"

#include "sample_reduction.cuh"

namespace gradsign {

namespace {

// one block of kSampleThreads per sample; two sweeps (the sum of v^2, the output). out is written only
// in the second, element i by the thread that read element i, so out may be an input
__global__ void __launch_bounds__(kSampleThreads) l2_normalize_kernel(float* out,
                                                                      const float* origin,
                                                                      const float* v,
                                                                      size_t batch,
                                                                      size_t sample_size,
                                                                      float scale) {
    __shared__ double partial[kSampleThreads];
    for (size_t sample = blockIdx.x; sample < batch; sample += gridDim.x) {
        const size_t offset = sample * sample_size;
        const float* vs = v + offset;
        const float* os = origin == nullptr ? nullptr : origin + offset;
        float* outs = out + offset;

        double squares = 0.0;
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const double value = vs[i];
            squares += value * value;
        }
        const float norm = __fsqrt_rn(static_cast<float>(sample_sum(squares, partial)));
        if (norm == 0.0f) {
            for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) outs[i] = os == nullptr ? 0.0f : os[i];
            continue;
        }
        const float factor = __fdiv_rn(scale, norm);
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const float scaled = __fmul_rn(factor, vs[i]);
            outs[i] = os == nullptr ? scaled : __fadd_rn(os[i], scaled);
        }
    }
}

}  // namespace

// 8 bytes per element read (v twice), 4 more for origin, 4 written
cudaError_t l2_normalize(float* out, const float* origin, const float* v, size_t batch, size_t sample_size, float scale,
                         cudaStream_t stream) {
    if (batch == 0 || sample_size == 0) return cudaSuccess;
    return launch_kernel(l2_normalize_kernel, sample_grid(batch), dim3(kSampleThreads), 0, stream, out, origin, v, batch,
                         sample_size, scale);
}

}  // namespace gradsign

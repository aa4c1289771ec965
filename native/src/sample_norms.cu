// sample_norms.cu: per-sample L1, L2 and L-infinity norms of a difference (the attacks' distances), one block per sample.
#include "sample_norms.cuh"

#include "sample_reduction.cuh"
#include "sign_step.cuh"

namespace gradsign {

namespace {

// one block of kSampleThreads per sample, one sweep: each thread keeps its lane of both double sums and
// its float max; the sums in sample_reduction.cuh's order (the CPU twin, cpu/SampleNorms.java, repeats
// it), the max in any order (max of |d| has one answer; NaN wins as in Java's Math.max)
__global__ void __launch_bounds__(kSampleThreads) sample_norms_kernel(float* __restrict__ l1,
                                                                      float* __restrict__ l2,
                                                                      float* __restrict__ linf,
                                                                      const float* __restrict__ a,
                                                                      const float* __restrict__ b,
                                                                      size_t batch,
                                                                      size_t sample_size) {
    __shared__ double partial[kSampleThreads];
    __shared__ float largest[kSampleThreads];
    for (size_t sample = blockIdx.x; sample < batch; sample += gridDim.x) {
        const size_t offset = sample * sample_size;
        double magnitudes = 0.0;
        double squares = 0.0;
        float most = 0.0f;
        for (size_t i = threadIdx.x; i < sample_size; i += kSampleThreads) {
            const float d = b == nullptr ? a[offset + i] : __fsub_rn(a[offset + i], b[offset + i]);
            const float magnitude = fabsf(d);
            magnitudes += static_cast<double>(magnitude);
            squares += static_cast<double>(d) * static_cast<double>(d);
            most = max_like_java(most, magnitude);
        }
        const float l1_sum = static_cast<float>(sample_sum(magnitudes, partial));
        const float square_sum = static_cast<float>(sample_sum(squares, partial));
        const int t = threadIdx.x;
        largest[t] = most;
        __syncthreads();
        for (int s = kSampleThreads / 2; s > 0; s /= 2) {
            if (t < s) largest[t] = max_like_java(largest[t], largest[t + s]);
            __syncthreads();
        }
        if (t == 0) {
            if (l1 != nullptr) l1[sample] = l1_sum;
            if (l2 != nullptr) l2[sample] = __fsqrt_rn(square_sum);
            if (linf != nullptr) linf[sample] = largest[0];
        }
        // nobody writes largest again (the next sample) before thread 0 has read it
        __syncthreads();
    }
}

}  // namespace

// 4 or 8 bytes read per element, 12 bytes written per sample
cudaError_t sample_norms(float* l1, float* l2, float* linf, const float* a, const float* b, size_t batch,
                         size_t sample_size, cudaStream_t stream) {
    if (batch == 0) return cudaSuccess;
    return launch_kernel(sample_norms_kernel, sample_grid(batch), dim3(kSampleThreads), 0, stream, l1, l2, linf, a, b,
                         batch, sample_size);
}

}  // namespace gradsign

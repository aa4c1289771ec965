// combine.cu: out = clip(a * x + b * y, lo, hi) in one element-wise pass (scaled copies, sums, noisy starts).
#include "combine.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

struct CombineRule {
    float a;
    float b;
    float lo;
    float hi;

    __device__ __forceinline__ void operator()(float& out, float x, float y) const {
        out = combine_one(a, x, b, y, lo, hi);
    }
};

}  // namespace

// 12 bytes per element (read x and y, write out). out may be x or y: each element is read and written
// by one thread, so no operand carries __restrict__ (Overlap::kInPlace)
cudaError_t combine(float* out, float a, const float* x, float b, const float* y, size_t count, float lo, float hi,
                    cudaStream_t stream) {
    return launch_elementwise(CombineRule{a, b, lo, hi}, count, kElementwiseMaxBlocks, stream,
                              write_only<Overlap::kInPlace>(out), read_only<Overlap::kInPlace>(x),
                              read_only<Overlap::kInPlace>(y));
}

}  // namespace gradsign

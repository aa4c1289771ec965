// projected_sign_step.cu: the projected sign step of BIM and PGD L-infinity, x' = clip(proj(x + alpha*sign(g))), in one pass.
#include "projected_sign_step.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// as the sign step: enough resident blocks per SM to hide memory latency, a grid-stride loop for the rest
constexpr int kBlocksPerMultiprocessor = 8;

struct ProjectedSignStepRule {
    float alpha;
    float epsilon;
    float lo;
    float hi;

    __device__ __forceinline__ void operator()(float& out, float x, float origin, float gradient) const {
        out = projected_sign_step_one(x, origin, gradient, alpha, epsilon, lo, hi);
    }
};

}  // namespace

// 16 bytes per element (read x, origin and gradient, write out). out may be x: each element is read
// and written by one thread, so no operand carries __restrict__ (Overlap::kInPlace)
cudaError_t projected_sign_step(float* out, const float* x, const float* origin, const float* gradient, size_t count,
                                float alpha, float epsilon, float lo, float hi, int multiprocessors,
                                cudaStream_t stream) {
    const size_t max_blocks = static_cast<size_t>(multiprocessors > 0 ? multiprocessors : 1) * kBlocksPerMultiprocessor;
    return launch_elementwise(ProjectedSignStepRule{alpha, epsilon, lo, hi}, count, max_blocks, stream,
                              write_only<Overlap::kInPlace>(out), read_only<Overlap::kInPlace>(x),
                              read_only<Overlap::kInPlace>(origin), read_only<Overlap::kInPlace>(gradient));
}

}  // namespace gradsign

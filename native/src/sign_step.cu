// sign_step.cu: the fused sign-and-scale step, x' = clip(x + eps*sign(g), lo, hi), in one pass.
#include "sign_step.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// enough resident blocks per SM to hide memory latency; a grid-stride loop covers the rest
constexpr int kBlocksPerMultiprocessor = 8;

struct SignStepRule {
    float epsilon;
    float lo;
    float hi;

    __device__ __forceinline__ void operator()(float& out, float x, float gradient) const {
        out = sign_step_one(x, gradient, epsilon, lo, hi);
    }
};

}  // namespace

// 12 bytes per element (read x and gradient, write out); out overlaps neither input
cudaError_t sign_step(float* out, const float* x, const float* gradient, size_t count, float epsilon,
                      float lo, float hi, int multiprocessors, cudaStream_t stream) {
    const size_t max_blocks = static_cast<size_t>(multiprocessors > 0 ? multiprocessors : 1) * kBlocksPerMultiprocessor;
    return launch_elementwise(SignStepRule{epsilon, lo, hi}, count, max_blocks, stream, write_only(out), read_only(x),
                              read_only(gradient));
}

}  // namespace gradsign

// cw_adam_step.cu: one Adam step (Kingma and Ba 2015) of Carlini and Wagner's L2 attack (2017) on its tanh variables, one pass over the elements.
#include "cw_adam_step.cuh"

#include "elementwise.cuh"

namespace gradsign {

// 40 bytes per element (read w, m, v, x', origin, gradient; write w, m, v, x'); the six overlap none of
// the others (checked in Java), so every operand is __restrict__
cudaError_t cw_adam_step(float* w, float* m, float* v, float* adversarial, const float* origin, const float* gradient,
                         size_t count, float learning_rate, float beta1, float beta2, float correction1,
                         float correction2, float eps, float lo, float hi, cudaStream_t stream) {
    // host code: one float operation each, nothing to fuse them with (the product by 0.5 is exact)
    const float half = (hi - lo) * 0.5f;
    const float one_minus_beta1 = 1.0f - beta1;
    const float one_minus_beta2 = 1.0f - beta2;
    const CwAdamStepRule rule{learning_rate, beta1, one_minus_beta1, beta2, one_minus_beta2, correction1,
                              correction2, eps, lo, half};
    return launch_elementwise(rule, count, kElementwiseMaxBlocks, stream, read_write(w), read_write(m), read_write(v),
                              read_write(adversarial), read_only(origin), read_only(gradient));
}

}  // namespace gradsign

// cw_adam_step.cuh: launcher of the Adam step of Carlini and Wagner's L2 attack on its tanh variables, its rule for one element, and gradsign's own float tanh.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// w, m, v, adversarial (read and written), origin, gradient (read): count device floats each, no two
// overlapping. Per element (the CPU twin, cpu/CwAdam.java, repeats it): d = x' - o; g = gradient + (d + d);
// t = tanh(w); gw = g (half (1 - t t)); Adam's m and v; w -= (lr (m c1)) / (sqrt(v c2) + eps);
// x' = lo + half (tanh(w) + 1), half = (hi - lo) 0.5, rounded on the host with 1 - beta1 and 1 - beta2.
cudaError_t cw_adam_step(float* w, float* m, float* v, float* adversarial, const float* origin, const float* gradient,
                         size_t count, float learning_rate, float beta1, float beta2, float correction1,
                         float correction2, float eps, float lo, float hi, cudaStream_t stream);

// e^y for y in [1.1, 20] (own_tanhf's range for it): Cody and Waite's reduction by ln 2 in two parts
// (fdlibm's expf split: k * ln2_hi is exact for |k| < 128), e^r by its Taylor polynomial to r^8 (Horner),
// times 2^k from the exponent's bits. cpu/CwAdam.exp, operation for operation.
__device__ __forceinline__ float own_expf_reduced(float y) {
    const int k = static_cast<int>(__fadd_rn(__fmul_rn(y, 0x1.715476p0f), 0.5f));  // y > 0: truncation is floor
    const float kf = static_cast<float>(k);
    const float r = __fsub_rn(__fsub_rn(y, __fmul_rn(kf, 0x1.62e3p-1f)), __fmul_rn(kf, 0x1.2fefa2p-17f));
    float p = 0x1.a01a02p-16f;                           // 1/8!
    p = __fadd_rn(__fmul_rn(p, r), 0x1.a01a02p-13f);     // 1/7!
    p = __fadd_rn(__fmul_rn(p, r), 0x1.6c16c2p-10f);     // 1/6!
    p = __fadd_rn(__fmul_rn(p, r), 0x1.111112p-7f);      // 1/5!
    p = __fadd_rn(__fmul_rn(p, r), 0x1.555556p-5f);      // 1/4!
    p = __fadd_rn(__fmul_rn(p, r), 0x1.555556p-3f);      // 1/3!
    p = __fadd_rn(__fmul_rn(p, r), 0.5f);
    p = __fadd_rn(__fmul_rn(p, r), 1.0f);
    p = __fadd_rn(__fmul_rn(p, r), 1.0f);
    return __fmul_rn(p, __int_as_float((k + 127) << 23));
}

// tanh in float from basic float operations, the same bits as cpu/CwAdam.tanh (see its javadoc): with
// a = |x|, a < 0.55: a + a (a^2 P(a^2)), P tanh's Taylor series to a^17 over a^3; a < 10: 1 - 2 / (e^(2a) + 1);
// else 1; then x's sign; NaN gives NaN. At most 1.53 ulp from tanh, monotone.
__device__ __forceinline__ float own_tanhf(float x) {
    const float a = fabsf(x);
    float t;
    if (a < 0.55f) {
        const float a2 = __fmul_rn(a, a);
        float p = 0x1.355824p-11f;                       //  6404582/10854718875  (a^17)
        p = __fadd_rn(__fmul_rn(p, a2), -0x1.7da364p-10f);  // -929569/638512875  (a^15)
        p = __fadd_rn(__fmul_rn(p, a2), 0x1.d6d3dp-9f);     //  21844/6081075     (a^13)
        p = __fadd_rn(__fmul_rn(p, a2), -0x1.226e36p-7f);   // -1382/155925       (a^11)
        p = __fadd_rn(__fmul_rn(p, a2), 0x1.664f48p-6f);    //  62/2835           (a^9)
        p = __fadd_rn(__fmul_rn(p, a2), -0x1.ba1ba2p-5f);   // -17/315            (a^7)
        p = __fadd_rn(__fmul_rn(p, a2), 0x1.111112p-3f);    //  2/15              (a^5)
        p = __fadd_rn(__fmul_rn(p, a2), -0x1.555556p-2f);   // -1/3               (a^3)
        t = __fadd_rn(a, __fmul_rn(a, __fmul_rn(a2, p)));
    } else if (a < 10.0f) {
        const float e = own_expf_reduced(__fadd_rn(a, a));
        t = __fsub_rn(1.0f, __fdiv_rn(2.0f, __fadd_rn(e, 1.0f)));
    } else if (a >= 10.0f) {
        t = 1.0f;
    } else {
        return __fadd_rn(x, x);  // NaN
    }
    return copysignf(t, x);
}

// the step's parameters, rounded once per launch on the host
struct CwAdamStepRule {
    float learning_rate;
    float beta1;
    float one_minus_beta1;
    float beta2;
    float one_minus_beta2;
    float correction1;
    float correction2;
    float eps;
    float lo;
    float half;

    // every operation rounded on its own, in cpu/CwAdam.java's order
    __device__ __forceinline__ void operator()(float& w, float& m, float& v, float& adversarial, float origin,
                                               float gradient) const {
        const float d = __fsub_rn(adversarial, origin);
        const float g = __fadd_rn(gradient, __fadd_rn(d, d));
        const float t = own_tanhf(w);
        const float s = __fsub_rn(1.0f, __fmul_rn(t, t));
        const float gw = __fmul_rn(g, __fmul_rn(half, s));
        m = __fadd_rn(__fmul_rn(beta1, m), __fmul_rn(one_minus_beta1, gw));
        v = __fadd_rn(__fmul_rn(beta2, v), __fmul_rn(one_minus_beta2, __fmul_rn(gw, gw)));
        const float a = __fmul_rn(m, correction1);
        const float b = __fadd_rn(__fsqrt_rn(__fmul_rn(v, correction2)), eps);
        w = __fsub_rn(w, __fdiv_rn(__fmul_rn(learning_rate, a), b));
        adversarial = __fadd_rn(lo, __fmul_rn(half, __fadd_rn(own_tanhf(w), 1.0f)));
    }
};

}  // namespace gradsign

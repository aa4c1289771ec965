// random.cuh: launchers of the uniform and normal fills from Philox4x32-10, and the double-precision math of Box-Muller.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cuda_compat.cuh"
#include "philox.cuh"

namespace gradsign {

// out (count,) device floats; element i = low + (high - low) * u, u = (word >> 8) * 2^-24 with word
// i % 4 of philox_block(seed, stream, i / 4); high - low, the product and the sum rounded on their own
cudaError_t random_uniform(float* out, size_t count, uint64_t seed, uint64_t stream, float low, float high,
                           cudaStream_t stream_handle);

// out (count,) device floats; elements 2k and 2k + 1 are normal_pair of philox_block(seed, stream, k)
cudaError_t random_normal(float* out, size_t count, uint64_t seed, uint64_t stream, cudaStream_t stream_handle);

// (word >> 8) * 2^-24: 24 random bits, exact, in [0, 1)
__device__ __forceinline__ float unit_float(uint32_t word) {
    return __fmul_rn(static_cast<float>(word >> 8), 0x1p-24f);
}

// (hi >> 5) * 2^26 + (lo >> 6): 53 random bits, exact in a double
__device__ __forceinline__ double unit53(uint32_t hi, uint32_t lo) {
    return static_cast<double>((static_cast<uint64_t>(hi >> 5) << 26) | (lo >> 6));
}

// p * x + c with the product and the sum rounded one by one: a step of Horner's scheme
__device__ __forceinline__ double horner(double p, double x, double c) {
    return __dadd_rn(__dmul_rn(p, x), c);
}

// ln x for a positive normal double, every operation rounded on its own so that cpu/Philox.log gives
// the same bits: x = m * 2^e, m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1) / (m + 1),
// |s| <= 0.172, its series to s^21; e * ln 2 with ln 2 in two parts (fdlibm's; e * hi is exact)
__device__ __forceinline__ double log_rounded_ops(double x) {
    const long long bits = __double_as_longlong(x);
    int exponent = static_cast<int>(bits >> 52) - 1023;
    double m = __longlong_as_double((bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL);
    if (m > 1.4142135623730951) {
        m = __dmul_rn(m, 0.5);
        exponent = exponent + 1;
    }
    const double s = __ddiv_rn(__dsub_rn(m, 1.0), __dadd_rn(m, 1.0));
    const double s2 = __dmul_rn(s, s);
    double p = 0.047619047619047616;           // 1/21
    p = horner(p, s2, 0.052631578947368418);   // 1/19
    p = horner(p, s2, 0.058823529411764705);   // 1/17
    p = horner(p, s2, 0.066666666666666666);   // 1/15
    p = horner(p, s2, 0.076923076923076927);   // 1/13
    p = horner(p, s2, 0.090909090909090912);   // 1/11
    p = horner(p, s2, 0.1111111111111111);     // 1/9
    p = horner(p, s2, 0.14285714285714285);    // 1/7
    p = horner(p, s2, 0.20000000000000001);    // 1/5
    p = horner(p, s2, 0.33333333333333331);    // 1/3
    p = horner(p, s2, 1.0);
    const double ln_m = __dmul_rn(__dmul_rn(2.0, s), p);
    const double e = static_cast<double>(exponent);
    return __dadd_rn(__dmul_rn(e, 6.93147180369123816490e-01), __dadd_rn(__dmul_rn(e, 1.90821492927058770002e-10), ln_m));
}

// sin and cos of 2 pi u for u in [0, 1), as cpu/Philox.sinCosTwoPi: quadrant q and fraction f of 4u
// (exact), f moved into [-1/2, 1/2], x = f * pi/2, Taylor polynomials of sin (to x^15) and cos (to x^16)
__device__ __forceinline__ void sin_cos_two_pi(double u, double& sin_out, double& cos_out) {
    const double t = __dmul_rn(u, 4.0);
    int quadrant = static_cast<int>(t);
    double f = __dsub_rn(t, static_cast<double>(quadrant));
    if (f > 0.5) {
        f = __dsub_rn(f, 1.0);
        quadrant = quadrant + 1;
    }
    const double x = __dmul_rn(f, 1.5707963267948966);
    const double x2 = __dmul_rn(x, x);
    double s = -7.6471637318198164e-13;         // -1/15!
    s = horner(s, x2, 1.6059043836821613e-10);  // 1/13!
    s = horner(s, x2, -2.505210838544172e-08);  // -1/11!
    s = horner(s, x2, 2.7557319223985893e-06);  // 1/9!
    s = horner(s, x2, -0.00019841269841269841); // -1/7!
    s = horner(s, x2, 0.0083333333333333332);   // 1/5!
    s = horner(s, x2, -0.16666666666666666);    // -1/3!
    s = horner(s, x2, 1.0);
    const double sin_x = __dmul_rn(x, s);
    double c = 4.7794773323873853e-14;          // 1/16!
    c = horner(c, x2, -1.1470745597729725e-11); // -1/14!
    c = horner(c, x2, 2.08767569878681e-09);    // 1/12!
    c = horner(c, x2, -2.7557319223985888e-07); // -1/10!
    c = horner(c, x2, 2.4801587301587302e-05);  // 1/8!
    c = horner(c, x2, -0.0013888888888888889);  // -1/6!
    c = horner(c, x2, 0.041666666666666664);    // 1/4!
    c = horner(c, x2, -0.5);                    // -1/2!
    const double cos_x = horner(c, x2, 1.0);
    switch (quadrant & 3) {
        case 0: sin_out = sin_x; cos_out = cos_x; break;
        case 1: sin_out = cos_x; cos_out = -sin_x; break;
        case 2: sin_out = -sin_x; cos_out = -cos_x; break;
        default: sin_out = -cos_x; cos_out = sin_x; break;
    }
}

// Box-Muller over one block's words: u1 = (a + 1) 2^-53 in (0, 1] from w0, w1; u2 = b 2^-53 in [0, 1)
// from w2, w3; r = sqrt(-2 ln u1); z0 = r cos(2 pi u2), z1 = r sin(2 pi u2), each rounded to float once
__device__ __forceinline__ void normal_pair(const PhiloxWords& words, float& z0, float& z1) {
    const double u1 = __dmul_rn(__dadd_rn(unit53(words.w[0], words.w[1]), 1.0), 0x1p-53);
    const double u2 = __dmul_rn(unit53(words.w[2], words.w[3]), 0x1p-53);
    const double r = __dsqrt_rn(__dmul_rn(-2.0, log_rounded_ops(u1)));
    double sin_2pi_u2, cos_2pi_u2;
    sin_cos_two_pi(u2, sin_2pi_u2, cos_2pi_u2);
    z0 = __double2float_rn(__dmul_rn(r, cos_2pi_u2));
    z1 = __double2float_rn(__dmul_rn(r, sin_2pi_u2));
}

}  // namespace gradsign

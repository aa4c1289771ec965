// attack_step_reference.h: host replicas of the attack steps (projected sign, L2, momentum) in float, operation by operation, and in double.
#pragma once

#include <cmath>
#include <cstring>
#include <vector>

namespace reference {

// Java's Math.max and Math.min: NaN if either is NaN, +0 above -0
inline float java_max(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return NAN;
    if (a == b) return std::signbit(a) ? b : a;
    return a > b ? a : b;
}
inline float java_min(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return NAN;
    if (a == b) return std::signbit(a) ? a : b;
    return a < b ? a : b;
}

// +-1, +-0 for +-0, NaN for NaN
inline float sign(float g) { return std::isnan(g) ? NAN : (g > 0 ? 1.0f : (g < 0 ? -1.0f : g)); }

// written with volatile stores so that nothing fuses a multiply into an add
inline float projected_sign_step(float x, float origin, float g, float alpha, float epsilon, float lo, float hi) {
    volatile float moved = x + alpha * sign(g);
    volatile float below = origin - epsilon;
    volatile float above = origin + epsilon;
    return java_min(java_max(java_min(java_max(moved, below), above), lo), hi);
}

// the library's sum order over n terms: lane i % 256 in order, then lanes pairwise at 128, 64, ..., 1
template <typename Term>
float ordered_sum(size_t n, Term term) {
    std::vector<double> lanes(256, 0.0);
    for (size_t i = 0; i < n; ++i) lanes[i % 256] += term(i);
    for (size_t s = 128; s > 0; s /= 2)
        for (size_t t = 0; t < s; ++t) lanes[t] += lanes[t + s];
    return static_cast<float>(lanes[0]);
}

inline float moved_l2(float x, float g, float scale, bool moves) {
    volatile float product = scale * g;
    return moves ? x + product : x;
}

// one sample of n floats, in float as the kernels compute it
inline void l2_step(float* out, const float* x, const float* origin, const float* g, size_t n, float alpha,
                    float epsilon, float lo, float hi) {
    const float gradient_norm = std::sqrt(ordered_sum(n, [&](size_t i) { return double(g[i]) * double(g[i]); }));
    const bool moves = gradient_norm != 0.0f;
    const float scale = moves ? alpha / gradient_norm : 0.0f;
    const float distance_norm = std::sqrt(ordered_sum(n, [&](size_t i) {
        const double d = moved_l2(x[i], g[i], scale, moves) - origin[i];
        return d * d;
    }));
    const bool shrinks = distance_norm > epsilon;
    const float shrink = shrinks ? epsilon / distance_norm : 0.0f;
    for (size_t i = 0; i < n; ++i) {
        const float y = moved_l2(x[i], g[i], scale, moves);
        volatile float d = y - origin[i];
        volatile float scaled = d * shrink;
        const float p = shrinks ? origin[i] + scaled : y;
        out[i] = java_min(java_max(p, lo), hi);
    }
}

// the same in double, rounded at the end: what the float formula approximates
inline void l2_step_double(float* out, const float* x, const float* origin, const float* g, size_t n, double alpha,
                           double epsilon, double lo, double hi) {
    double squares = 0;
    for (size_t i = 0; i < n; ++i) squares += double(g[i]) * g[i];
    const double gradient_norm = std::sqrt(squares);
    std::vector<double> y(n);
    double distances = 0;
    for (size_t i = 0; i < n; ++i) {
        y[i] = gradient_norm == 0 ? x[i] : x[i] + alpha / gradient_norm * g[i];
        distances += (y[i] - origin[i]) * (y[i] - origin[i]);
    }
    const double distance_norm = std::sqrt(distances);
    for (size_t i = 0; i < n; ++i) {
        double p = distance_norm > epsilon ? origin[i] + (y[i] - origin[i]) * (epsilon / distance_norm) : y[i];
        out[i] = static_cast<float>(std::fmin(std::fmax(p, lo), hi));
    }
}

// one sample of n floats of the MI-FGSM step, in float as the kernels compute it
inline void momentum_sign_step(float* out, float* momentum, const float* x, const float* origin, const float* g,
                               size_t n, float decay, float alpha, float epsilon, float lo, float hi) {
    const float l1 = ordered_sum(n, [&](size_t i) { return std::fabs(double(g[i])); });
    for (size_t i = 0; i < n; ++i) {
        volatile float decayed = decay * momentum[i];
        volatile float share = g[i] / l1;
        const float m = l1 != 0.0f ? decayed + share : decayed;
        momentum[i] = m;
        out[i] = projected_sign_step(x[i], origin[i], m, alpha, epsilon, lo, hi);
    }
}

// bit for bit, all NaNs alike
inline bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(float)) == 0; }

}  // namespace reference

// cw_adam_step_test.cpp: gradsign_cw_adam_step through the C API against a float replica (bit for bit) and a double reference (within the float evaluation's running error bound: a few ulp where the formula is well-conditioned).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "attack_step_reference.h"
#include "gradsign.h"
#include "test_support.h"

namespace {

// one float operation's result, stored through a volatile so that nothing fuses it with the next
float rn(float x) {
    volatile float stored = x;
    return stored;
}

float bits_float(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// cpu/CwAdam.exp and tanh, operation by operation
float replica_exp(float y) {
    const int k = static_cast<int>(rn(rn(y * 0x1.715476p0f) + 0.5f));
    const float kf = static_cast<float>(k);
    const float r = rn(rn(y - rn(kf * 0x1.62e3p-1f)) - rn(kf * 0x1.2fefa2p-17f));
    float p = 0x1.a01a02p-16f;
    for (float c : {0x1.a01a02p-13f, 0x1.6c16c2p-10f, 0x1.111112p-7f, 0x1.555556p-5f, 0x1.555556p-3f, 0.5f, 1.0f, 1.0f}) {
        p = rn(rn(p * r) + c);
    }
    return rn(p * bits_float(static_cast<uint32_t>(k + 127) << 23));
}

float replica_tanh(float x) {
    const float a = std::fabs(x);
    float t;
    if (a < 0.55f) {
        const float a2 = rn(a * a);
        float p = 0x1.355824p-11f;
        for (float c : {-0x1.7da364p-10f, 0x1.d6d3dp-9f, -0x1.226e36p-7f, 0x1.664f48p-6f, -0x1.ba1ba2p-5f,
                        0x1.111112p-3f, -0x1.555556p-2f}) {
            p = rn(rn(p * a2) + c);
        }
        t = rn(a + rn(a * rn(a2 * p)));
    } else if (a < 10.0f) {
        const float e = replica_exp(rn(a + a));
        t = rn(1.0f - rn(2.0f / rn(e + 1.0f)));
    } else if (a >= 10.0f) {
        t = 1.0f;
    } else {
        return x + x;
    }
    return std::copysign(t, x);
}

struct Params {
    float learning_rate, beta1, beta2, correction1, correction2, eps, lo, hi;
};

struct Element {
    float w, m, v, x;
};

Element replica(Element e, float origin, float gradient, const Params& p) {
    const float half = rn(rn(p.hi - p.lo) * 0.5f);
    const float omb1 = rn(1.0f - p.beta1), omb2 = rn(1.0f - p.beta2);
    const float d = rn(e.x - origin);
    const float g = rn(gradient + rn(d + d));
    const float t = replica_tanh(e.w);
    const float s = rn(1.0f - rn(t * t));
    const float gw = rn(g * rn(half * s));
    const float m = rn(rn(p.beta1 * e.m) + rn(omb1 * gw));
    const float v = rn(rn(p.beta2 * e.v) + rn(omb2 * rn(gw * gw)));
    const float a = rn(m * p.correction1);
    const float b = rn(rn(std::sqrt(rn(v * p.correction2))) + p.eps);
    const float w = rn(e.w - rn(rn(p.learning_rate * a) / b));
    const float x = rn(p.lo + rn(half * rn(replica_tanh(w) + 1.0f)));
    return {w, m, v, x};
}

// a double value with a bound on how far the float evaluation of the same formula may be from it: each
// float operation adds u |result| (u = 2^-24, plus the smallest subnormal for underflow) to the bounds
// its operands carry forward; gradsign's tanh adds 2 ulp (it is within 1.53, AttackOpsTest sweeps it)
struct Bounded {
    double v, e;
};
constexpr double kU = 0x1p-24;
constexpr double kTiny = 0x1p-149;
Bounded exact(double v) { return {v, 0.0}; }
Bounded rounded(double v, double e) { return {v, e + kU * std::fabs(v) + kTiny}; }
Bounded operator+(Bounded a, Bounded b) { return rounded(a.v + b.v, a.e + b.e); }
Bounded operator-(Bounded a, Bounded b) { return rounded(a.v - b.v, a.e + b.e); }
Bounded operator*(Bounded a, Bounded b) {
    return rounded(a.v * b.v, std::fabs(a.v) * b.e + std::fabs(b.v) * a.e + a.e * b.e);
}
Bounded operator/(Bounded a, Bounded b) {
    const double v = a.v / b.v;
    const double room = std::fabs(b.v) - b.e;
    return rounded(v, room > 0 ? (a.e + std::fabs(v) * b.e) / room : INFINITY);
}
Bounded bounded_sqrt(Bounded a) {
    const double v = std::sqrt(a.v);
    return rounded(v, std::fmin(v > 0 ? a.e / (2 * v) : INFINITY, std::sqrt(a.e)));
}
double float_ulp(double x) {
    const float f = static_cast<float>(std::fabs(x));
    return static_cast<double>(std::nextafter(f, INFINITY)) - f;
}
Bounded bounded_tanh(Bounded a) {
    const double t = std::tanh(a.v);
    return {t, (1 - t * t) * a.e + 2 * float_ulp(t)};
}

struct Reference {
    Bounded w, m, v, x;
};

Reference in_double(Element e, float origin, float gradient, const Params& p) {
    const Bounded half = (exact(p.hi) - exact(p.lo)) * exact(0.5);
    const Bounded omb1 = exact(1.0) - exact(p.beta1), omb2 = exact(1.0) - exact(p.beta2);
    const Bounded d = exact(e.x) - exact(origin);
    const Bounded g = exact(gradient) + (d + d);
    const Bounded t = bounded_tanh(exact(e.w));
    const Bounded s = exact(1.0) - t * t;
    const Bounded gw = g * (half * s);
    const Bounded m = exact(p.beta1) * exact(e.m) + omb1 * gw;
    const Bounded v = exact(p.beta2) * exact(e.v) + omb2 * (gw * gw);
    const Bounded a = m * exact(p.correction1);
    const Bounded b = bounded_sqrt(v * exact(p.correction2)) + exact(p.eps);
    const Bounded w = exact(e.w) - (exact(p.learning_rate) * a) / b;
    const Bounded x = exact(p.lo) + half * (bounded_tanh(w) + exact(1.0));
    return {w, m, v, x};
}

int worst_ulps = 0;

void check(long long count, const Params& p, unsigned seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> w(count), m(count), v(count), x(count), origin(count), gradient(count);
    for (long long i = 0; i < count; ++i) {
        const float u = uniform(random);
        // mostly |w| < 3, some beyond tanh's saturation, some tiny, and the zeros
        w[i] = i % 11 == 3   ? (uniform(random) - 0.5f) * 60.0f
               : i % 11 == 5 ? (uniform(random) - 0.5f) * 1e-20f
               : i % 101 == 7 ? (i % 2 ? -0.0f : 0.0f)
                              : (u - 0.5f) * 6.0f;
        m[i] = (uniform(random) - 0.5f) * 0.2f;
        v[i] = 1e-4f + uniform(random) * 0.01f;
        origin[i] = p.lo + (p.hi - p.lo) * uniform(random);
        x[i] = p.lo + (p.hi - p.lo) * uniform(random);
        gradient[i] = (uniform(random) - 0.5f) * 4.0f;
    }
    std::vector<float> want_w(count), want_m(count), want_v(count), want_x(count);
    std::vector<Reference> references(count);
    for (long long i = 0; i < count; ++i) {
        const Element r = replica({w[i], m[i], v[i], x[i]}, origin[i], gradient[i], p);
        want_w[i] = r.w, want_m[i] = r.m, want_v[i] = r.v, want_x[i] = r.x;
        references[i] = in_double({w[i], m[i], v[i], x[i]}, origin[i], gradient[i], p);
    }
    gradsign_address dw = test::upload(w), dm = test::upload(m), dv = test::upload(v), dx = test::upload(x),
                     dorigin = test::upload(origin), dg = test::upload(gradient);
    const int status = gradsign_cw_adam_step(dw, dm, dv, dx, dorigin, dg, count, p.learning_rate, p.beta1, p.beta2,
                                             p.correction1, p.correction2, p.eps, p.lo, p.hi);
    const std::vector<float> got[4] = {test::download(dw, count), test::download(dm, count), test::download(dv, count),
                                       test::download(dx, count)};
    gradsign_free(dw), gradsign_free(dm), gradsign_free(dv), gradsign_free(dx), gradsign_free(dorigin),
        gradsign_free(dg);

    const std::vector<float>* want[4] = {&want_w, &want_m, &want_v, &want_x};
    const char* names[4] = {"w", "m", "v", "x'"};
    for (int k = 0; k < 4; ++k) {
        long long wrong = 0, first = -1, outside = 0, first_outside = -1;
        for (long long i = 0; i < count; ++i) {
            if (!reference::same(got[k][i], (*want[k])[i]) && wrong++ == 0) first = i;
            const Bounded& r = k == 0 ? references[i].w : k == 1 ? references[i].m : k == 2 ? references[i].v
                                                                                              : references[i].x;
            // the bound is first order: 1% and one ulp of room for its second-order terms
            const double error = std::fabs(static_cast<double>(got[k][i]) - r.v);
            if (!(error <= 1.01 * r.e + float_ulp(r.v)) && outside++ == 0) first_outside = i;
            const int ulps = static_cast<int>(error / float_ulp(r.v));
            if (std::isfinite(error) && ulps > worst_ulps && r.e <= 4 * float_ulp(r.v)) worst_ulps = ulps;
        }
        char what[160];
        std::snprintf(what, sizeof what, "cw_adam_step count=%lld lo=%g hi=%g %s seed=%u", count, p.lo, p.hi,
                      names[k], seed);
        const bool ok = status == GRADSIGN_OK && wrong == 0 && outside == 0;
        std::printf("%s %s bit for bit and within the double reference's bound", ok ? "ok  " : "FAIL", what);
        if (status != GRADSIGN_OK) std::printf(" status=%d (%s)", status, gradsign_last_error_message());
        if (wrong) std::printf(" wrong=%lld first=%lld got=%.9g want=%.9g", wrong, first, got[k][first],
                               (*want[k])[first]);
        if (outside) {
            const Bounded& r = k == 0 ? references[first_outside].w : k == 1 ? references[first_outside].m
                               : k == 2 ? references[first_outside].v : references[first_outside].x;
            std::printf(" outside=%lld first=%lld got=%.9g double=%.17g bound=%.3g", outside, first_outside,
                        got[k][first_outside], r.v, r.e);
        }
        std::printf("\n");
        (ok ? test::passed : test::failed)++;
    }
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 900;
    // CW's Adam: learning rate 0.01, beta1 0.9, beta2 0.999, eps 1e-8; the corrections of step 1 and step 7
    const Params first{0.01f, 0.9f, 0.999f, 10.0f, 1000.0f, 1e-8f, 0.0f, 1.0f};
    const Params seventh{0.01f, 0.9f, 0.999f, static_cast<float>(1 / (1 - std::pow(0.9, 7))),
                         static_cast<float>(1 / (1 - std::pow(0.999, 7))), 1e-8f, -0.5f, 0.5f};
    const Params wide{0.05f, 0.5f, 0.99f, 1.0f, 1.0f, 1e-3f, 0.0f, 255.0f};
    for (long long count : {1LL, 7LL, 37LL, 1000LL, 4099LL, 100003LL}) {
        check(count, first, seed++);
        check(count, seventh, seed++);
        check(count, wide, seed++);
    }
    std::printf("worst error where the bound is within 4 ulp: %d ulp\n", worst_ulps);
    const int status = gradsign_cw_adam_step(0, 0, 0, 0, 0, 0, -1, 0.01f, 0.9f, 0.999f, 1.0f, 1.0f, 1e-8f, 0.0f, 1.0f);
    std::printf("%s a negative count is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

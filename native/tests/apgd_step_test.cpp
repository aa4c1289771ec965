// apgd_step_test.cpp: gradsign_apgd_step through the C API against a float replica (bit for bit) and a double reference (within 1e-6).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "attack_step_reference.h"
#include "gradsign.h"
#include "test_support.h"

namespace {

enum class Layout { kSeparate, kNextIsPrevious, kNextIsCurrent };

// the step in float, each operation stored through a volatile so nothing is fused
float replica(float x, float previous, float origin, float g, float eta, float momentum, float epsilon, float lo,
              float hi) {
    const float z = reference::projected_sign_step(x, origin, g, eta, epsilon, lo, hi);
    volatile float one_minus = 1.0f - momentum;
    volatile float u = momentum * (z - x);
    volatile float v = one_minus * (x - previous);
    volatile float w = x + u;
    volatile float w2 = w + v;
    volatile float below = origin - epsilon;
    volatile float above = origin + epsilon;
    return reference::java_min(reference::java_max(reference::java_min(reference::java_max(w2, below), above), lo), hi);
}

// the same in double, rounded once: what the float formula approximates
float in_double(float x, float previous, float origin, float g, float eta, float momentum, float epsilon, float lo,
                float hi) {
    const double s = g > 0 ? 1.0 : (g < 0 ? -1.0 : 0.0);
    const double z = std::fmin(std::fmax(std::fmin(std::fmax(x + double(eta) * s, double(origin) - epsilon),
                                                   double(origin) + epsilon), lo), hi);
    const double w = x + momentum * (z - x) + (1.0 - momentum) * (double(x) - previous);
    return static_cast<float>(std::fmin(std::fmax(std::fmin(std::fmax(w, double(origin) - epsilon),
                                                              double(origin) + epsilon), lo), hi));
}

void check(long long batch, long long n, float momentum, float epsilon, Layout layout, unsigned seed) {
    const long long count = batch * n;
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> x(count), previous(count), origin(count), g(count), eta(batch);
    for (long long i = 0; i < count; ++i) {
        origin[i] = uniform(random);
        x[i] = origin[i] + (uniform(random) - 0.5f) * epsilon;
        previous[i] = origin[i] + (uniform(random) - 0.5f) * epsilon;
        g[i] = uniform(random) - 0.5f;
    }
    for (long long s = 0; s < batch; ++s) eta[s] = 2 * epsilon * (0.05f + uniform(random));
    if (count > 2) g[1] = 0.0f, g[2] = -0.0f;
    std::vector<float> want(count), approximate(count);
    for (long long i = 0; i < count; ++i) {
        want[i] = replica(x[i], previous[i], origin[i], g[i], eta[i / n], momentum, epsilon, 0.0f, 1.0f);
        approximate[i] = in_double(x[i], previous[i], origin[i], g[i], eta[i / n], momentum, epsilon, 0.0f, 1.0f);
    }
    gradsign_address dx = test::upload(x), dprevious = test::upload(previous), dorigin = test::upload(origin),
                     dg = test::upload(g), deta = test::upload(eta);
    gradsign_address dnext = layout == Layout::kNextIsCurrent ? dx
                             : layout == Layout::kNextIsPrevious ? dprevious : test::poisoned(count);
    const int status = gradsign_apgd_step(dnext, dx, dprevious, dorigin, dg, deta, batch, n, momentum, epsilon, 0.0f,
                                          1.0f);
    std::vector<float> next = test::download(dnext, count);
    if (dnext != dx && dnext != dprevious) gradsign_free(dnext);
    gradsign_free(dx), gradsign_free(dprevious), gradsign_free(dorigin), gradsign_free(dg), gradsign_free(deta);

    long long wrong = 0, first = -1;
    for (long long i = 0; i < count; ++i) {
        if (!reference::same(next[i], want[i]) && wrong++ == 0) first = i;
    }
    char what[160];
    std::snprintf(what, sizeof what, "apgd_step batch=%lld n=%lld momentum=%g%s seed=%u", batch, n, momentum,
                  layout == Layout::kNextIsCurrent ? " next=current"
                  : layout == Layout::kNextIsPrevious ? " next=previous" : "", seed);
    const bool ok = status == GRADSIGN_OK && wrong == 0;
    std::printf("%s %s bit for bit", ok ? "ok  " : "FAIL", what);
    if (status != GRADSIGN_OK) std::printf(" status=%d (%s)", status, gradsign_last_error_message());
    if (wrong) std::printf(" wrong=%lld first=%lld got=%.9g want=%.9g", wrong, first, next[first], want[first]);
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
    test::check_close(what, next, approximate, 1e-6f, 1e-6f);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 300;
    const long long shapes[][2] = {{1, 1}, {1, 7}, {3, 33}, {2, 784}, {5, 1000}, {1, 100003}, {300, 5}};
    for (const auto& shape : shapes) {
        check(shape[0], shape[1], 0.75f, 8.0f / 255, Layout::kSeparate, seed++);
        check(shape[0], shape[1], 1.0f, 0.1f, Layout::kSeparate, seed++);
        check(shape[0], shape[1], 0.75f, 0.03f, Layout::kNextIsPrevious, seed++);
        check(shape[0], shape[1], 0.3f, 0.3f, Layout::kNextIsCurrent, seed++);
    }
    const int status = gradsign_apgd_step(0, 0, 0, 0, 0, 0, -1, 3, 0.75f, 0.1f, 0.0f, 1.0f);
    std::printf("%s a negative batch is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

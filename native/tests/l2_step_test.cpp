// l2_step_test.cpp: gradsign_l2_step through the C API against the float replica (bit for bit) and a double reference (within 1e-5).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "attack_step_reference.h"
#include "gradsign.h"
#include "test_support.h"

namespace {

enum class Layout { kSeparate, kInPlace, kOriginIsX };

// batch samples of n floats; sample 0 with a zero gradient where batch > 1, one NaN in x of the last
// sample where nan is set; alpha and epsilon from the caller (alpha above epsilon: the ball binds)
void check(long long batch, long long n, float alpha, float epsilon, float lo, float hi, Layout layout, bool nan,
           unsigned seed) {
    const long long count = batch * n;
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> x(count), origin(count), g(count);
    for (long long i = 0; i < count; ++i) {
        origin[i] = uniform(random);
        x[i] = layout == Layout::kOriginIsX ? origin[i] : origin[i] + (uniform(random) - 0.5f) * 0.01f;
        g[i] = uniform(random) - 0.5f;
    }
    if (batch > 1) std::fill(g.begin(), g.begin() + n, (n % 2) ? -0.0f : 0.0f);
    if (nan) x[count - 1] = NAN;
    std::vector<float> want(count), approximate(count);
    for (long long s = 0; s < batch; ++s) {
        const long long o = s * n;
        reference::l2_step(&want[o], &x[o], &origin[o], &g[o], n, alpha, epsilon, lo, hi);
        reference::l2_step_double(&approximate[o], &x[o], &origin[o], &g[o], n, alpha, epsilon, lo, hi);
    }

    gradsign_address dx = test::upload(x), dg = test::upload(g);
    gradsign_address dorigin = layout == Layout::kOriginIsX ? dx : test::upload(origin);
    gradsign_address dout = layout == Layout::kInPlace ? dx : test::poisoned(count);
    const int status = gradsign_l2_step(dout, dx, dorigin, dg, batch, n, alpha, epsilon, lo, hi);
    std::vector<float> out = test::download(dout, count);
    gradsign_free(dx), gradsign_free(dg);
    if (dorigin != dx) gradsign_free(dorigin);
    if (dout != dx) gradsign_free(dout);

    long long wrong = 0, first = -1;
    for (long long i = 0; i < count; ++i) {
        if (!reference::same(out[i], want[i]) && wrong++ == 0) first = i;
    }
    char what[160];
    std::snprintf(what, sizeof what, "l2_step batch=%lld n=%lld alpha=%g epsilon=%g%s%s seed=%u", batch, n, alpha,
                  epsilon, layout == Layout::kInPlace ? " in place" : (layout == Layout::kOriginIsX ? " origin=x" : ""),
                  nan ? " NaN" : "", seed);
    const bool ok = status == GRADSIGN_OK && wrong == 0;
    std::printf("%s %s bit for bit", ok ? "ok  " : "FAIL", what);
    if (status != GRADSIGN_OK) std::printf(" status=%d (%s)", status, gradsign_last_error_message());
    if (wrong) std::printf(" wrong=%lld first=%lld got=%.9g want=%.9g", wrong, first, out[first], want[first]);
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
    if (nan) {
        // the NaN sample: its distance norm is NaN, so it is not projected (dnorm > epsilon is false) and
        // only the NaN element is NaN; compare the other samples against the double reference
        out.resize(count - n), approximate.resize(count - n);
        if (count == n) return;
    }
    test::check_close(what, out, approximate, 1e-5f, 1e-5f);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 100;
    const long long shapes[][2] = {{1, 1}, {1, 7}, {3, 33}, {2, 784}, {5, 1000}, {2, 3 * 32 * 32}, {1, 100003}, {300, 5}};
    for (const auto& shape : shapes) {
        // the ball binds (alpha 0.5 > epsilon 0.1), then does not (alpha 0.05 < epsilon 1)
        check(shape[0], shape[1], 0.5f, 0.1f, 0.0f, 1.0f, Layout::kSeparate, false, seed++);
        check(shape[0], shape[1], 0.05f, 1.0f, -INFINITY, INFINITY, Layout::kSeparate, false, seed++);
        check(shape[0], shape[1], 0.5f, 0.1f, 0.0f, 1.0f, Layout::kInPlace, false, seed++);
        // FGM: origin is x, alpha is epsilon
        check(shape[0], shape[1], 0.2f, 0.2f, 0.0f, 1.0f, Layout::kOriginIsX, false, seed++);
        check(shape[0], shape[1], 0.5f, 0.1f, 0.0f, 1.0f, Layout::kSeparate, true, seed++);
    }
    const int status = gradsign_l2_step(0, 0, 0, 0, -1, 3, 0.1f, 0.1f, 0.0f, 1.0f);
    std::printf("%s a negative batch is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

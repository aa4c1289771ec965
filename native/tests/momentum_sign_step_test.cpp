// momentum_sign_step_test.cpp: gradsign_momentum_sign_step through the C API against the float replica (bit for bit) and the momentum against a double reference.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "attack_step_reference.h"
#include "gradsign.h"
#include "test_support.h"

namespace {

// batch samples of n floats; sample 0 with a zero gradient where batch > 1 (momentum only decays),
// one NaN gradient in the last sample where nan is set (that sample's momentum becomes NaN)
void check(long long batch, long long n, bool in_place, bool nan, unsigned seed) {
    const float decay = 1.0f, alpha = 0.01f, epsilon = 0.03f, lo = 0.0f, hi = 1.0f;
    const long long count = batch * n;
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> x(count), origin(count), g(count), momentum(count);
    for (long long i = 0; i < count; ++i) {
        origin[i] = uniform(random);
        x[i] = origin[i] + (uniform(random) - 0.5f) * 0.06f;
        g[i] = uniform(random) - 0.5f;
        momentum[i] = (uniform(random) - 0.5f) * 0.01f;
    }
    if (batch > 1) std::fill(g.begin(), g.begin() + n, 0.0f);
    if (nan) g[count - 1] = NAN;
    std::vector<float> want(count), want_momentum = momentum, approximate_momentum(count);
    for (long long s = 0; s < batch; ++s) {
        const long long o = s * n;
        reference::momentum_sign_step(&want[o], &want_momentum[o], &x[o], &origin[o], &g[o], n, decay, alpha, epsilon,
                                      lo, hi);
        double l1 = 0;
        for (long long i = o; i < o + n; ++i) l1 += std::fabs(double(g[i]));
        for (long long i = o; i < o + n; ++i)
            approximate_momentum[i] = static_cast<float>(decay * double(momentum[i]) + (l1 == 0 ? 0.0 : g[i] / l1));
    }

    gradsign_address dx = test::upload(x), dorigin = test::upload(origin), dg = test::upload(g),
                     dmomentum = test::upload(momentum);
    gradsign_address dout = in_place ? dx : test::poisoned(count);
    const int status =
        gradsign_momentum_sign_step(dout, dmomentum, dx, dorigin, dg, batch, n, decay, alpha, epsilon, lo, hi);
    std::vector<float> out = test::download(dout, count), got_momentum = test::download(dmomentum, count);
    gradsign_free(dx), gradsign_free(dorigin), gradsign_free(dg), gradsign_free(dmomentum);
    if (!in_place) gradsign_free(dout);

    long long wrong = 0, first = -1;
    for (long long i = 0; i < count; ++i) {
        const bool right = reference::same(out[i], want[i]) && reference::same(got_momentum[i], want_momentum[i]);
        if (!right && wrong++ == 0) first = i;
    }
    char what[160];
    std::snprintf(what, sizeof what, "momentum_sign_step batch=%lld n=%lld%s%s seed=%u", batch, n,
                  in_place ? " in place" : "", nan ? " NaN" : "", seed);
    const bool ok = status == GRADSIGN_OK && wrong == 0;
    std::printf("%s %s bit for bit", ok ? "ok  " : "FAIL", what);
    if (status != GRADSIGN_OK) std::printf(" status=%d (%s)", status, gradsign_last_error_message());
    if (wrong)
        std::printf(" wrong=%lld first=%lld out %.9g want %.9g, momentum %.9g want %.9g", wrong, first, out[first],
                    want[first], got_momentum[first], want_momentum[first]);
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
    if (nan) {
        got_momentum.resize(count - n), approximate_momentum.resize(count - n);
        if (count == n) return;
    }
    test::check_close(what, got_momentum, approximate_momentum, 1e-7f, 1e-5f);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 200;
    const long long shapes[][2] = {{1, 1}, {1, 7}, {3, 33}, {2, 784}, {5, 1000}, {2, 3 * 32 * 32}, {1, 100003}, {300, 5}};
    for (const auto& shape : shapes) {
        check(shape[0], shape[1], false, false, seed++);
        check(shape[0], shape[1], true, false, seed++);
        check(shape[0], shape[1], false, true, seed++);
    }
    const int status = gradsign_momentum_sign_step(0, 0, 0, 0, 0, 2, -1, 1.0f, 0.1f, 0.1f, 0.0f, 1.0f);
    std::printf("%s a negative sample size is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

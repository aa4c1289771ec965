// projected_sign_step_test.cpp: gradsign_projected_sign_step through the C API against the exact host formula, bit for bit.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "attack_step_reference.h"
#include "gradsign.h"
#include "test_support.h"

namespace {

// count floats starting offset floats into fresh allocations; every 7th gradient zero, one NaN in x and
// one in the gradient where count allows; in_place: out is x
void check(long long count, long long offset, bool in_place, unsigned seed) {
    const float alpha = 0.125f, epsilon = 0.3f, lo = 0.0f, hi = 1.0f;
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-0.25f, 1.25f);
    std::vector<float> x(count), origin(count), g(count), want(count);
    for (long long i = 0; i < count; ++i) {
        origin[i] = uniform(random);
        // x within about 2 epsilon of origin, so the projection binds for some and not for others
        x[i] = origin[i] + (uniform(random) - 0.5f) * 0.8f;
        g[i] = (i % 7 == 3) ? (i % 2 ? -0.0f : 0.0f) : uniform(random) - 0.5f;
    }
    if (count > 10) x[5] = NAN, g[9] = NAN;
    for (long long i = 0; i < count; ++i)
        want[i] = reference::projected_sign_step(x[i], origin[i], g[i], alpha, epsilon, lo, hi);

    const long long bytes = (count + offset) * static_cast<long long>(sizeof(float));
    const gradsign_address shift = static_cast<gradsign_address>(offset) * sizeof(float);
    gradsign_address dx = 0, dorigin = 0, dg = 0, dout = 0;
    int status = gradsign_malloc(&dx, bytes) | gradsign_malloc(&dorigin, bytes) | gradsign_malloc(&dg, bytes) |
                 gradsign_malloc(&dout, bytes);
    status |= gradsign_copy_to_device(dx + shift, x.data(), count);
    status |= gradsign_copy_to_device(dorigin + shift, origin.data(), count);
    status |= gradsign_copy_to_device(dg + shift, g.data(), count);
    const gradsign_address target = in_place ? dx + shift : dout + shift;
    status |= gradsign_projected_sign_step(target, dx + shift, dorigin + shift, dg + shift, count, alpha, epsilon, lo,
                                           hi);
    std::vector<float> out(count, NAN);
    status |= gradsign_copy_to_host(out.data(), target, count);
    status |= gradsign_free(dx) | gradsign_free(dorigin) | gradsign_free(dg) | gradsign_free(dout);

    long long wrong = 0, first = -1, nonzero = 0;
    for (long long i = 0; i < count; ++i) {
        if (!reference::same(out[i], want[i]) && wrong++ == 0) first = i;
        nonzero += out[i] != 0;
    }
    const bool ok = status == GRADSIGN_OK && wrong == 0 && nonzero > 0;
    std::printf("%s projected_sign_step count=%lld offset=%lld%s seed=%u", ok ? "ok  " : "FAIL", count, offset,
                in_place ? " in place" : "", seed);
    if (status != GRADSIGN_OK) std::printf(" status=%d (%s)", status, gradsign_last_error_message());
    if (wrong) std::printf(" wrong=%lld first=%lld got=%.9g want=%.9g", wrong, first, out[first], want[first]);
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
}

// the three clamps in their order: origin +- epsilon first, then [lo, hi]; signed zeros as Java's
void check_corners() {
    struct Case {
        float x, origin, g, alpha, epsilon, lo, hi, want;
    } cases[] = {
        {0.5f, 0.5f, 1.0f, 0.25f, 0.1f, 0.0f, 1.0f, 0.6f},       // projection binds above
        {0.5f, 0.5f, -1.0f, 0.25f, 0.1f, 0.0f, 1.0f, 0.4f},      // and below
        {0.95f, 0.95f, 1.0f, 0.25f, 0.1f, 0.0f, 1.0f, 1.0f},     // then the clip
        {0.0f, 0.0f, -1.0f, 0.25f, 0.0f, -0.0f, 1.0f, 0.0f},     // max(-0 .. ) keeps +0 above -0
        {-0.0f, 0.0f, -0.0f, 0.25f, 0.0f, -1.0f, 1.0f, 0.0f},    // origin - 0 = +0 lifts -0 to +0
        {0.3f, 0.3f, 0.0f, 0.25f, 0.1f, 0.0f, 1.0f, 0.3f},       // zero gradient: x stays
    };
    for (const Case& c : cases) {
        gradsign_address dx = test::upload(std::vector<float>{c.x}), dorigin = test::upload(std::vector<float>{c.origin}),
                         dg = test::upload(std::vector<float>{c.g}), dout = test::poisoned(1);
        int status = gradsign_projected_sign_step(dout, dx, dorigin, dg, 1, c.alpha, c.epsilon, c.lo, c.hi);
        const float got = test::download(dout, 1)[0];
        gradsign_free(dx), gradsign_free(dorigin), gradsign_free(dg), gradsign_free(dout);
        const float replica = reference::projected_sign_step(c.x, c.origin, c.g, c.alpha, c.epsilon, c.lo, c.hi);
        const bool ok = status == GRADSIGN_OK && reference::same(got, replica) && reference::same(got, c.want);
        std::printf("%s projected_sign_step x=%g origin=%g g=%g: got %g (bits %s), want %g\n", ok ? "ok  " : "FAIL", c.x,
                    c.origin, c.g, got, std::signbit(got) ? "-" : "+", c.want);
        (ok ? test::passed : test::failed)++;
    }
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 1;
    for (long long count : {1LL, 3LL, 7LL, 33LL, 784LL, 1000LL, 3072LL, 100003LL}) {
        for (long long offset : {0LL, 1LL, 3LL}) check(count, offset, false, seed++);
        check(count, 2, true, seed++);
    }
    check_corners();
    const int status = gradsign_projected_sign_step(0, 0, 0, 0, -1, 0.1f, 0.1f, 0.0f, 1.0f);
    std::printf("%s a negative count is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

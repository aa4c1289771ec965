// combine_test.cpp: gradsign_combine through the C API against a double reference, in place and misaligned, with NaN and signed zeros.
#include <cmath>
#include <cstdio>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

enum class Layout { kSeparate, kOutIsX, kOutIsY };

// count floats at element offset `at` of their buffers (at 1 or 3: no float4 body, scalar code only)
void check(long long count, long long at, float a, float b, float lo, float hi, Layout layout, unsigned seed) {
    std::vector<float> x(at, 0.0f), y(at, 0.0f);
    const std::vector<float> xs = test::uniform(seed, count, -2.0f, 2.0f), ys = test::uniform(seed + 1, count, -2.0f, 2.0f);
    x.insert(x.end(), xs.begin(), xs.end());
    y.insert(y.end(), ys.begin(), ys.end());
    std::vector<float> want(count);
    for (long long i = 0; i < count; ++i) {
        const double v = static_cast<double>(a) * xs[i] + static_cast<double>(b) * ys[i];
        want[i] = static_cast<float>(std::fmin(std::fmax(v, static_cast<double>(lo)), static_cast<double>(hi)));
    }
    const gradsign_address dx = test::upload(x), dy = test::upload(y);
    const gradsign_address dseparate = test::poisoned(at + count);
    const gradsign_address base = layout == Layout::kOutIsX ? dx : layout == Layout::kOutIsY ? dy : dseparate;
    const size_t offset = static_cast<size_t>(at) * sizeof(float);
    const int status = gradsign_combine(base + offset, a, dx + offset, b, dy + offset, count, lo, hi);
    const std::vector<float> got = test::download(base + offset, count);
    for (gradsign_address address : {dx, dy, dseparate}) gradsign_free(address);

    char what[200];
    std::snprintf(what, sizeof what, "combine count=%lld at=%lld a=%g b=%g lo=%g hi=%g%s seed=%u", count, at, a, b, lo, hi,
                  layout == Layout::kOutIsX ? " out=x" : layout == Layout::kOutIsY ? " out=y" : "", seed);
    test::check_status(what, status);
    // two products and a sum rounded in float: within a few float ulps of the double value
    test::check_close(what, got, want, 1e-6f, 4e-7f);
}

// NaN in, NaN out; -0 + -0 stays -0 where lo allows it; lo = +0 lifts -0 to +0 (Java's max)
void check_special_values() {
    const std::vector<float> x = {NAN, -0.0f, 1.0f, -0.0f}, y = {1.0f, -0.0f, NAN, -0.0f};
    const gradsign_address dx = test::upload(x), dy = test::upload(y), dout = test::poisoned(4);
    int status = gradsign_combine(dout, 1.0f, dx, 1.0f, dy, 3, -1.0f, 1.0f);
    if (status == GRADSIGN_OK) status = gradsign_combine(dout + 3 * sizeof(float), 1.0f, dx + 3 * sizeof(float), 1.0f,
                                                         dy + 3 * sizeof(float), 1, 0.0f, 1.0f);
    const std::vector<float> got = test::download(dout, 4);
    for (gradsign_address address : {dx, dy, dout}) gradsign_free(address);
    const bool ok = status == GRADSIGN_OK && std::isnan(got[0]) && got[1] == 0.0f && std::signbit(got[1]) &&
                    std::isnan(got[2]) && got[3] == 0.0f && !std::signbit(got[3]);
    std::printf("%s combine: NaN propagates, -0 kept above lo, lifted to +0 by lo = +0 (got %g %g %g %g)\n",
                ok ? "ok  " : "FAIL", got[0], got[1], got[2], got[3]);
    (ok ? test::passed : test::failed)++;
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 1;
    // 1100003: more float4s than the 1024 blocks of 256 threads cover, so the grid-stride loop comes round again
    for (long long count : {1LL, 3LL, 1023LL, 1025LL, 100003LL, 1100003LL}) {
        for (long long at : {0LL, 1LL, 3LL}) {
            check(count, at, 0.7f, -1.3f, -0.5f, 0.9f, Layout::kSeparate, seed++);
            check(count, at, 1.0f, 1.0f, -INFINITY, INFINITY, Layout::kOutIsX, seed++);
            check(count, at, -0.25f, 3.0f, -1.0f, 1.0f, Layout::kOutIsY, seed++);
        }
        // a scaled copy: b = 0
        check(count, 0, 0.5f, 0.0f, -1.0f, 1.0f, Layout::kSeparate, seed++);
    }
    check(0, 0, 1.0f, 1.0f, 0.0f, 1.0f, Layout::kSeparate, seed++);
    check_special_values();
    const int status = gradsign_combine(0, 1.0f, 0, 1.0f, 0, -1, 0.0f, 1.0f);
    std::printf("%s a negative count is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

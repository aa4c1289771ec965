// l2_normalize_test.cpp: gradsign_l2_normalize through the C API against a double reference, with and without origin, in place.
#include <cmath>
#include <cstdio>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

enum class Layout { kSeparate, kOutIsV, kOutIsOrigin };

// batch samples of n floats; where batch > 1 sample 1 is all zeros (out = origin there, 0 without one)
void check(long long batch, long long n, float scale, bool with_origin, Layout layout, unsigned seed) {
    const long long count = batch * n;
    std::vector<float> v = test::uniform(seed, count, -1.0f, 1.0f), origin = test::uniform(seed + 1, count, 0.0f, 1.0f);
    if (batch > 1) std::fill(v.begin() + n, v.begin() + 2 * n, 0.0f);
    std::vector<float> want(count);
    for (long long s = 0; s < batch; ++s) {
        double squares = 0;
        for (long long i = 0; i < n; ++i) squares += static_cast<double>(v[s * n + i]) * v[s * n + i];
        const double norm = std::sqrt(squares);
        for (long long i = 0; i < n; ++i) {
            const long long k = s * n + i;
            const double o = with_origin ? origin[k] : 0.0;
            want[k] = static_cast<float>(norm == 0 ? o : o + scale * v[k] / norm);
        }
    }
    const gradsign_address dv = test::upload(v), dorigin = with_origin ? test::upload(origin) : 0;
    const gradsign_address dseparate = test::poisoned(count);
    const gradsign_address dout = layout == Layout::kOutIsV ? dv : layout == Layout::kOutIsOrigin ? dorigin : dseparate;
    const int status = gradsign_l2_normalize(dout, dorigin, dv, batch, n, scale);
    const std::vector<float> got = test::download(dout, count);
    for (gradsign_address address : {dv, dorigin, dseparate}) {
        if (address != 0) gradsign_free(address);
    }

    char what[200];
    std::snprintf(what, sizeof what, "l2_normalize batch=%lld n=%lld scale=%g%s%s seed=%u", batch, n, scale,
                  with_origin ? " origin" : "",
                  layout == Layout::kOutIsV ? " out=v" : layout == Layout::kOutIsOrigin ? " out=origin" : "", seed);
    test::check_status(what, status);
    // the norm's float rounding and square root, the division, product and sum: a few float ulps
    test::check_close(what, got, want, 1e-6f, 1e-6f);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 1;
    // 4099 samples: more than the 4096 blocks of the grid, so the grid-stride loop over samples comes round
    const long long shapes[][2] = {{1, 1}, {1, 7}, {2, 257}, {3, 1001}, {7, 784}, {1, 100003}, {4099, 10}, {0, 5}};
    for (const auto& shape : shapes) {
        check(shape[0], shape[1], 0.5f, true, Layout::kSeparate, seed++);
        check(shape[0], shape[1], -2.0f, false, Layout::kSeparate, seed++);
        check(shape[0], shape[1], 1e-6f, true, Layout::kOutIsV, seed++);
        check(shape[0], shape[1], 3.0f, true, Layout::kOutIsOrigin, seed++);
        check(shape[0], shape[1], 3.0f, false, Layout::kOutIsV, seed++);
    }
    const int status = gradsign_l2_normalize(0, 0, 0, -1, 3, 1.0f);
    std::printf("%s a negative batch is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

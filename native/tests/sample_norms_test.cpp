// sample_norms_test.cpp: gradsign_sample_norms through the C API against a double reference (within 1e-6 relative; L-inf exact).
#include <cmath>
#include <cstdio>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

void check(long long batch, long long n, bool with_b, unsigned seed) {
    const long long count = batch * n;
    std::vector<float> a = test::uniform(seed, count, -1.0f, 1.0f), b = test::uniform(seed + 1, count, -1.0f, 1.0f);
    std::vector<float> want_l1(batch), want_l2(batch), want_linf(batch);
    for (long long s = 0; s < batch; ++s) {
        double l1 = 0, squares = 0;
        float most = 0;
        for (long long i = s * n; i < (s + 1) * n; ++i) {
            const float d = with_b ? a[i] - b[i] : a[i];
            l1 += std::fabs(double(d));
            squares += double(d) * d;
            most = std::fmax(most, std::fabs(d));
        }
        want_l1[s] = float(l1), want_l2[s] = float(std::sqrt(squares)), want_linf[s] = most;
    }
    gradsign_address da = test::upload(a), db = with_b ? test::upload(b) : 0, l1 = test::poisoned(batch),
                     l2 = test::poisoned(batch), linf = test::poisoned(batch);
    test::check_status("gradsign_sample_norms", gradsign_sample_norms(l1, l2, linf, da, db, batch, n));
    char what[96];
    std::snprintf(what, sizeof what, "sample_norms batch=%lld n=%lld%s l1", batch, n, with_b ? " a-b" : "");
    test::check_close(what, test::download(l1, batch), want_l1, 0.0f, 1e-6f);
    std::snprintf(what, sizeof what, "sample_norms batch=%lld n=%lld%s l2", batch, n, with_b ? " a-b" : "");
    test::check_close(what, test::download(l2, batch), want_l2, 0.0f, 1e-6f);
    std::snprintf(what, sizeof what, "sample_norms batch=%lld n=%lld%s linf", batch, n, with_b ? " a-b" : "");
    test::check_close(what, test::download(linf, batch), want_linf, 0.0f, 0.0f);
    gradsign_free(da), gradsign_free(l1), gradsign_free(l2), gradsign_free(linf);
    if (db) gradsign_free(db);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 500;
    const long long shapes[][2] = {{1, 1}, {1, 7}, {3, 33}, {5, 1000}, {1, 100003}, {300, 5}};
    for (const auto& shape : shapes) {
        check(shape[0], shape[1], true, seed++);
        check(shape[0], shape[1], false, seed++);
    }
    const int status = gradsign_sample_norms(0, 0, 0, 0, 0, -1, 3);
    std::printf("%s a negative batch is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

// cw_margin_test.cpp: gradsign_cw_margin through the C API against a double reference (exact: one subtraction), the kappa floor and NaN rows.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

void check(int batch, int classes, bool targeted, float kappa, bool with_scales, unsigned seed) {
    std::mt19937 random(seed);
    std::vector<float> logits = test::uniform(seed, static_cast<size_t>(batch) * classes, -3.0f, 3.0f);
    std::vector<float> scales = test::uniform(seed + 1, batch, 0.5f, 2.0f);
    std::vector<int> labels(batch);
    for (int& label : labels) label = static_cast<int>(random() % classes);
    std::vector<float> want_losses(batch), want_d(logits.size(), 0.0f);
    for (int b = 0; b < batch; ++b) {
        const float* z = &logits[static_cast<size_t>(b) * classes];
        int other = -1;
        for (int j = 0; j < classes; ++j) {
            if (j != labels[b] && (other < 0 || z[j] > z[other])) other = j;
        }
        const double margin = targeted ? double(z[other]) - z[labels[b]] : double(z[labels[b]]) - z[other];
        want_losses[b] = static_cast<float>(std::fmax(margin, -double(kappa)));
        if (margin > -kappa) {
            const float s = with_scales ? scales[b] : 1.0f;
            want_d[static_cast<size_t>(b) * classes + labels[b]] = targeted ? -s : s;
            want_d[static_cast<size_t>(b) * classes + other] = targeted ? s : -s;
        }
    }
    gradsign_address dz = test::upload(logits), dl = test::upload(labels), ds = with_scales ? test::upload(scales) : 0,
                     losses = test::poisoned(batch), dd = test::poisoned(logits.size());
    test::check_status("gradsign_cw_margin",
                       gradsign_cw_margin(losses, dd, dz, dl, ds, batch, classes, kappa, targeted ? 1 : 0));
    char what[128];
    std::snprintf(what, sizeof what, "cw_margin batch=%d classes=%d%s kappa=%g losses", batch, classes,
                  targeted ? " targeted" : "", kappa);
    test::check_close(what, test::download(losses, batch), want_losses, 0.0f, 0.0f);
    std::snprintf(what, sizeof what, "cw_margin batch=%d classes=%d%s kappa=%g gradient", batch, classes,
                  targeted ? " targeted" : "", kappa);
    test::check_close(what, test::download(dd, logits.size()), want_d, 0.0f, 0.0f);
    gradsign_free(dz), gradsign_free(dl), gradsign_free(losses), gradsign_free(dd);
    if (ds) gradsign_free(ds);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 700;
    const int shapes[][2] = {{1, 2}, {3, 3}, {7, 10}, {9, 37}, {3, 1000}, {300, 10}};
    for (const auto& shape : shapes) {
        for (bool targeted : {false, true}) {
            check(shape[0], shape[1], targeted, 0.0f, true, seed++);
            check(shape[0], shape[1], targeted, 1.5f, false, seed++);
        }
    }
    const int status = gradsign_cw_margin(0, 0, 0, 0, 0, 1, 1, 0.0f, 0);
    std::printf("%s one class is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

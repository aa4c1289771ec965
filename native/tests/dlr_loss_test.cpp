// dlr_loss_test.cpp: gradsign_dlr_loss through the C API against a double reference (losses and gradients within 1e-5), ties and NaN rows included.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// one row in double: the order by a stable sort descending (ties to the lower index), the formula, and its
// gradient with the chosen indices held fixed
void reference_row(const float* z, int classes, int y, int t, bool targeted, double scale, float* loss, float* d) {
    std::vector<int> order(classes);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b]; });
    const int other = targeted ? t : (order[0] != y ? order[0] : order[1]);
    const double n = double(z[y]) - z[other];
    const double denominator = targeted ? z[order[0]] - 0.5 * (double(z[order[2]]) + z[order[3]]) + 1e-12
                                        : double(z[order[0]]) - z[order[2]] + 1e-12;
    *loss = static_cast<float>(-n / denominator);
    std::vector<double> g(classes, 0.0);
    g[y] -= 1 / denominator;
    g[other] += 1 / denominator;
    const double through = n / (denominator * denominator);
    g[order[0]] += through;
    if (targeted) {
        g[order[2]] -= 0.5 * through;
        g[order[3]] -= 0.5 * through;
    } else {
        g[order[2]] -= through;
    }
    // terms that cancel (y = pi3 in three classes: the loss is 1 whatever the logits) leave double rounding
    // noise where float gives 0: below 1e-9 of 1/D counts as 0
    const double noise = 1e-9 / denominator;
    for (int j = 0; j < classes; ++j) d[j] = std::fabs(g[j]) < noise ? 0.0f : static_cast<float>(scale * g[j]);
}

void check(int batch, int classes, bool targeted, bool with_gradient, unsigned seed) {
    std::mt19937 random(seed);
    std::vector<float> logits = test::uniform(seed, static_cast<size_t>(batch) * classes, -4.0f, 4.0f);
    std::vector<int> labels(batch), targets(batch);
    for (int b = 0; b < batch; ++b) {
        labels[b] = static_cast<int>(random() % classes);
        targets[b] = static_cast<int>((labels[b] + 1 + random() % (classes - 1)) % classes);
    }
    // row 1: ties among the largest (the lower index first); row 2: the label holds the largest logit
    if (batch > 1) {
        float* z = &logits[classes];
        for (int j = 0; j < classes; j += 2) z[j] = 5.0f;
    }
    if (batch > 2) logits[2 * classes + labels[2]] = 6.0f;
    const float scale = 0.5f;
    std::vector<float> want_losses(batch), want_d(logits.size());
    for (int b = 0; b < batch; ++b) {
        reference_row(&logits[static_cast<size_t>(b) * classes], classes, labels[b], targets[b], targeted, scale,
                      &want_losses[b], &want_d[static_cast<size_t>(b) * classes]);
    }
    gradsign_address dlogits = test::upload(logits), dlabels = test::upload(labels),
                     dtargets = targeted ? test::upload(targets) : 0, dlosses = test::poisoned(batch),
                     dd = with_gradient ? test::poisoned(logits.size()) : 0;
    test::check_status("gradsign_dlr_loss",
                       gradsign_dlr_loss(dlosses, dd, dlogits, dlabels, dtargets, batch, classes, scale));
    char what[128];
    std::snprintf(what, sizeof what, "dlr_loss batch=%d classes=%d%s seed=%u", batch, classes,
                  targeted ? " targeted" : "", seed);
    test::check_close(what, test::download(dlosses, batch), want_losses, 1e-5f, 1e-5f);
    if (with_gradient) {
        std::snprintf(what, sizeof what, "dlr_loss gradient batch=%d classes=%d%s seed=%u", batch, classes,
                      targeted ? " targeted" : "", seed);
        test::check_close(what, test::download(dd, logits.size()), want_d, 1e-5f, 1e-5f);
        gradsign_free(dd);
    }
    gradsign_free(dlogits), gradsign_free(dlabels), gradsign_free(dlosses);
    if (dtargets) gradsign_free(dtargets);
}

// a NaN logit makes its row's loss and whole gradient row NaN, and leaves the other rows alone
void check_nan_row() {
    const int batch = 2, classes = 5;
    std::vector<float> logits = test::uniform(7, batch * classes, -1.0f, 1.0f);
    logits[classes + 3] = NAN;
    std::vector<int> labels = {0, 1};
    gradsign_address dlogits = test::upload(logits), dlabels = test::upload(labels), dlosses = test::poisoned(batch),
                     dd = test::poisoned(batch * classes);
    test::check_status("gradsign_dlr_loss", gradsign_dlr_loss(dlosses, dd, dlogits, dlabels, 0, batch, classes, 1.0f));
    std::vector<float> losses = test::download(dlosses, batch), d = test::download(dd, batch * classes);
    bool ok = !std::isnan(losses[0]) && std::isnan(losses[1]);
    for (int j = 0; j < classes; ++j) ok = ok && !std::isnan(d[j]) && std::isnan(d[classes + j]);
    std::printf("%s a NaN logit makes its row NaN and only its row\n", ok ? "ok  " : "FAIL");
    (ok ? test::passed : test::failed)++;
    gradsign_free(dlogits), gradsign_free(dlabels), gradsign_free(dlosses), gradsign_free(dd);
}

}  // namespace

int main() {
    test::require_device();
    unsigned seed = 400;
    const int shapes[][2] = {{1, 3}, {1, 4}, {3, 3}, {5, 4}, {7, 10}, {9, 37}, {3, 1000}, {300, 10}};
    for (const auto& shape : shapes) {
        check(shape[0], shape[1], false, true, seed++);
        check(shape[0], shape[1], false, false, seed++);
        if (shape[1] >= 4) check(shape[0], shape[1], true, true, seed++);
    }
    check_nan_row();
    const int status = gradsign_dlr_loss(0, 0, 0, 0, 0, 1, 2, 1.0f);
    std::printf("%s two classes are refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}

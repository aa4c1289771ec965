// softmax_cross_entropy_test.cpp: gradsign_softmax_cross_entropy through the C API against a host reference in double (softmax_cross_entropy_kernel).
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// how a case draws its logits; the last two break a softmax that forgets to subtract the row max
// (exp(400) overflows float to inf, exp(-400) underflows to 0 and the loss to log(0))
enum class Logits { moderate, wide, shifted_up, shifted_down };

const char* name_of(Logits kind) {
    switch (kind) {
        case Logits::moderate: return "U(-4,4)";
        case Logits::wide: return "U(-80,80)";
        case Logits::shifted_up: return "400+U(-8,8)";
        default: return "-400+U(-8,8)";
    }
}

std::vector<float> draw_logits(Logits kind, unsigned seed, size_t count) {
    switch (kind) {
        case Logits::moderate: return test::uniform(seed, count, -4.0f, 4.0f);
        case Logits::wide: return test::uniform(seed, count, -80.0f, 80.0f);
        case Logits::shifted_up: return test::uniform(seed, count, 392.0f, 408.0f);
        default: return test::uniform(seed, count, -408.0f, -392.0f);
    }
}

struct Reference {
    std::vector<float> probabilities, losses, dlogits;
};

// in double, with the row max subtracted; an invalid label gives NaN loss and dlogits for its row
Reference reference(const std::vector<float>& logits, const std::vector<int>& labels, int batch, int classes,
                    float gradient_scale) {
    Reference r;
    r.probabilities.resize(static_cast<size_t>(batch) * classes);
    r.dlogits.resize(r.probabilities.size());
    r.losses.resize(batch);
    for (int b = 0; b < batch; ++b) {
        const float* x = logits.data() + static_cast<size_t>(b) * classes;
        double max = x[0];
        for (int c = 1; c < classes; ++c) max = std::fmax(max, x[c]);
        double sum = 0;
        for (int c = 0; c < classes; ++c) sum += std::exp(x[c] - max);
        const bool valid = labels[b] >= 0 && labels[b] < classes;
        r.losses[b] = valid ? static_cast<float>(std::log(sum) - (x[labels[b]] - max)) : NAN;
        for (int c = 0; c < classes; ++c) {
            const double p = std::exp(x[c] - max) / sum;
            const size_t i = static_cast<size_t>(b) * classes + c;
            r.probabilities[i] = static_cast<float>(p);
            r.dlogits[i] = valid ? static_cast<float>(gradient_scale * (p - (c == labels[b] ? 1.0 : 0.0))) : NAN;
        }
    }
    return r;
}

struct Result {
    int status = GRADSIGN_OK;
    std::vector<float> probabilities, losses, dlogits;
};

// one call with every output poisoned with NaN; with_dlogits false passes a null dlogits and
// returns what the (poisoned, never passed) dlogits buffer holds afterwards
Result run(const std::vector<float>& logits, const std::vector<int>& labels, int batch, int classes,
           float gradient_scale, bool with_dlogits) {
    const size_t count = static_cast<size_t>(batch) * classes;
    const gradsign_address d_logits = test::upload(logits), d_labels = test::upload(labels);
    const gradsign_address d_probabilities = test::poisoned(count), d_losses = test::poisoned(batch);
    const gradsign_address d_dlogits = test::poisoned(count);
    Result result;
    result.status = gradsign_softmax_cross_entropy(d_probabilities, d_losses, with_dlogits ? d_dlogits : 0, d_logits,
                                                   d_labels, batch, classes, gradient_scale);
    if (result.status == GRADSIGN_OK) result.status = gradsign_synchronize();
    result.probabilities = test::download(d_probabilities, count);
    result.losses = test::download(d_losses, batch);
    result.dlogits = test::download(d_dlogits, count);
    for (gradsign_address a : {d_logits, d_labels, d_probabilities, d_losses, d_dlogits}) gradsign_free(a);
    return result;
}

std::vector<int> draw_labels(unsigned seed, int batch, int classes) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> distribution(0, classes - 1);
    std::vector<int> labels(batch);
    for (int& label : labels) label = distribution(random);
    return labels;
}

// per-row sums of the probabilities, in double
std::vector<float> row_sums(const std::vector<float>& probabilities, int batch, int classes) {
    std::vector<float> sums(batch);
    for (int b = 0; b < batch; ++b) {
        double sum = 0;
        for (int c = 0; c < classes; ++c) sum += probabilities[static_cast<size_t>(b) * classes + c];
        sums[b] = static_cast<float>(sum);
    }
    return sums;
}

// probabilities and dlogits: relative error of a few ulp from exp and the division, plus the
// rounding of x - max for wide rows; losses: absolute error of log(sum) near 0 and of x - max
constexpr float kProbabilityAtol = 1e-7f, kProbabilityRtol = 5e-5f;
constexpr float kLossAtol = 1e-5f, kLossRtol = 1e-5f;

void check_case(int batch, int classes, Logits kind, unsigned seed) {
    const std::vector<float> logits = draw_logits(kind, seed, static_cast<size_t>(batch) * classes);
    const std::vector<int> labels = draw_labels(seed + 1000, batch, classes);
    const float gradient_scale = 1.0f / batch;
    const Reference want = reference(logits, labels, batch, classes, gradient_scale);
    const Result got = run(logits, labels, batch, classes, gradient_scale, true);
    char what[160];
    std::snprintf(what, sizeof(what), "batch=%d classes=%d logits=%s seed=%u", batch, classes, name_of(kind), seed);
    test::check_status(what, got.status);
    char line[220];
    std::snprintf(line, sizeof(line), "probabilities %s", what);
    test::check_close(line, got.probabilities, want.probabilities, kProbabilityAtol, kProbabilityRtol);
    std::snprintf(line, sizeof(line), "losses %s", what);
    test::check_close(line, got.losses, want.losses, kLossAtol, kLossRtol);
    std::snprintf(line, sizeof(line), "dlogits %s", what);
    test::check_close(line, got.dlogits, want.dlogits, kProbabilityAtol * gradient_scale, kProbabilityRtol);
    std::snprintf(line, sizeof(line), "row sums %s", what);
    test::check_close(line, row_sums(got.probabilities, batch, classes), std::vector<float>(batch, 1.0f), 1e-5f, 0.0f);
}

// forward only: probabilities and losses right, the dlogits buffer (not passed) still all NaN
void check_without_dlogits(int batch, int classes, unsigned seed) {
    const std::vector<float> logits = draw_logits(Logits::wide, seed, static_cast<size_t>(batch) * classes);
    const std::vector<int> labels = draw_labels(seed + 1000, batch, classes);
    const Reference want = reference(logits, labels, batch, classes, 1.0f);
    const Result got = run(logits, labels, batch, classes, 1.0f, false);
    char what[160];
    std::snprintf(what, sizeof(what), "null dlogits batch=%d classes=%d seed=%u", batch, classes, seed);
    test::check_status(what, got.status);
    test::check_close(what, got.probabilities, want.probabilities, kProbabilityAtol, kProbabilityRtol);
    test::check_close(what, got.losses, want.losses, kLossAtol, kLossRtol);
    size_t written = 0;
    for (float v : got.dlogits) written += !std::isnan(v);
    const bool ok = written == 0;
    std::printf("%s %s: %zu dlogits elements written\n", ok ? "ok  " : "FAIL", what, written);
    (ok ? test::passed : test::failed)++;
}

// -scale gives exactly -dlogits (negation is exact in IEEE arithmetic)
void check_negative_scale(int batch, int classes, unsigned seed) {
    const std::vector<float> logits = draw_logits(Logits::moderate, seed, static_cast<size_t>(batch) * classes);
    const std::vector<int> labels = draw_labels(seed + 1000, batch, classes);
    const float scale = 0.37f;
    const Result ascend = run(logits, labels, batch, classes, scale, true);
    const Result descend = run(logits, labels, batch, classes, -scale, true);
    char what[160];
    std::snprintf(what, sizeof(what), "negative scale batch=%d classes=%d seed=%u", batch, classes, seed);
    test::check_status(what, ascend.status);
    test::check_status(what, descend.status);
    test::check_close(what, descend.dlogits, reference(logits, labels, batch, classes, -scale).dlogits,
                      kProbabilityAtol, kProbabilityRtol);
    size_t mismatched = 0;
    for (size_t i = 0; i < ascend.dlogits.size(); ++i) mismatched += !(descend.dlogits[i] == -ascend.dlogits[i]);
    const bool ok = mismatched == 0;
    std::printf("%s %s: %zu elements not exactly negated\n", ok ? "ok  " : "FAIL", what, mismatched);
    (ok ? test::passed : test::failed)++;
}

// labels -1, classes, INT_MIN, INT_MAX in some rows: NaN loss and dlogits there (and no illegal
// address, which the emulation's guard pages would report), every other row and all probabilities right
void check_invalid_labels(int classes, unsigned seed) {
    const int batch = 37;
    const std::vector<float> logits = draw_logits(Logits::moderate, seed, static_cast<size_t>(batch) * classes);
    std::vector<int> labels = draw_labels(seed + 1000, batch, classes);
    const int bad_rows[] = {0, 5, 17, 36};
    const int bad_labels[] = {-1, classes, INT_MIN, INT_MAX};
    for (int k = 0; k < 4; ++k) labels[bad_rows[k]] = bad_labels[k];
    const Reference want = reference(logits, labels, batch, classes, 1.0f / batch);
    const Result got = run(logits, labels, batch, classes, 1.0f / batch, true);
    char what[160];
    std::snprintf(what, sizeof(what), "invalid labels classes=%d seed=%u", classes, seed);
    test::check_status(what, got.status);
    test::check_close(what, got.probabilities, want.probabilities, kProbabilityAtol, kProbabilityRtol);
    // the good rows compared as usual, the bad ones must be NaN everywhere
    std::vector<float> good_losses, want_losses, good_dlogits, want_dlogits;
    size_t not_nan = 0;
    for (int b = 0; b < batch; ++b) {
        const bool bad = labels[b] < 0 || labels[b] >= classes;
        if (bad) not_nan += !std::isnan(got.losses[b]);
        else {
            good_losses.push_back(got.losses[b]);
            want_losses.push_back(want.losses[b]);
        }
        for (int c = 0; c < classes; ++c) {
            const size_t i = static_cast<size_t>(b) * classes + c;
            if (bad) not_nan += !std::isnan(got.dlogits[i]);
            else {
                good_dlogits.push_back(got.dlogits[i]);
                want_dlogits.push_back(want.dlogits[i]);
            }
        }
    }
    test::check_close(what, good_losses, want_losses, kLossAtol, kLossRtol);
    test::check_close(what, good_dlogits, want_dlogits, kProbabilityAtol / batch, kProbabilityRtol);
    const bool ok = not_nan == 0;
    std::printf("%s %s: %zu loss or dlogits elements of invalid rows not NaN\n", ok ? "ok  " : "FAIL", what, not_nan);
    (ok ? test::passed : test::failed)++;
}

// masked classes (logit -inf, every third one from class 0, so some lanes start a row on one):
// probability 0 there, the rest a softmax over the others; labels on unmasked classes
void check_masked(int batch, int classes, unsigned seed) {
    std::vector<float> logits = draw_logits(Logits::wide, seed, static_cast<size_t>(batch) * classes);
    std::vector<int> labels = draw_labels(seed + 1000, batch, classes);
    for (size_t i = 0; i < logits.size(); ++i) {
        if (i % classes % 3 == 0) logits[i] = -INFINITY;
    }
    for (int& label : labels) label = label / 3 * 3 + 1 < classes ? label / 3 * 3 + 1 : 1;
    const Reference want = reference(logits, labels, batch, classes, 1.0f / batch);
    const Result got = run(logits, labels, batch, classes, 1.0f / batch, true);
    char what[160];
    std::snprintf(what, sizeof(what), "masked -inf batch=%d classes=%d seed=%u", batch, classes, seed);
    test::check_status(what, got.status);
    test::check_close(what, got.probabilities, want.probabilities, kProbabilityAtol, kProbabilityRtol);
    test::check_close(what, got.losses, want.losses, kLossAtol, kLossRtol);
    test::check_close(what, got.dlogits, want.dlogits, kProbabilityAtol / batch, kProbabilityRtol);
}

// batch 0: success, nothing written
void check_empty_batch() {
    const gradsign_address sentinel = test::poisoned(4);
    const int status = gradsign_softmax_cross_entropy(sentinel, sentinel, sentinel, sentinel, sentinel, 0, 10, 1.0f);
    const std::vector<float> after = test::download(sentinel, 4);
    gradsign_free(sentinel);
    bool untouched = true;
    for (float v : after) untouched = untouched && std::isnan(v);
    const bool ok = status == GRADSIGN_OK && untouched;
    std::printf("%s batch=0: status %d, buffers %s\n", ok ? "ok  " : "FAIL", status, untouched ? "untouched" : "written");
    (ok ? test::passed : test::failed)++;
}

}  // namespace

int main() {
    test::require_device();
    // 1, 2, 10 and 33 classes take the register paths of 1 and 4 floats per lane, 1000 the one of
    // 32, 3000 the streaming one; batches are not multiples of the 8 rows per block
    const int classes_list[] = {1, 2, 10, 33, 1000, 3000};
    const int batches[] = {1, 3, 37, 256, 1000};
    const Logits kinds[] = {Logits::moderate, Logits::wide, Logits::shifted_up, Logits::shifted_down};
    unsigned seed = 1;
    for (int classes : classes_list) {
        for (int batch : batches) {
            // every kind of logits on small batches; one kind, in turn, on the big ones
            if (static_cast<long long>(batch) * classes > 4000000LL) continue;
            if (batch <= 37) {
                for (Logits kind : kinds) check_case(batch, classes, kind, seed++);
            } else {
                check_case(batch, classes, kinds[seed % 4], seed);
                ++seed;
            }
        }
        check_without_dlogits(37, classes, seed++);
        check_negative_scale(37, classes, seed++);
        check_invalid_labels(classes, seed++);
        if (classes >= 2) check_masked(37, classes, seed++);
    }
    // the edges of the register paths (32, 128, 1024 classes) and one past each
    for (int classes : {32, 128, 129, 1024, 1025}) {
        for (Logits kind : kinds) check_case(37, classes, kind, seed++);
    }
    // more rows than the 1024 blocks of 8 warps: the grid-stride loop over rows comes round again
    check_case(10000, 2, Logits::wide, seed++);
    check_case(9000, 33, Logits::shifted_up, seed++);
    check_empty_batch();
    return test::summary();
}

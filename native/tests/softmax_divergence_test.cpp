// softmax_divergence_test.cpp: gradsign_softmax_kl and gradsign_softmax_entropy through the C API against a host reference in double (softmax_divergence.cu).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// how a case draws its logits: wide ones overflow exp without the row max subtracted; saturated rows
// have one class 100 (rows 0, 3, ...) or 200 (rows 1, 4, ...) above the rest, whose probabilities are
// then float subnormals or 0; masked classes (every third from class 1, p's logits only) are -inf
enum class Logits { moderate, wide, saturated, masked };

const char* name_of(Logits kind) {
    switch (kind) {
        case Logits::moderate: return "U(-4,4)";
        case Logits::wide: return "400+U(-40,40)";
        case Logits::saturated: return "saturated";
        default: return "masked";
    }
}

std::vector<float> draw_logits(Logits kind, unsigned seed, int batch, int classes) {
    const size_t count = static_cast<size_t>(batch) * classes;
    switch (kind) {
        case Logits::moderate: return test::uniform(seed, count, -4.0f, 4.0f);
        case Logits::wide: return test::uniform(seed, count, 360.0f, 440.0f);
        case Logits::saturated: {
            std::vector<float> x = test::uniform(seed, count, -2.0f, 2.0f);
            std::mt19937 random(seed + 1);
            for (int b = 0; b < batch; ++b) {
                const int hot = static_cast<int>(random() % classes);
                if (b % 3 != 2) x[static_cast<size_t>(b) * classes + hot] += b % 3 == 0 ? 100.0f : 200.0f;
            }
            return x;
        }
        default: {
            std::vector<float> x = test::uniform(seed, count, -4.0f, 4.0f);
            for (size_t i = 0; i < count; ++i) {
                if (i % classes % 3 == 1) x[i] = -INFINITY;
            }
            return x;
        }
    }
}

// q's logits: p + U(-0.5, 0.5) (near, as VAT's) or a fresh draw (masked p: a moderate one, since a class
// masked in q only makes KL infinite)
std::vector<float> draw_q(const std::vector<float>& p, Logits kind, unsigned seed, int batch, int classes, bool near) {
    if (!near) return draw_logits(kind == Logits::masked ? Logits::moderate : kind, seed + 7, batch, classes);
    std::vector<float> q = test::uniform(seed + 7, p.size(), -0.5f, 0.5f);
    for (size_t i = 0; i < q.size(); ++i) q[i] += p[i];
    return q;
}

// log-softmax of one row in double, as x - (max + log sum exp(x - max))
std::vector<double> log_softmax(const float* x, int classes) {
    double max = -INFINITY;
    for (int c = 0; c < classes; ++c) max = std::fmax(max, x[c]);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(x[c] - max);
    const double log_sum = max + std::log(sum);
    std::vector<double> logs(classes);
    for (int c = 0; c < classes; ++c) logs[c] = x[c] - log_sum;
    return logs;
}

constexpr double kFloatEpsilon = 1.1920929e-7;
// roundings a float kernel stacks on one element: x - max, - log_sum (and logf's error), expf, the
// subtraction of log-softmaxes, the product, the warp's sum; 16 ulp of the magnitudes involved
constexpr double kUlps = 16 * kFloatEpsilon;
// float subnormals (probabilities near e^-100) carry few digits; their absolute error is below this
constexpr double kSubnormal = 1e-37;

// expected values and per-element tolerances, from the magnitudes a float kernel rounds: a log-softmax
// l is off by about ulps * (|l| + 1), so its probability e^l by that relatively, and a term p * (...)
// by p times the bracket's error plus |term| * (|l| + 1) * ulps
struct Expected {
    std::vector<float> value;
    std::vector<float> tolerance;
};

// p (|log p| + rest), 0 where p is 0 (log p = -inf)
double weighted(double p, double rest, double log_p) { return p > 0 ? p * (std::fabs(log_p) + rest) : 0; }

struct KlReference {
    Expected losses, dp, dq;
};

KlReference kl_reference(const std::vector<float>& p_logits, const std::vector<float>& q_logits, int batch,
                         int classes, float scale) {
    KlReference r;
    const size_t count = static_cast<size_t>(batch) * classes;
    for (Expected* e : {&r.dp, &r.dq}) {
        e->value.resize(count);
        e->tolerance.resize(count);
    }
    r.losses.value.resize(batch);
    r.losses.tolerance.resize(batch);
    const double s = std::fabs(scale);
    for (int b = 0; b < batch; ++b) {
        const size_t row = static_cast<size_t>(b) * classes;
        const std::vector<double> lp = log_softmax(p_logits.data() + row, classes);
        const std::vector<double> lq = log_softmax(q_logits.data() + row, classes);
        double kl = 0, kl_error = 0;
        for (int c = 0; c < classes; ++c) {
            const double p = std::exp(lp[c]);
            if (p > 0) {
                const double term = p * (lp[c] - lq[c]);
                kl += term;
                kl_error += p * (std::fabs(lp[c]) + std::fabs(lq[c]) + 1) + std::fabs(term) * (std::fabs(lp[c]) + 1);
            }
        }
        kl_error = kUlps * (kl_error + std::fabs(kl)) + kSubnormal;
        r.losses.value[b] = static_cast<float>(kl);
        r.losses.tolerance[b] = static_cast<float>(kl_error);
        for (int c = 0; c < classes; ++c) {
            const double p = std::exp(lp[c]), q = std::exp(lq[c]);
            const double dp = p > 0 ? p * (lp[c] - lq[c] - kl) : 0;
            r.dp.value[row + c] = static_cast<float>(scale * dp);
            // a masked class (l = -inf, e^l = 0) adds no error: weighted() keeps 0 * inf out
            r.dp.tolerance[row + c] = static_cast<float>(
                s * (kUlps * (weighted(p, std::fabs(lq[c]) + std::fabs(kl) + 1, lp[c]) +
                              (p > 0 ? std::fabs(dp) * (std::fabs(lp[c]) + 1) : 0)) +
                     p * kl_error + kSubnormal));
            r.dq.value[row + c] = static_cast<float>(scale * (q - p));
            r.dq.tolerance[row + c] =
                static_cast<float>(s * (kUlps * (weighted(q, 1, lq[c]) + weighted(p, 1, lp[c])) + kSubnormal));
        }
    }
    return r;
}

struct EntropyReference {
    Expected entropies, dlogits;
};

EntropyReference entropy_reference(const std::vector<float>& logits, int batch, int classes, float scale) {
    EntropyReference r;
    const size_t count = static_cast<size_t>(batch) * classes;
    r.dlogits.value.resize(count);
    r.dlogits.tolerance.resize(count);
    r.entropies.value.resize(batch);
    r.entropies.tolerance.resize(batch);
    const double s = std::fabs(scale);
    for (int b = 0; b < batch; ++b) {
        const size_t row = static_cast<size_t>(b) * classes;
        const std::vector<double> lp = log_softmax(logits.data() + row, classes);
        double h = 0, h_error = 0;
        for (int c = 0; c < classes; ++c) {
            const double p = std::exp(lp[c]);
            if (p > 0) {
                h -= p * lp[c];
                h_error += p * (std::fabs(lp[c]) + 1) * (std::fabs(lp[c]) + 2);
            }
        }
        h_error = kUlps * (h_error + h) + kSubnormal;
        r.entropies.value[b] = static_cast<float>(h);
        r.entropies.tolerance[b] = static_cast<float>(h_error);
        for (int c = 0; c < classes; ++c) {
            const double p = std::exp(lp[c]);
            const double dh = p > 0 ? -p * (lp[c] + h) : 0;
            r.dlogits.value[row + c] = static_cast<float>(scale * dh);
            r.dlogits.tolerance[row + c] = static_cast<float>(
                s * (kUlps * (weighted(p, h + 1, lp[c]) + (p > 0 ? std::fabs(dh) * (std::fabs(lp[c]) + 1) : 0)) + p * h_error +
                     kSubnormal));
        }
    }
    return r;
}

// |got - want| <= tolerance element by element (NaN never passes); prints the worst element relative to
// its tolerance; fails an all-zero result where want is not all zero
void check_within(const char* what, const std::vector<float>& got, const Expected& want) {
    size_t wrong = 0, worst = 0;
    double worst_ratio = -1;
    bool want_nonzero = false, got_nonzero = false;
    for (size_t i = 0; i < want.value.size(); ++i) {
        const double error = std::fabs(static_cast<double>(got[i]) - want.value[i]);
        // a NaN tolerance would let anything pass
        const bool comparable = !std::isnan(got[i]) && !std::isnan(error) && std::isfinite(want.tolerance[i]);
        const double ratio = comparable ? error / want.tolerance[i] : INFINITY;
        if (ratio > 1) ++wrong;
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            worst = i;
        }
        want_nonzero |= want.value[i] != 0;
        got_nonzero |= got[i] != 0;
    }
    const bool ok = got.size() == want.value.size() && wrong == 0 && (got_nonzero || !want_nonzero);
    std::printf("%s %s", ok ? "ok  " : "FAIL", what);
    if (!want.value.empty()) {
        std::printf(" (worst [%zu]: got %.9g want %.9g, %.2g of its tolerance %.3g)", worst, got[worst],
                    want.value[worst], worst_ratio, want.tolerance[worst]);
    }
    if (wrong) std::printf(" %zu of %zu outside tolerance", wrong, want.value.size());
    if (!got_nonzero && want_nonzero) std::printf(" all zero");
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
}

// counts the check; prints what
void expect(bool ok, const char* what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    (ok ? test::passed : test::failed)++;
}

struct KlResult {
    int status = GRADSIGN_OK;
    std::vector<float> losses, dp, dq;
};

// one call with every output poisoned with NaN; an output not passed comes back as its poisoned buffer
KlResult run_kl(const std::vector<float>& p_logits, const std::vector<float>& q_logits, int batch, int classes,
                float scale, bool with_dp, bool with_dq) {
    const size_t count = static_cast<size_t>(batch) * classes;
    const gradsign_address p = test::upload(p_logits), q = test::upload(q_logits);
    const gradsign_address losses = test::poisoned(batch), dp = test::poisoned(count), dq = test::poisoned(count);
    KlResult result;
    result.status = gradsign_softmax_kl(losses, with_dp ? dp : 0, with_dq ? dq : 0, p, q, batch, classes, scale);
    if (result.status == GRADSIGN_OK) result.status = gradsign_synchronize();
    result.losses = test::download(losses, batch);
    result.dp = test::download(dp, count);
    result.dq = test::download(dq, count);
    for (gradsign_address a : {p, q, losses, dp, dq}) gradsign_free(a);
    return result;
}

struct EntropyResult {
    int status = GRADSIGN_OK;
    std::vector<float> entropies, dlogits;
};

EntropyResult run_entropy(const std::vector<float>& logits, int batch, int classes, float scale, bool with_dlogits) {
    const size_t count = static_cast<size_t>(batch) * classes;
    const gradsign_address x = test::upload(logits);
    const gradsign_address entropies = test::poisoned(batch), dlogits = test::poisoned(count);
    EntropyResult result;
    result.status = gradsign_softmax_entropy(entropies, with_dlogits ? dlogits : 0, x, batch, classes, scale);
    if (result.status == GRADSIGN_OK) result.status = gradsign_synchronize();
    result.entropies = test::download(entropies, batch);
    result.dlogits = test::download(dlogits, count);
    for (gradsign_address a : {x, entropies, dlogits}) gradsign_free(a);
    return result;
}

size_t count_written(const std::vector<float>& values) {
    size_t written = 0;
    for (float v : values) written += !std::isnan(v);
    return written;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return false;
    }
    return true;
}

void check_case(int batch, int classes, Logits kind, bool near, unsigned seed) {
    const std::vector<float> p = draw_logits(kind, seed, batch, classes);
    const std::vector<float> q = draw_q(p, kind, seed, batch, classes, near);
    const float scale = 1.0f / batch;
    char what[200], line[260];
    std::snprintf(what, sizeof(what), "batch=%d classes=%d logits=%s q=%s seed=%u", batch, classes, name_of(kind),
                  near ? "near" : "drawn", seed);
    const KlReference want = kl_reference(p, q, batch, classes, scale);
    const KlResult got = run_kl(p, q, batch, classes, scale, true, true);
    test::check_status(what, got.status);
    std::snprintf(line, sizeof(line), "kl losses %s", what);
    check_within(line, got.losses, want.losses);
    std::snprintf(line, sizeof(line), "kl dp %s", what);
    check_within(line, got.dp, want.dp);
    std::snprintf(line, sizeof(line), "kl dq %s", what);
    check_within(line, got.dq, want.dq);
    if (!near) return;
    const EntropyReference want_h = entropy_reference(p, batch, classes, scale);
    const EntropyResult got_h = run_entropy(p, batch, classes, scale, true);
    test::check_status(what, got_h.status);
    std::snprintf(line, sizeof(line), "entropies %s", what);
    check_within(line, got_h.entropies, want_h.entropies);
    std::snprintf(line, sizeof(line), "entropy dlogits %s", what);
    check_within(line, got_h.dlogits, want_h.dlogits);
}

// null dp, dq or dlogits: that buffer untouched (all NaN), the rest the bits of the call with every output
void check_null_gradients(int batch, int classes, unsigned seed) {
    const std::vector<float> p = draw_logits(Logits::saturated, seed, batch, classes);
    const std::vector<float> q = draw_q(p, Logits::saturated, seed, batch, classes, true);
    const KlResult all = run_kl(p, q, batch, classes, 0.5f, true, true);
    for (int mask = 0; mask < 3; ++mask) {
        const bool with_dp = mask == 1, with_dq = mask == 2;
        const KlResult got = run_kl(p, q, batch, classes, 0.5f, with_dp, with_dq);
        char what[200];
        std::snprintf(what, sizeof(what), "null%s%s batch=%d classes=%d seed=%u: losses%s%s as with both, %s untouched",
                      with_dp ? "" : " dp", with_dq ? "" : " dq", batch, classes, seed, with_dp ? ", dp" : "",
                      with_dq ? ", dq" : "", mask == 0 ? "dp and dq" : with_dp ? "dq" : "dp");
        test::check_status(what, got.status);
        bool ok = same_bits(got.losses, all.losses);
        ok = ok && (with_dp ? same_bits(got.dp, all.dp) : count_written(got.dp) == 0);
        ok = ok && (with_dq ? same_bits(got.dq, all.dq) : count_written(got.dq) == 0);
        expect(ok, what);
    }
    const EntropyResult all_h = run_entropy(p, batch, classes, 0.5f, true);
    const EntropyResult got_h = run_entropy(p, batch, classes, 0.5f, false);
    char what[200];
    std::snprintf(what, sizeof(what), "null dlogits batch=%d classes=%d seed=%u: entropies as with it, dlogits untouched",
                  batch, classes, seed);
    test::check_status(what, got_h.status);
    expect(same_bits(got_h.entropies, all_h.entropies) && count_written(got_h.dlogits) == 0, what);
}

// KL(p || p) = 0 and both gradients 0, exactly: p and q go through the same arithmetic
void check_kl_of_itself(int batch, int classes, Logits kind, unsigned seed) {
    const std::vector<float> p = draw_logits(kind, seed, batch, classes);
    const KlResult got = run_kl(p, p, batch, classes, 1.0f, true, true);
    size_t nonzero = 0;
    for (const std::vector<float>* v : {&got.losses, &got.dp, &got.dq}) {
        for (float x : *v) nonzero += x != 0.0f;
    }
    char what[200];
    std::snprintf(what, sizeof(what), "KL(p || p) batch=%d classes=%d logits=%s seed=%u: %zu elements not 0", batch,
                  classes, name_of(kind), seed, nonzero);
    test::check_status(what, got.status);
    expect(nonzero == 0, what);
}

// -scale gives exactly the negated gradients (negation is exact); losses do not depend on the scale
void check_negative_scale(int batch, int classes, unsigned seed) {
    const std::vector<float> p = draw_logits(Logits::moderate, seed, batch, classes);
    const std::vector<float> q = draw_q(p, Logits::moderate, seed, batch, classes, false);
    const KlResult up = run_kl(p, q, batch, classes, 0.37f, true, true);
    const KlResult down = run_kl(p, q, batch, classes, -0.37f, true, true);
    std::vector<float> negated_dp(up.dp), negated_dq(up.dq);
    for (float& v : negated_dp) v = -v;
    for (float& v : negated_dq) v = -v;
    const EntropyResult up_h = run_entropy(p, batch, classes, 0.37f, true);
    const EntropyResult down_h = run_entropy(p, batch, classes, -0.37f, true);
    std::vector<float> negated_dh(up_h.dlogits);
    for (float& v : negated_dh) v = -v;
    char what[200];
    std::snprintf(what, sizeof(what), "negative scale batch=%d classes=%d seed=%u: gradients exactly negated", batch,
                  classes, seed);
    expect(same_bits(down.dp, negated_dp) && same_bits(down.dq, negated_dq) && same_bits(down.losses, up.losses) &&
               same_bits(down_h.dlogits, negated_dh) && same_bits(down_h.entropies, up_h.entropies),
           what);
}

// batch 0 succeeds and writes nothing; a negative batch or no classes is refused with the argument status
void check_edges() {
    const gradsign_address sentinel = test::poisoned(4);
    const int kl_status = gradsign_softmax_kl(sentinel, sentinel, sentinel, sentinel, sentinel, 0, 10, 1.0f);
    const int h_status = gradsign_softmax_entropy(sentinel, sentinel, sentinel, 0, 10, 1.0f);
    const bool untouched = count_written(test::download(sentinel, 4)) == 0;
    char what[200];
    std::snprintf(what, sizeof(what), "batch=0: status %d and %d, buffers %s", kl_status, h_status,
                  untouched ? "untouched" : "written");
    expect(kl_status == GRADSIGN_OK && h_status == GRADSIGN_OK && untouched, what);
    const int negative = gradsign_softmax_kl(sentinel, 0, 0, sentinel, sentinel, -1, 10, 1.0f);
    const int no_classes = gradsign_softmax_entropy(sentinel, 0, sentinel, 1, 0, 1.0f);
    std::snprintf(what, sizeof(what), "batch=-1 / classes=0: status %d and %d, invalid argument expected", negative,
                  no_classes);
    expect(negative == GRADSIGN_ERROR_INVALID_ARGUMENT && no_classes == GRADSIGN_ERROR_INVALID_ARGUMENT, what);
    gradsign_free(sentinel);
}

}  // namespace

int main() {
    test::require_device();
    // batch 1, odd shapes, one class; 33, 129, 1000 classes take the register paths of 4 and 32 floats
    // per lane and row, 1025 and 3000 the one that reads rows again; 4099 rows are more than one block
    // of 8 warps per row can count, 10000 more than the 1024 blocks' 8192 warps (the grid-stride loop)
    const int shapes[][2] = {{1, 10}, {3, 10}, {257, 7}, {5, 1}, {1, 1}, {37, 32}, {37, 33},   {37, 129},
                             {9, 1000}, {9, 1025}, {4, 3000}, {4099, 10}, {10000, 2}};
    const Logits kinds[] = {Logits::moderate, Logits::wide, Logits::saturated, Logits::masked};
    unsigned seed = 1;
    for (const auto& shape : shapes) {
        for (Logits kind : kinds) {
            for (bool near : {true, false}) check_case(shape[0], shape[1], kind, near, seed++);
        }
    }
    for (const auto& shape : shapes) {
        if (shape[0] * shape[1] > 50000) continue;
        check_null_gradients(shape[0], shape[1], seed++);
        check_negative_scale(shape[0], shape[1], seed++);
        for (Logits kind : kinds) check_kl_of_itself(shape[0], shape[1], kind, seed++);
    }
    check_edges();
    return test::summary();
}

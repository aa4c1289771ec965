// activation_test.cpp: gradsign_activation_forward and gradsign_activation_backward through the C API against a host reference in double.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

const char* name_of(int activation) {
    switch (activation) {
        case GRADSIGN_ACTIVATION_RELU: return "relu";
        case GRADSIGN_ACTIVATION_TANH: return "tanh";
        case GRADSIGN_ACTIVATION_SIGMOID: return "sigmoid";
        default: return "none";
    }
}

double activate(double v, int activation) {
    if (activation == GRADSIGN_ACTIVATION_RELU) return v > 0 ? v : 0.0;
    if (activation == GRADSIGN_ACTIVATION_TANH) return std::tanh(v);
    if (activation == GRADSIGN_ACTIVATION_SIGMOID) return 1.0 / (1.0 + std::exp(-v));
    return v;
}

// y as the forward pass leaves it: relu's y is >= 0 with exact zeros, tanh's in (-1, 1), sigmoid's
// in (0, 1), none's anything
std::vector<float> draw_output(int activation, unsigned seed, size_t count) {
    std::vector<float> y = test::uniform(seed, count, -3.0f, 3.0f);
    for (float& v : y) v = static_cast<float>(activate(v, activation));
    return y;
}

std::vector<float> reference(int activation, const std::vector<float>& dy, const std::vector<float>& y) {
    std::vector<float> dpre(dy.size());
    for (size_t i = 0; i < dy.size(); ++i) {
        const double g = dy[i], a = y[i];
        double d = g;
        if (activation == GRADSIGN_ACTIVATION_RELU) d = a > 0 ? g : 0.0;
        if (activation == GRADSIGN_ACTIVATION_TANH) d = g * (1.0 - a * a);
        if (activation == GRADSIGN_ACTIVATION_SIGMOID) d = g * (a * (1.0 - a));
        dpre[i] = static_cast<float>(d);
    }
    return dpre;
}

// offsets (in floats) of dpre, dy and y into their allocations: equal ones take the float4 path
// after a scalar head, unequal ones the all-scalar path. in_place passes dy's address as dpre.
void check(long long count, int activation, const long long offsets[3], bool in_place, unsigned seed) {
    const std::vector<float> dy = test::uniform(seed, count, -2.0f, 2.0f);
    const std::vector<float> y = draw_output(activation, seed + 7919, count);
    const std::vector<float> want = reference(activation, dy, y);

    std::vector<float> padded_dy(offsets[1] + count, 0.0f), padded_y(offsets[2] + count, 0.0f);
    std::copy(dy.begin(), dy.end(), padded_dy.begin() + offsets[1]);
    std::copy(y.begin(), y.end(), padded_y.begin() + offsets[2]);
    const gradsign_address d_dpre = test::poisoned(offsets[0] + count + 1), d_dy = test::upload(padded_dy),
                           d_y = test::upload(padded_y);
    const gradsign_address dy_at = d_dy + offsets[1] * sizeof(float);
    const gradsign_address dpre_at = in_place ? dy_at : d_dpre + offsets[0] * sizeof(float);
    int status = gradsign_activation_backward(dpre_at, dy_at, d_y + offsets[2] * sizeof(float), count, activation);
    if (status == GRADSIGN_OK) status = gradsign_synchronize();
    const std::vector<float> got = test::download(dpre_at, count);
    // the float after the last one must stay poisoned: nothing past count is written
    const std::vector<float> after = test::download(d_dpre + (offsets[0] + count) * sizeof(float), 1);
    for (gradsign_address a : {d_dpre, d_dy, d_y}) gradsign_free(a);

    char what[160];
    std::snprintf(what, sizeof(what), "%s count=%lld offsets=%lld,%lld,%lld%s seed=%u", name_of(activation), count,
                  offsets[0], offsets[1], offsets[2], in_place ? " in place" : "", seed);
    test::check_status(what, status);
    // tanh: 1 - y^2 loses digits as |y| -> 1; the absolute error stays near ulp(1) * |dy|
    test::check_close(what, got, want, 5e-7f, 1e-6f);
    if (!in_place && !std::isnan(after[0])) {
        std::printf("FAIL %s: wrote past the end\n", what);
        ++test::failed;
    }
}

// gradsign_activation_forward over the same offsets and in-place cases as check above: y = f(x)
// against the double reference; x in [-8, 8] reaches where tanh and sigmoid saturate
void check_forward(long long count, int activation, const long long offsets[2], bool in_place, unsigned seed) {
    const std::vector<float> x = test::uniform(seed, count, -8.0f, 8.0f);
    std::vector<float> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) want[i] = static_cast<float>(activate(x[i], activation));

    std::vector<float> padded_x(offsets[1] + count, 0.0f);
    std::copy(x.begin(), x.end(), padded_x.begin() + offsets[1]);
    const gradsign_address d_y = test::poisoned(offsets[0] + count + 1), d_x = test::upload(padded_x);
    const gradsign_address x_at = d_x + offsets[1] * sizeof(float);
    const gradsign_address y_at = in_place ? x_at : d_y + offsets[0] * sizeof(float);
    int status = gradsign_activation_forward(y_at, x_at, count, activation);
    if (status == GRADSIGN_OK) status = gradsign_synchronize();
    const std::vector<float> got = test::download(y_at, count);
    const std::vector<float> after = test::download(d_y + (offsets[0] + count) * sizeof(float), 1);
    gradsign_free(d_y);
    gradsign_free(d_x);

    char what[160];
    std::snprintf(what, sizeof(what), "forward %s count=%lld offsets=%lld,%lld%s seed=%u", name_of(activation), count,
                  offsets[0], offsets[1], in_place ? " in place" : "", seed);
    test::check_status(what, status);
    // tanhf and expf are within a few ulps; relu and none are exact
    test::check_close(what, got, want, 1e-7f, 1e-6f);
    if (!in_place && !std::isnan(after[0])) {
        std::printf("FAIL %s: wrote past the end\n", what);
        ++test::failed;
    }
}

// the forward rules at the edges, bit for bit: relu keeps NaN and turns -0 into +0; sigmoid
// saturates to exactly 0 and 1 and keeps NaN; tanh keeps the sign of zero
void check_forward_edges() {
    const float nan = std::nanf("3");
    // only values whose results are exact: a GPU's tanhf and expf may differ from the host's by an ulp
    const std::vector<float> x = {nan, -0.0f, 0.0f, -INFINITY, INFINITY, -200.0f, 200.0f, -1.5f};
    const gradsign_address d_x = test::upload(x), d_y = test::poisoned(x.size());
    struct Case {
        int activation;
        std::vector<float> want;
    };
    const Case cases[] = {
        {GRADSIGN_ACTIVATION_NONE, x},
        {GRADSIGN_ACTIVATION_RELU, {nan, 0.0f, 0.0f, 0.0f, INFINITY, 0.0f, 200.0f, 0.0f}},
        {GRADSIGN_ACTIVATION_TANH, {nan, -0.0f, 0.0f, -1.0f, 1.0f, -1.0f, 1.0f, NAN}},
        {GRADSIGN_ACTIVATION_SIGMOID, {nan, 0.5f, 0.5f, 0.0f, 1.0f, 0.0f, 1.0f, NAN}},
    };
    for (const Case& c : cases) {
        test::check_status("forward edges", gradsign_activation_forward(d_y, d_x, static_cast<long long>(x.size()),
                                                                        c.activation));
        const std::vector<float> got = test::download(d_y, x.size());
        // NaN is compared as NaN (a kernel may not keep the payload), everything else bit for bit;
        // -1.5 only where its result is exact (tanh and sigmoid of it: NaN here, not compared)
        size_t differ = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            if (x[i] == -1.5f && std::isnan(c.want[i])) continue;
            const bool same = std::isnan(c.want[i]) ? std::isnan(got[i]) : std::memcmp(&got[i], &c.want[i], 4) == 0;
            if (!same) {
                std::printf("     %s(%g): got %a want %a\n", name_of(c.activation), x[i], got[i], c.want[i]);
                ++differ;
            }
        }
        std::printf("%s forward edges %s\n", differ == 0 ? "ok  " : "FAIL", name_of(c.activation));
        (differ == 0 ? test::passed : test::failed)++;
    }
    gradsign_free(d_x);
    gradsign_free(d_y);
}

// unknown activations and negative counts are refused before any launch
void check_refused() {
    const gradsign_address dummy = test::poisoned(4);
    const int statuses[] = {gradsign_activation_forward(dummy, dummy, 4, 4), gradsign_activation_forward(dummy, dummy, -1, 0),
                            gradsign_activation_backward(dummy, dummy, dummy, 4, 4),
                            gradsign_activation_backward(dummy, dummy, dummy, 4, -1)};
    for (int status : statuses) {
        const bool ok = status == GRADSIGN_ERROR_INVALID_ARGUMENT;
        std::printf("%s refused: status %d\n", ok ? "ok  " : "FAIL", status);
        (ok ? test::passed : test::failed)++;
    }
    gradsign_free(dummy);
}

}  // namespace

int main() {
    test::require_device();
    // 1100003 floats: more float4s than the 1024 blocks of 256 threads cover, so the grid-stride loop comes round again
    const long long counts[] = {0, 1, 3, 1023, 1025, 100003, 1100003};
    const long long offset_sets[][3] = {{0, 0, 0}, {1, 1, 1}, {3, 3, 3}, {1, 0, 2}};
    unsigned seed = 1;
    for (int activation : {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_RELU, GRADSIGN_ACTIVATION_TANH,
                           GRADSIGN_ACTIVATION_SIGMOID}) {
        for (long long count : counts) {
            for (const auto& offsets : offset_sets) check(count, activation, offsets, false, seed++);
            check(count, activation, offset_sets[0], true, seed++);
            check(count, activation, offset_sets[1], true, seed++);
            // the forward step's offsets: y's and x's, as the first two of each set above
            for (const auto& offsets : offset_sets) check_forward(count, activation, offsets, false, seed++);
            check_forward(count, activation, offset_sets[1], true, seed++);
        }
    }
    check_forward_edges();
    check_refused();
    return test::summary();
}

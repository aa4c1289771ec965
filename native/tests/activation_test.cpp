// activation_test.cpp: gradsign_activation_backward through the C API against a host reference in double (activation_backward_kernel).
#include <cmath>
#include <cstdio>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

const char* name_of(int activation) {
    switch (activation) {
        case GRADSIGN_ACTIVATION_RELU: return "relu";
        case GRADSIGN_ACTIVATION_TANH: return "tanh";
        default: return "none";
    }
}

// y as the forward pass leaves it: relu's y is >= 0 with exact zeros, tanh's in (-1, 1), none's anything
std::vector<float> draw_output(int activation, unsigned seed, size_t count) {
    std::vector<float> y = test::uniform(seed, count, -3.0f, 3.0f);
    for (float& v : y) {
        if (activation == GRADSIGN_ACTIVATION_RELU) v = v > 0 ? v : 0.0f;
        if (activation == GRADSIGN_ACTIVATION_TANH) v = std::tanh(v);
    }
    return y;
}

std::vector<float> reference(int activation, const std::vector<float>& dy, const std::vector<float>& y) {
    std::vector<float> dpre(dy.size());
    for (size_t i = 0; i < dy.size(); ++i) {
        const double g = dy[i], a = y[i];
        double d = g;
        if (activation == GRADSIGN_ACTIVATION_RELU) d = a > 0 ? g : 0.0;
        if (activation == GRADSIGN_ACTIVATION_TANH) d = g * (1.0 - a * a);
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

}  // namespace

int main() {
    test::require_device();
    // 1100003 floats: more float4s than the 1024 blocks of 256 threads cover, so the grid-stride loop comes round again
    const long long counts[] = {0, 1, 3, 1023, 1025, 100003, 1100003};
    const long long offset_sets[][3] = {{0, 0, 0}, {1, 1, 1}, {3, 3, 3}, {1, 0, 2}};
    unsigned seed = 1;
    for (int activation : {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_RELU, GRADSIGN_ACTIVATION_TANH}) {
        for (long long count : counts) {
            for (const auto& offsets : offset_sets) check(count, activation, offsets, false, seed++);
            check(count, activation, offset_sets[0], true, seed++);
            check(count, activation, offset_sets[1], true, seed++);
        }
    }
    return test::summary();
}

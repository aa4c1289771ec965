// conv_test.cpp: gradsign_conv2d_forward, _backward_input and _backward_weights through the C API against a host reference in double.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// x (n, c, h, w), weights (k, c, r, s), y (n, k, p, q)
struct Shape {
    int n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w;
    int p() const { return (h + 2 * pad_h - r) / stride_h + 1; }
    int q() const { return (w + 2 * pad_w - s) / stride_w + 1; }
    size_t x_count() const { return static_cast<size_t>(n) * c * h * w; }
    size_t w_count() const { return static_cast<size_t>(k) * c * r * s; }
    size_t y_count() const { return static_cast<size_t>(n) * k * p() * q(); }
};

const char* activation_name(int activation) {
    switch (activation) {
        case GRADSIGN_ACTIVATION_RELU: return "relu";
        case GRADSIGN_ACTIVATION_TANH: return "tanh";
        case GRADSIGN_ACTIVATION_SIGMOID: return "sigmoid";
        default: return "none";
    }
}

double activate(double v, int activation) {
    if (activation == GRADSIGN_ACTIVATION_RELU) return v > 0 ? v : 0;
    if (activation == GRADSIGN_ACTIVATION_TANH) return std::tanh(v);
    if (activation == GRADSIGN_ACTIVATION_SIGMOID) return 1.0 / (1.0 + std::exp(-v));
    return v;
}

// A reference result and, per element, the sum of the magnitudes of its terms: the float sums may
// differ from the exact one by a few roundings of that size. |relu', tanh', sigmoid'| <= 1, so the
// same bound holds after the activation.
struct Reference {
    std::vector<float> values;
    std::vector<double> magnitudes;
};

// the input pixel under tap (dy, dx) of output pixel (oy, ox), or false in the padding
bool input_at(const Shape& g, int oy, int ox, int dy, int dx, int& iy, int& ix) {
    iy = oy * g.stride_h - g.pad_h + dy;
    ix = ox * g.stride_w - g.pad_w + dx;
    return iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
}

size_t x_index(const Shape& g, int n, int c, int iy, int ix) {
    return ((static_cast<size_t>(n) * g.c + c) * g.h + iy) * g.w + ix;
}
size_t w_index(const Shape& g, int k, int c, int dy, int dx) {
    return ((static_cast<size_t>(k) * g.c + c) * g.r + dy) * g.s + dx;
}
size_t y_index(const Shape& g, int n, int k, int oy, int ox) {
    return ((static_cast<size_t>(n) * g.k + k) * g.p() + oy) * g.q() + ox;
}

// the CPU references, with the kernels' operation names, written as the scatter of the forward
// definition (the kernels gather), so that the two do not share their index arithmetic
Reference conv2d_forward(const Shape& g, const std::vector<float>& x, const std::vector<float>& weights,
                         const std::vector<float>* bias, int activation) {
    std::vector<double> sums(g.y_count(), 0.0), magnitudes(g.y_count(), 0.0);
    for (int n = 0; n < g.n; ++n)
        for (int k = 0; k < g.k; ++k)
            for (int oy = 0; oy < g.p(); ++oy)
                for (int ox = 0; ox < g.q(); ++ox) {
                    const size_t o = y_index(g, n, k, oy, ox);
                    if (bias) {
                        sums[o] = (*bias)[k];
                        magnitudes[o] = std::fabs((*bias)[k]);
                    }
                    for (int c = 0; c < g.c; ++c)
                        for (int dy = 0; dy < g.r; ++dy)
                            for (int dx = 0; dx < g.s; ++dx) {
                                int iy, ix;
                                if (!input_at(g, oy, ox, dy, dx, iy, ix)) continue;
                                const double term = static_cast<double>(x[x_index(g, n, c, iy, ix)]) *
                                                    weights[w_index(g, k, c, dy, dx)];
                                sums[o] += term;
                                magnitudes[o] += std::fabs(term);
                            }
                }
    Reference reference{std::vector<float>(g.y_count()), magnitudes};
    for (size_t i = 0; i < sums.size(); ++i) reference.values[i] = static_cast<float>(activate(sums[i], activation));
    return reference;
}

Reference conv2d_backward_input(const Shape& g, const std::vector<float>& dy, const std::vector<float>& weights) {
    std::vector<double> sums(g.x_count(), 0.0), magnitudes(g.x_count(), 0.0);
    for (int n = 0; n < g.n; ++n)
        for (int k = 0; k < g.k; ++k)
            for (int oy = 0; oy < g.p(); ++oy)
                for (int ox = 0; ox < g.q(); ++ox) {
                    const double gradient = dy[y_index(g, n, k, oy, ox)];
                    for (int c = 0; c < g.c; ++c)
                        for (int ty = 0; ty < g.r; ++ty)
                            for (int tx = 0; tx < g.s; ++tx) {
                                int iy, ix;
                                if (!input_at(g, oy, ox, ty, tx, iy, ix)) continue;
                                const double term = gradient * weights[w_index(g, k, c, ty, tx)];
                                sums[x_index(g, n, c, iy, ix)] += term;
                                magnitudes[x_index(g, n, c, iy, ix)] += std::fabs(term);
                            }
                }
    return {std::vector<float>(sums.begin(), sums.end()), magnitudes};
}

void conv2d_backward_weights(const Shape& g, const std::vector<float>& dy, const std::vector<float>& x,
                             Reference& dweights, Reference& dbias) {
    std::vector<double> w(g.w_count(), 0.0), w_magnitudes(g.w_count(), 0.0), b(g.k, 0.0), b_magnitudes(g.k, 0.0);
    for (int n = 0; n < g.n; ++n)
        for (int k = 0; k < g.k; ++k)
            for (int oy = 0; oy < g.p(); ++oy)
                for (int ox = 0; ox < g.q(); ++ox) {
                    const double gradient = dy[y_index(g, n, k, oy, ox)];
                    b[k] += gradient;
                    b_magnitudes[k] += std::fabs(gradient);
                    for (int c = 0; c < g.c; ++c)
                        for (int ty = 0; ty < g.r; ++ty)
                            for (int tx = 0; tx < g.s; ++tx) {
                                int iy, ix;
                                if (!input_at(g, oy, ox, ty, tx, iy, ix)) continue;
                                const double term = gradient * x[x_index(g, n, c, iy, ix)];
                                w[w_index(g, k, c, ty, tx)] += term;
                                w_magnitudes[w_index(g, k, c, ty, tx)] += std::fabs(term);
                            }
                }
    dweights = {std::vector<float>(w.begin(), w.end()), w_magnitudes};
    dbias = {std::vector<float>(b.begin(), b.end()), b_magnitudes};
}

// |got - want| <= 1e-4 * magnitude + 1e-6 everywhere (NaN never passes); prints the worst element
// and the first few outside; fails an all-zero result where the reference is not all zero
constexpr double kRelativeTolerance = 1e-4;
constexpr double kAbsoluteTolerance = 1e-6;

void check_within(const char* what, const std::vector<float>& got, const Reference& want) {
    size_t wrong = 0, worst = 0;
    double worst_ratio = -1;
    bool any_nonzero_want = false, any_nonzero_got = false;
    for (size_t i = 0; i < want.values.size(); ++i) {
        const double allowed = kRelativeTolerance * want.magnitudes[i] + kAbsoluteTolerance;
        const double error = std::isnan(got[i]) ? INFINITY : std::fabs(static_cast<double>(got[i]) - want.values[i]);
        const double ratio = error / allowed;
        if (ratio > 1) {
            if (wrong < 3) std::printf("     [%zu]: got %.9g want %.9g (allowed %.3g)\n", i, got[i], want.values[i], allowed);
            ++wrong;
        }
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            worst = i;
        }
        any_nonzero_want |= want.values[i] != 0;
        any_nonzero_got |= got[i] != 0;
    }
    const bool ok = got.size() == want.values.size() && wrong == 0 && (any_nonzero_got || !any_nonzero_want);
    std::printf("%s %s", ok ? "ok  " : "FAIL", what);
    if (!want.values.empty()) {
        std::printf(" (worst [%zu]: got %.9g want %.9g, %.2g of the tolerance)", worst, got[worst], want.values[worst],
                    worst_ratio);
    }
    if (wrong) std::printf(" %zu of %zu outside tolerance", wrong, want.values.size());
    if (!any_nonzero_got && any_nonzero_want) std::printf(" all zero");
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
}

// bit for bit: the same launch twice gives the same floats (no float atomics, no order by timing)
void check_same_bits(const char* what, const std::vector<float>& got, const std::vector<float>& want) {
    const bool ok = got.size() == want.size() && std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0;
    std::printf("%s %s: run twice, same bits\n", ok ? "ok  " : "FAIL", what);
    (ok ? test::passed : test::failed)++;
}

void describe(char* text, size_t size, const char* operation, const Shape& g, const char* suffix) {
    std::snprintf(text, size, "%s n=%d c=%d %dx%d k=%d kernel %dx%d stride %dx%d pad %dx%d%s", operation, g.n, g.c, g.h,
                  g.w, g.k, g.r, g.s, g.stride_h, g.stride_w, g.pad_h, g.pad_w, suffix);
}

#define CONV_ARGS(g) g.n, g.c, g.h, g.w, g.k, g.r, g.s, g.stride_h, g.stride_w, g.pad_h, g.pad_w

// every activation, or (all_activations false, for the large shapes) none and sigmoid
void check_shape(const Shape& g, unsigned seed, bool all_activations) {
    const auto started = std::chrono::steady_clock::now();
    std::printf("shape n=%d c=%d %dx%d k=%d kernel %dx%d stride %dx%d pad %dx%d -> %dx%d seed=%u\n", g.n, g.c, g.h, g.w,
                g.k, g.r, g.s, g.stride_h, g.stride_w, g.pad_h, g.pad_w, g.p(), g.q(), seed);
    const std::vector<float> x = test::uniform(seed, g.x_count(), -1.0f, 1.0f);
    const std::vector<float> weights = test::uniform(seed + 1, g.w_count(), -1.0f, 1.0f);
    const std::vector<float> bias = test::uniform(seed + 2, g.k, -1.0f, 1.0f);
    const std::vector<float> dy = test::uniform(seed + 3, g.y_count(), -1.0f, 1.0f);
    const gradsign_address d_x = test::upload(x), d_weights = test::upload(weights), d_bias = test::upload(bias),
                           d_dy = test::upload(dy);
    char what[200];

    std::vector<int> activations = {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_SIGMOID};
    if (all_activations) activations = {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_RELU, GRADSIGN_ACTIVATION_TANH,
                                        GRADSIGN_ACTIVATION_SIGMOID};
    for (int activation : activations) {
        const gradsign_address d_y = test::poisoned(g.y_count());
        char suffix[32];
        std::snprintf(suffix, sizeof(suffix), " %s", activation_name(activation));
        describe(what, sizeof(what), "conv2d_forward", g, suffix);
        test::check_status(what, gradsign_conv2d_forward(d_y, d_x, d_weights, d_bias, CONV_ARGS(g), activation));
        const std::vector<float> got = test::download(d_y, g.y_count());
        check_within(what, got, conv2d_forward(g, x, weights, &bias, activation));
        if (activation == GRADSIGN_ACTIVATION_NONE) {
            test::check_status(what, gradsign_conv2d_forward(d_y, d_x, d_weights, d_bias, CONV_ARGS(g), activation));
            check_same_bits(what, test::download(d_y, g.y_count()), got);
        }
        gradsign_free(d_y);
    }

    {
        const gradsign_address d_dx = test::poisoned(g.x_count());
        describe(what, sizeof(what), "conv2d_backward_input", g, "");
        test::check_status(what, gradsign_conv2d_backward_input(d_dx, d_dy, d_weights, CONV_ARGS(g)));
        const std::vector<float> got = test::download(d_dx, g.x_count());
        check_within(what, got, conv2d_backward_input(g, dy, weights));
        test::check_status(what, gradsign_conv2d_backward_input(d_dx, d_dy, d_weights, CONV_ARGS(g)));
        check_same_bits(what, test::download(d_dx, g.x_count()), got);
        gradsign_free(d_dx);
    }

    {
        const gradsign_address d_dweights = test::poisoned(g.w_count()), d_dbias = test::poisoned(g.k);
        describe(what, sizeof(what), "conv2d_backward_weights", g, "");
        test::check_status(what, gradsign_conv2d_backward_weights(d_dweights, d_dbias, d_dy, d_x, CONV_ARGS(g)));
        Reference want_weights, want_bias;
        conv2d_backward_weights(g, dy, x, want_weights, want_bias);
        const std::vector<float> got = test::download(d_dweights, g.w_count());
        check_within(what, got, want_weights);
        test::check_status(what, gradsign_conv2d_backward_weights(d_dweights, d_dbias, d_dy, d_x, CONV_ARGS(g)));
        check_same_bits(what, test::download(d_dweights, g.w_count()), got);
        describe(what, sizeof(what), "conv2d_backward_weights", g, " bias");
        check_within(what, test::download(d_dbias, g.k), want_bias);
        gradsign_free(d_dweights);
        gradsign_free(d_dbias);
    }

    for (gradsign_address a : {d_x, d_weights, d_bias, d_dy}) gradsign_free(a);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("     took %.2f s\n", seconds);
}

// bias 0 adds nothing; dbias 0 skips the bias gradient and leaves dweights right
void check_without_bias(unsigned seed) {
    const Shape g{2, 3, 6, 9, 4, 3, 3, 1, 2, 1, 1};
    const std::vector<float> x = test::uniform(seed, g.x_count(), -1.0f, 1.0f);
    const std::vector<float> weights = test::uniform(seed + 1, g.w_count(), -1.0f, 1.0f);
    const std::vector<float> dy = test::uniform(seed + 2, g.y_count(), -1.0f, 1.0f);
    const gradsign_address d_x = test::upload(x), d_weights = test::upload(weights), d_dy = test::upload(dy),
                           d_y = test::poisoned(g.y_count()), d_dweights = test::poisoned(g.w_count());
    test::check_status("conv2d_forward without bias",
                       gradsign_conv2d_forward(d_y, d_x, d_weights, 0, CONV_ARGS(g), GRADSIGN_ACTIVATION_TANH));
    check_within("conv2d_forward without bias", test::download(d_y, g.y_count()),
                 conv2d_forward(g, x, weights, nullptr, GRADSIGN_ACTIVATION_TANH));
    test::check_status("conv2d_backward_weights without dbias",
                       gradsign_conv2d_backward_weights(d_dweights, 0, d_dy, d_x, CONV_ARGS(g)));
    Reference want_weights, want_bias;
    conv2d_backward_weights(g, dy, x, want_weights, want_bias);
    check_within("conv2d_backward_weights without dbias", test::download(d_dweights, g.w_count()), want_weights);
    for (gradsign_address a : {d_x, d_weights, d_dy, d_y, d_dweights}) gradsign_free(a);
}

// n = 0: the passes to y and dx do nothing (their outputs are empty) and succeed; the weights'
// gradients of an empty batch are zeros
void check_empty_batch() {
    const Shape g{0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1};
    const gradsign_address dummy = test::poisoned(16), d_dweights = test::poisoned(g.w_count()),
                           d_dbias = test::poisoned(g.k);
    test::check_status("conv2d_forward n=0",
                       gradsign_conv2d_forward(dummy, dummy, dummy, dummy, CONV_ARGS(g), GRADSIGN_ACTIVATION_RELU));
    test::check_status("conv2d_backward_input n=0", gradsign_conv2d_backward_input(dummy, dummy, dummy, CONV_ARGS(g)));
    test::check_status("conv2d_backward_weights n=0",
                       gradsign_conv2d_backward_weights(d_dweights, d_dbias, dummy, dummy, CONV_ARGS(g)));
    const std::vector<float> weights_zero(g.w_count(), 0.0f), bias_zero(g.k, 0.0f);
    test::check_close("conv2d_backward_weights n=0: dweights zero", test::download(d_dweights, g.w_count()),
                      weights_zero, 0.0f, 0.0f);
    test::check_close("conv2d_backward_weights n=0: dbias zero", test::download(d_dbias, g.k), bias_zero, 0.0f, 0.0f);
    const bool untouched = std::isnan(test::download(dummy, 16)[0]);
    std::printf("%s conv2d n=0 wrote nothing to y or dx\n", untouched ? "ok  " : "FAIL");
    (untouched ? test::passed : test::failed)++;
    for (gradsign_address a : {dummy, d_dweights, d_dbias}) gradsign_free(a);
}

// the C API refuses what it cannot run, before any launch (Java checks first; this is the C API's own guard)
void check_refused() {
    const gradsign_address dummy = test::poisoned(16);
    const int none = GRADSIGN_ACTIVATION_NONE;
    struct Call {
        const char* what;
        int status;
    };
    const Call calls[] = {
        {"conv2d_forward n -1", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, -1, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, none)},
        {"conv2d_forward c -1", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, -1, 3, 3, 1, 3, 3, 1, 1, 0, 0, none)},
        {"conv2d_forward activation 4", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, 4)},
        {"conv2d_forward activation -1", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, -1)},
        {"conv2d_forward kernel 0", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 0, 3, 1, 1, 0, 0, none)},
        {"conv2d_forward stride 0", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 3, 3, 1, 0, 0, 0, none)},
        {"conv2d_forward pad -1", gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 3, 3, 1, 1, -1, 0, none)},
        {"conv2d_forward kernel past the padded image",
         gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 4, 3, 1, 1, 0, 0, none)},
        {"conv2d_forward 2^31 elements",
         gradsign_conv2d_forward(dummy, dummy, dummy, dummy, 65536, 1, 256, 128, 1, 1, 1, 1, 1, 0, 0, none)},
        {"conv2d_backward_input k -1", gradsign_conv2d_backward_input(dummy, dummy, dummy, 1, 1, 3, 3, -1, 3, 3, 1, 1, 0, 0)},
        {"conv2d_backward_input stride -2", gradsign_conv2d_backward_input(dummy, dummy, dummy, 1, 1, 3, 3, 1, 3, 3, -2, 1, 0, 0)},
        {"conv2d_backward_weights h -1",
         gradsign_conv2d_backward_weights(dummy, dummy, dummy, dummy, 1, 1, -1, 3, 1, 3, 3, 1, 1, 0, 0)},
        {"conv2d_backward_weights kernel past the padded image",
         gradsign_conv2d_backward_weights(dummy, dummy, dummy, dummy, 1, 1, 3, 3, 1, 3, 6, 1, 1, 0, 1)},
    };
    for (const Call& call : calls) {
        const bool ok = call.status == GRADSIGN_ERROR_INVALID_ARGUMENT;
        std::printf("%s refused %s: status %d (%s)\n", ok ? "ok  " : "FAIL", call.what, call.status,
                    gradsign_last_error_message());
        (ok ? test::passed : test::failed)++;
    }
    const bool untouched = std::isnan(test::download(dummy, 16)[0]);
    std::printf("%s refused calls wrote nothing\n", untouched ? "ok  " : "FAIL");
    (untouched ? test::passed : test::failed)++;
    gradsign_free(dummy);
}

}  // namespace

int main() {
    test::require_device();
    // n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w
    const Shape shapes[] = {
        {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0},      // one image, one channel, no padding
        {1, 3, 7, 11, 5, 3, 3, 1, 1, 1, 1},     // non-square image, odd channel counts
        {3, 3, 7, 11, 7, 3, 2, 2, 1, 1, 0},     // non-square kernel, stride 2 down only
        {3, 5, 9, 9, 7, 5, 5, 2, 2, 2, 2},      // 5x5, stride 2, padding 2
        {2, 7, 8, 13, 3, 1, 5, 1, 2, 0, 2},     // 1x5, stride 2 across
        {1, 1, 28, 28, 5, 5, 5, 1, 1, 2, 2},    // an MNIST-sized first layer
        {3, 5, 13, 10, 33, 3, 3, 1, 1, 1, 1},   // no size a multiple of any tile
        {2, 3, 6, 6, 2, 6, 6, 3, 3, 0, 0},      // a kernel the size of the image: one output pixel
        {1, 2, 4, 5, 3, 3, 3, 2, 3, 2, 1},      // padding 2 with a 3x3 kernel: outputs over padding alone
        {4, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1},  // the larger shape of a small CNN's second layer
        {2, 33, 12, 12, 70, 3, 3, 2, 2, 1, 1},  // stride 2 over many channels: depth of many steps
        {2, 3, 7, 8, 4, 1, 2, 2, 3, 0, 1},      // strides above the kernel: input pixels no tap reaches
        {1, 2, 2, 5, 3, 2, 2, 3, 1, 1, 0},      // stride 3 over 2 rows: a phase without pixels
    };
    unsigned seed = 2000;
    for (const Shape& g : shapes) {
        check_shape(g, seed, true);
        seed += 10;
    }
    // 256 tiles of 64x64 or more: the wide tiling (forward and backward input at unit stride, then
    // backward input at stride 2); everything above takes the narrow one
    check_shape({4, 64, 64, 64, 3, 3, 3, 1, 1, 1, 1}, seed, false);
    check_shape({2, 32, 97, 97, 5, 3, 3, 2, 2, 1, 1}, seed + 10, false);
    check_without_bias(seed + 20);
    check_empty_batch();
    check_refused();
    return test::summary();
}

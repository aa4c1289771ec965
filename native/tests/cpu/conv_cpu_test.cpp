// conv_cpu_test.cpp: the CPU's stride-1 convolution without columns (gradsign_cpu_conv2d_padded, with its
// padding and weight layouts) of every instruction set this CPU has, forward (bias, ReLU) and as the
// backward pass to the input (flipped weights), against double references of the layer's forward pass
// and its gradient, within a bound on the float error of each sum (terms x 2^-22 x the sum of the
// terms' magnitudes); every output written (outputs poisoned with NaN), guards intact, the same bits
// whether the rows or the output channels are split or not; and the weight gradient (gradsign_cpu_conv2d_
// weights_gradient) against a double reference, split and accumulated, an infinite input included. Shapes: output channels around the blocks of 4 and 8, widths
// around vectors of 4, 8 and 16, odd heights, kernels of 1 to 5, padding from none past the kernel.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "cpu_isa.h"
#include "gradsign_cpu.h"

namespace {

int passed = 0;
int failed = 0;

struct Variant {
    const char* name;
    void (*padded)(float*, const float*, const float*, const float*, int, int, int, int, int, int, int, int, int);
    void (*pad)(float*, const float*, int, int, int, int, int, int, int);
    void (*weights)(float*, const float*, int, int, int, int, int, int, int);
    void (*weights_gradient)(float*, const float*, const float*, float*, int, int, int, int, int, int, int, int, int, int,
                             int);
};

// a layer: x (c, h, w), weights (k, c, r, s), stride 1, padding (ph, pw); y (k, p, q)
struct Shape {
    int c, k, h, w, r, s, ph, pw;
    int p() const { return h + 2 * ph - r + 1; }
    int q() const { return w + 2 * pw - s + 1; }
};

constexpr int kGuard = 37;
const float kSentinel = 4321.25f;

uint32_t bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

std::vector<float> draw(std::mt19937& random, size_t count, float scale) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    std::vector<float> v(count);
    for (float& f : v) f = uniform(random);
    return v;
}

// want and bound (per element: the sum of |terms| and the count of terms) of a run whose output
// (out_channels, oh, ow) is given by a callback adding the terms of one output
struct Expected {
    std::vector<double> value, magnitude;
    int terms = 0;
};

// y[o][y][x] = bias[o] + sum over i, r, s of w[o][i][r][s] x[i][y - ph + r][x - pw + s]
Expected forward_reference(const Shape& g, const std::vector<float>& x, const std::vector<float>& w,
                           const std::vector<float>& bias, bool relu) {
    Expected e;
    e.terms = g.c * g.r * g.s + 1;
    e.value.assign(static_cast<size_t>(g.k) * g.p() * g.q(), 0.0);
    e.magnitude.assign(e.value.size(), 0.0);
    for (int o = 0; o < g.k; o++)
        for (int py = 0; py < g.p(); py++)
            for (int px = 0; px < g.q(); px++) {
                double sum = bias.empty() ? 0.0 : bias[o], magnitude = std::fabs(sum);
                for (int i = 0; i < g.c; i++)
                    for (int r = 0; r < g.r; r++)
                        for (int s = 0; s < g.s; s++) {
                            int iy = py - g.ph + r, ix = px - g.pw + s;
                            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                            double t = static_cast<double>(w[((o * g.c + i) * g.r + r) * g.s + s]) *
                                       x[(static_cast<size_t>(i) * g.h + iy) * g.w + ix];
                            sum += t;
                            magnitude += std::fabs(t);
                        }
                size_t at = (static_cast<size_t>(o) * g.p() + py) * g.q() + px;
                e.value[at] = relu && !(sum > 0) ? 0.0 : sum;
                e.magnitude[at] = magnitude;
            }
    return e;
}

// dx[i][y][x] = sum over o, r, s of w[o][i][r][s] dy[o][y + ph - r][x + pw - s]
Expected backward_reference(const Shape& g, const std::vector<float>& dy, const std::vector<float>& w) {
    Expected e;
    e.terms = g.k * g.r * g.s;
    e.value.assign(static_cast<size_t>(g.c) * g.h * g.w, 0.0);
    e.magnitude.assign(e.value.size(), 0.0);
    for (int i = 0; i < g.c; i++)
        for (int iy = 0; iy < g.h; iy++)
            for (int ix = 0; ix < g.w; ix++) {
                double sum = 0.0, magnitude = 0.0;
                for (int o = 0; o < g.k; o++)
                    for (int r = 0; r < g.r; r++)
                        for (int s = 0; s < g.s; s++) {
                            int py = iy + g.ph - r, px = ix + g.pw - s;
                            if (py < 0 || py >= g.p() || px < 0 || px >= g.q()) continue;
                            double t = static_cast<double>(w[((o * g.c + i) * g.r + r) * g.s + s]) *
                                       dy[(static_cast<size_t>(o) * g.p() + py) * g.q() + px];
                            sum += t;
                            magnitude += std::fabs(t);
                        }
                size_t at = (static_cast<size_t>(i) * g.h + iy) * g.w + ix;
                e.value[at] = sum;
                e.magnitude[at] = magnitude;
            }
    return e;
}

void print_shape(const Shape& g) {
    std::printf("x (%d, %d, %d) -> %d channels, kernel %dx%d, padding %dx%d", g.c, g.h, g.w, g.k, g.r, g.s, g.ph,
                g.pw);
}

// the run in two ways (all rows at once; rows split in three ranges) into poisoned, guarded outputs;
// both against the reference, and against each other bit for bit
void check_run(const Variant& v, const Shape& g, const char* what, const Expected& want, int in_channels,
               int out_channels, int out_height, int out_width, int in_height, int in_width, int top, int left,
               const std::vector<float>& input, const std::vector<float>& weights_t, const float* bias, int activation) {
    int padded_height = out_height + g.r - 1, padded_width = out_width + g.s - 1;
    // the padded input with a guard after its slack: the kernel must not read past the slack, and
    // what it reads there must not reach an output (the guard holds NaN)
    size_t padded_count = static_cast<size_t>(in_channels) * padded_height * padded_width +
                          gradsign_cpu_conv2d_slack(padded_width);
    std::vector<float> padded(padded_count + kGuard, NAN);
    v.pad(padded.data(), input.data(), in_channels, in_height, in_width, top, left, padded_height, padded_width);
    for (size_t i = padded_count; i < padded.size(); i++) {
        if (!std::isnan(padded[i])) {
            failed++;
            std::printf("FAIL %s %s pad wrote past its slack\n", v.name, what);
            return;
        }
    }
    size_t count = static_cast<size_t>(out_channels) * out_height * out_width;
    std::vector<float> whole(count + 2 * kGuard, kSentinel), split(count + 2 * kGuard, kSentinel);
    std::fill(whole.begin() + kGuard, whole.begin() + kGuard + count, NAN);
    std::fill(split.begin() + kGuard, split.begin() + kGuard + count, NAN);
    v.padded(whole.data() + kGuard, padded.data(), weights_t.data(), bias, in_channels, out_channels, g.r, g.s,
             out_height, out_width, activation, 0, out_height);
    int cut1 = out_height / 3, cut2 = 2 * out_height / 3 + (out_height > 1);
    if (cut2 > out_height) cut2 = out_height;
    int cuts[4] = {0, cut1, cut2, out_height};
    for (int part = 2; part >= 0; part--) {
        v.padded(split.data() + kGuard, padded.data(), weights_t.data(), bias, in_channels, out_channels, g.r, g.s,
                 out_height, out_width, activation, cuts[part], cuts[part + 1]);
    }
    for (int i = 0; i < kGuard; i++) {
        if (whole[i] != kSentinel || whole[kGuard + count + i] != kSentinel || split[i] != kSentinel ||
            split[kGuard + count + i] != kSentinel) {
            failed++;
            std::printf("FAIL %s %s ", v.name, what);
            print_shape(g);
            std::printf(": written outside its output\n");
            return;
        }
    }
    bool non_zero = false;
    for (size_t i = 0; i < count; i++) {
        float got = whole[kGuard + i];
        double bound = 1e-30 + want.terms * 0x1p-22 * want.magnitude[i];
        non_zero |= got != 0.0f;
        if (!(std::fabs(got - want.value[i]) <= bound)) {
            failed++;
            std::printf("FAIL %s %s ", v.name, what);
            print_shape(g);
            std::printf(": element %zu got %.9g want %.9g (bound %.3g)\n", i, got, want.value[i], bound);
            return;
        }
        if (bits(got) != bits(split[kGuard + i])) {
            failed++;
            std::printf("FAIL %s %s ", v.name, what);
            print_shape(g);
            std::printf(": element %zu is %08x over all rows, %08x with the rows split\n", i, bits(got),
                        bits(split[kGuard + i]));
            return;
        }
    }
    if (!non_zero) {
        failed++;
        std::printf("FAIL %s %s ", v.name, what);
        print_shape(g);
        std::printf(": all zero, the test cannot fail\n");
        return;
    }
    passed++;
}

// output channels split in two ranges, each with its own slice of the weights (as the Java side splits
// one sample over the cores), against all channels at once: the same bits
void check_channel_split(const Variant& v, const Shape& g, const std::vector<float>& x, const std::vector<float>& w,
                         const std::vector<float>& bias) {
    int padded_height = g.p() + g.r - 1, padded_width = g.q() + g.s - 1;
    std::vector<float> padded(static_cast<size_t>(g.c) * padded_height * padded_width +
                              gradsign_cpu_conv2d_slack(padded_width));
    v.pad(padded.data(), x.data(), g.c, g.h, g.w, g.ph, g.pw, padded_height, padded_width);
    size_t plane = static_cast<size_t>(g.p()) * g.q();
    std::vector<float> whole(g.k * plane, NAN), split(g.k * plane, NAN);
    std::vector<float> weights_t(static_cast<size_t>(g.c) * g.r * g.s * gradsign_cpu_conv2d_weights_stride(g.k));
    v.weights(weights_t.data(), w.data(), g.k, g.c, g.r, g.s, 0, 0, g.k);
    v.padded(whole.data(), padded.data(), weights_t.data(), bias.data(), g.c, g.k, g.r, g.s, g.p(), g.q(),
             GRADSIGN_CPU_ACTIVATION_RELU, 0, g.p());
    int cuts[3] = {0, g.k / 2, g.k};
    for (int part = 0; part < 2; part++) {
        int from = cuts[part], to = cuts[part + 1];
        if (to == from) continue;
        std::fill(weights_t.begin(), weights_t.end(), NAN);
        v.weights(weights_t.data(), w.data(), g.k, g.c, g.r, g.s, 0, from, to);
        v.padded(split.data() + from * plane, padded.data(), weights_t.data(), bias.data() + from, g.c, to - from, g.r,
                 g.s, g.p(), g.q(), GRADSIGN_CPU_ACTIVATION_RELU, 0, g.p());
    }
    for (size_t i = 0; i < whole.size(); i++) {
        if (bits(whole[i]) != bits(split[i])) {
            failed++;
            std::printf("FAIL %s channels split ", v.name);
            print_shape(g);
            std::printf(": element %zu is %08x over all channels, %08x split\n", i, bits(whole[i]), bits(split[i]));
            return;
        }
    }
    passed++;
}

void run(const Variant& v, std::mt19937& random, const Shape& g) {
    std::vector<float> x = draw(random, static_cast<size_t>(g.c) * g.h * g.w, 1.0f);
    std::vector<float> w = draw(random, static_cast<size_t>(g.k) * g.c * g.r * g.s, 0.5f);
    std::vector<float> bias = draw(random, g.k, 0.5f);
    std::vector<float> dy = draw(random, static_cast<size_t>(g.k) * g.p() * g.q(), 1.0f);

    // forward: weights_t (c r s, ldw(k)); with and without ReLU (without: no bias)
    std::vector<float> weights_t(static_cast<size_t>(g.c) * g.r * g.s * gradsign_cpu_conv2d_weights_stride(g.k), NAN);
    v.weights(weights_t.data(), w.data(), g.k, g.c, g.r, g.s, 0, 0, g.k);
    check_run(v, g, "forward relu", forward_reference(g, x, w, bias, true), g.c, g.k, g.p(), g.q(), g.h, g.w, g.ph,
              g.pw, x, weights_t, bias.data(), GRADSIGN_CPU_ACTIVATION_RELU);
    check_run(v, g, "forward", forward_reference(g, x, w, {}, false), g.c, g.k, g.p(), g.q(), g.h, g.w, g.ph, g.pw, x,
              weights_t, nullptr, GRADSIGN_CPU_ACTIVATION_NONE);

    check_channel_split(v, g, x, w, bias);

    // backward to the input: dy padded by (r - 1 - ph, s - 1 - pw), flipped weights (k r s, ldw(c))
    std::vector<float> flipped(static_cast<size_t>(g.k) * g.r * g.s * gradsign_cpu_conv2d_weights_stride(g.c), NAN);
    v.weights(flipped.data(), w.data(), g.k, g.c, g.r, g.s, 1, 0, g.c);
    check_run(v, g, "backward input", backward_reference(g, dy, w), g.k, g.c, g.h, g.w, g.p(), g.q(), g.r - 1 - g.ph,
              g.s - 1 - g.pw, dy, flipped, nullptr, GRADSIGN_CPU_ACTIVATION_NONE);
}

// dw[k][i][r][s] = sum over samples and output pixels of dy[n][k][y][x] x[n][i][y - ph + r][x - pw + s]
Expected weights_gradient_reference(const Shape& g, int samples, const std::vector<float>& x,
                                    const std::vector<float>& dy) {
    Expected e;
    e.terms = samples * g.p() * g.q();
    size_t count = static_cast<size_t>(g.k) * g.c * g.r * g.s;
    e.value.assign(count, 0.0);
    e.magnitude.assign(count, 0.0);
    size_t in_sample = static_cast<size_t>(g.c) * g.h * g.w, out_sample = static_cast<size_t>(g.k) * g.p() * g.q();
    for (int k = 0; k < g.k; k++)
        for (int i = 0; i < g.c; i++)
            for (int r = 0; r < g.r; r++)
                for (int s = 0; s < g.s; s++) {
                    double sum = 0.0, magnitude = 0.0;
                    for (int n = 0; n < samples; n++)
                        for (int py = 0; py < g.p(); py++)
                            for (int px = 0; px < g.q(); px++) {
                                int iy = py - g.ph + r, ix = px - g.pw + s;
                                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                                double t = static_cast<double>(dy[n * out_sample + (static_cast<size_t>(k) * g.p() + py) * g.q() + px]) *
                                           x[n * in_sample + (static_cast<size_t>(i) * g.h + iy) * g.w + ix];
                                sum += t;
                                magnitude += std::fabs(t);
                            }
                    size_t at = ((static_cast<size_t>(k) * g.c + i) * g.r + r) * g.s + s;
                    e.value[at] = sum;
                    e.magnitude[at] = magnitude;
                }
    return e;
}

// the weight gradient of 3 samples against the reference within the bound; the output channels split
// in two ranges give the same bits; an infinite input turns only the gradients that multiply it
// non-finite
void run_weights_gradient(const Variant& v, std::mt19937& random, const Shape& g) {
    const int samples = 3;
    size_t in_sample = static_cast<size_t>(g.c) * g.h * g.w, out_sample = static_cast<size_t>(g.k) * g.p() * g.q();
    std::vector<float> x = draw(random, samples * in_sample, 1.0f);
    std::vector<float> dy = draw(random, samples * out_sample, 1.0f);
    std::vector<float> scratch(gradsign_cpu_conv2d_weights_gradient_scratch(g.c, g.r, g.s, g.p(), g.q(), g.k) + kGuard);
    for (int infinite = 0; infinite < 2; infinite++) {
        if (infinite) x[(static_cast<size_t>(g.c - 1) * g.h + g.h / 2) * g.w] = INFINITY;  // sample 0, a row's first column
        Expected want = weights_gradient_reference(g, samples, x, dy);
        size_t count = want.value.size();
        std::vector<float> whole(count + kGuard, kSentinel), split(count + kGuard, kSentinel);
        std::fill(whole.begin(), whole.begin() + count, NAN);
        std::fill(split.begin(), split.begin() + count, NAN);
        std::fill(scratch.begin(), scratch.end(), NAN);
        v.weights_gradient(whole.data(), dy.data(), x.data(), scratch.data(), samples, g.c, g.h, g.w, g.k, g.r, g.s, g.ph,
                           g.pw, 0, g.k);
        int cut = g.k / 2;
        for (int part = 1; part >= 0; part--) {
            int from = part == 0 ? 0 : cut, to = part == 0 ? cut : g.k;
            if (to > from) {
                v.weights_gradient(split.data(), dy.data(), x.data(), scratch.data(), samples, g.c, g.h, g.w, g.k, g.r,
                                   g.s, g.ph, g.pw, from, to);
            }
        }
        for (int i = 0; i < kGuard; i++) {
            if (whole[count + i] != kSentinel || split[count + i] != kSentinel) {
                failed++;
                std::printf("FAIL %s weights gradient ", v.name);
                print_shape(g);
                std::printf(": written past its end\n");
                return;
            }
        }
        for (size_t i = 0; i < count; i++) {
            float got = whole[i];
            bool fine = infinite ? std::isfinite(got) == std::isfinite(want.value[i])
                                 : std::fabs(got - want.value[i]) <= 1e-30 + want.terms * 0x1p-22 * want.magnitude[i];
            if (!fine || bits(got) != bits(split[i])) {
                failed++;
                std::printf("FAIL %s weights gradient%s ", v.name, infinite ? " (an infinite input)" : "");
                print_shape(g);
                std::printf(": element %zu got %.9g (split %.9g) want %.9g\n", i, got, split[i], want.value[i]);
                return;
            }
        }
        passed++;
    }
}

// ReLU's bits on special sums: NaN stays NaN, -0 becomes +0, positive values stay
void run_relu_bits(const Variant& v) {
    // one input channel, a 1x1 kernel of weight 1 (bias 0): out = relu(x)
    const float values[8] = {-0.0f, 0.0f, NAN, -1.0f, 2.5f, INFINITY, -INFINITY, 1e-40f};
    std::vector<float> padded(8 + gradsign_cpu_conv2d_slack(8), 0.0f);
    v.pad(padded.data(), values, 1, 1, 8, 0, 0, 1, 8);
    const float one[8] = {1.0f};
    std::vector<float> weights_t(gradsign_cpu_conv2d_weights_stride(1), 0.0f);
    v.weights(weights_t.data(), one, 1, 1, 1, 1, 0, 0, 1);
    float out[8];
    v.padded(out, padded.data(), weights_t.data(), nullptr, 1, 1, 1, 1, 1, 8, GRADSIGN_CPU_ACTIVATION_RELU, 0, 1);
    // 0 + 1 * v: -0 + 0 is +0 already; relu's own rule on the rest
    const float want[8] = {0.0f, 0.0f, NAN, 0.0f, 2.5f, INFINITY, 0.0f, 1e-40f};
    for (int i = 0; i < 8; i++) {
        bool same = (std::isnan(want[i]) && std::isnan(out[i])) || bits(want[i]) == bits(out[i]);
        if (!same) {
            failed++;
            std::printf("FAIL %s relu of %g: got %g (%08x)\n", v.name, values[i], out[i], bits(out[i]));
            return;
        }
    }
    passed++;
}

}  // namespace

int main() {
    std::vector<Variant> variants = {{"generic", gradsign_cpu_conv2d_padded_generic, gradsign_cpu_conv2d_pad_generic,
                                      gradsign_cpu_conv2d_weights_generic,
                                      gradsign_cpu_conv2d_weights_gradient_generic}};
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) {
        variants.push_back({"avx2", gradsign_cpu_conv2d_padded_avx2, gradsign_cpu_conv2d_pad_avx2,
                            gradsign_cpu_conv2d_weights_avx2, gradsign_cpu_conv2d_weights_gradient_avx2});
    }
    if (runs_avx512()) {
        variants.push_back({"avx512", gradsign_cpu_conv2d_padded_avx512, gradsign_cpu_conv2d_pad_avx512,
                            gradsign_cpu_conv2d_weights_avx512, gradsign_cpu_conv2d_weights_gradient_avx512});
    }
#endif
    unsigned seed = 20261204;
    std::printf("seed %u\n", seed);
    std::mt19937 random(seed);
    const Shape shapes[] = {
        // the CNN's two layers
        {1, 32, 28, 28, 3, 3, 1, 1}, {32, 64, 14, 14, 3, 3, 1, 1},
        // output channels around the blocks (1, 3, 4, 5, 7, 8, 9, 12, 17), widths around 4, 8, 16 lanes
        {2, 1, 5, 4, 3, 3, 1, 1}, {3, 3, 7, 3, 3, 3, 1, 1}, {2, 4, 6, 8, 3, 3, 1, 1}, {3, 5, 5, 9, 3, 3, 1, 1},
        {1, 7, 9, 15, 3, 3, 1, 1}, {2, 8, 4, 16, 3, 3, 1, 1}, {3, 9, 3, 17, 3, 3, 1, 1}, {4, 12, 5, 31, 3, 3, 1, 1},
        {2, 17, 2, 33, 3, 3, 1, 1},
        // kernels 1 to 5, non-square, no padding, padding past the kernel, one row
        {3, 8, 7, 11, 1, 1, 0, 0}, {3, 8, 7, 11, 5, 5, 2, 2}, {2, 9, 7, 11, 3, 5, 1, 2}, {2, 8, 9, 12, 3, 3, 0, 0},
        {2, 8, 5, 6, 3, 3, 3, 3}, {2, 8, 2, 2, 5, 5, 2, 2}, {3, 8, 1, 20, 1, 3, 0, 1},
    };
    for (const Variant& v : variants) {
        run_relu_bits(v);
        for (const Shape& g : shapes) {
            run(v, random, g);
            run_weights_gradient(v, random, g);
        }
    }
    std::printf("conv_cpu_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

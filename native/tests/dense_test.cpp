// dense_test.cpp: gradsign_dense_forward, _backward_input and _backward_weights through the C API against a host reference in double.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// a scratch for the products (gradsign_dense_scratch_bytes), zeroed once
gradsign_address new_scratch() {
    long long bytes = 0;
    gradsign_address scratch = 0;
    if (gradsign_dense_scratch_bytes(&bytes) != GRADSIGN_OK || gradsign_malloc(&scratch, bytes) != GRADSIGN_OK ||
        gradsign_memset(scratch, 0, bytes) != GRADSIGN_OK) {
        std::fprintf(stderr, "FAIL cannot allocate a dense scratch: %s\n", gradsign_last_error_message());
        std::exit(1);
    }
    return scratch;
}

// the scratch of every call on the main thread
gradsign_address dense_scratch() {
    static const gradsign_address scratch = new_scratch();
    return scratch;
}

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

// the CPU references, with the kernels' operation names; x (batch, in), weights (out, in), dy (batch, out)
std::vector<float> dense_forward(const std::vector<float>& x, const std::vector<float>& weights,
                                 const std::vector<float>* bias, int batch, int in, int out, int activation) {
    std::vector<float> y(static_cast<size_t>(batch) * out);
    for (int n = 0; n < batch; ++n) {
        for (int o = 0; o < out; ++o) {
            double sum = bias ? (*bias)[o] : 0.0;
            for (int i = 0; i < in; ++i) sum += static_cast<double>(x[static_cast<size_t>(n) * in + i]) * weights[static_cast<size_t>(o) * in + i];
            y[static_cast<size_t>(n) * out + o] = static_cast<float>(activate(sum, activation));
        }
    }
    return y;
}

std::vector<float> dense_backward_input(const std::vector<float>& dy, const std::vector<float>& weights, int batch,
                                        int in, int out) {
    std::vector<double> dx(static_cast<size_t>(batch) * in, 0.0);
    for (int n = 0; n < batch; ++n) {
        for (int o = 0; o < out; ++o) {
            const double g = dy[static_cast<size_t>(n) * out + o];
            for (int i = 0; i < in; ++i) dx[static_cast<size_t>(n) * in + i] += g * weights[static_cast<size_t>(o) * in + i];
        }
    }
    return std::vector<float>(dx.begin(), dx.end());
}

void dense_backward_weights(std::vector<float>& dweights, std::vector<float>& dbias, const std::vector<float>& dy,
                            const std::vector<float>& x, int batch, int in, int out) {
    std::vector<double> w(static_cast<size_t>(out) * in, 0.0), b(out, 0.0);
    for (int n = 0; n < batch; ++n) {
        for (int o = 0; o < out; ++o) {
            const double g = dy[static_cast<size_t>(n) * out + o];
            b[o] += g;
            for (int i = 0; i < in; ++i) w[static_cast<size_t>(o) * in + i] += g * x[static_cast<size_t>(n) * in + i];
        }
    }
    dweights.assign(w.begin(), w.end());
    dbias.assign(b.begin(), b.end());
}

// Inputs are uniform in [-1, 1], so every product has |p| <= 1 and the sums are ~sqrt(depth)/3.
// The kernel adds depth products in float, one rounding (2^-24 relative) per addition; those add
// up like a random walk to ~1e-8 * depth, and even the worst case of every rounding in one
// direction stays below 1e-5 * sqrt(depth) for the depths used here. A product left out (a lost
// tile edge or K-step) changes a result by ~0.3, far above this tolerance.
float tolerance(int depth) { return 1e-5f * std::sqrt(static_cast<float>(std::max(depth, 1))); }
constexpr float kRelativeTolerance = 1e-5f;

// the last output element of a shape sits in its last partial tile on both axes: it must be written
bool last_written(const std::vector<float>& values) { return !values.empty() && !std::isnan(values.back()); }

void check_edge(const char* what, const std::vector<float>& values) {
    const bool ok = last_written(values);
    std::printf("%s %s: last element %g\n", ok ? "ok  " : "FAIL", what, values.empty() ? NAN : values.back());
    (ok ? test::passed : test::failed)++;
}

// bit for bit, signed zeros and NaN included
void check_same_bits(const char* what, const std::vector<float>& got, const std::vector<float>& want) {
    size_t differ = 0, first = 0;
    for (size_t i = got.size(); i-- > 0;) {
        if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            differ++;
            first = i;
        }
    }
    const bool ok = got.size() == want.size() && differ == 0;
    std::printf("%s %s: %zu of %zu differ", ok ? "ok  " : "FAIL", what, differ, got.size());
    if (differ > 0) std::printf(" (first [%zu]: got %a want %a)", first, got[first], want[first]);
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
}

// the backward to the input with an epilogue gives the bits of the two operations it replaces: the
// product, then the activation's backward step in place or the sign step
void check_epilogues(int batch, int in, int out, const gradsign_address dweights_in, const gradsign_address ddy,
                     unsigned seed) {
    const size_t x_count = static_cast<size_t>(batch) * in;
    char what[160];
    for (int activation : {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_RELU, GRADSIGN_ACTIVATION_TANH,
                           GRADSIGN_ACTIVATION_SIGMOID}) {
        // a ReLU's output is zero or positive; tanh's anywhere in (-1, 1); a sigmoid's in (0, 1)
        std::vector<float> below = test::uniform(seed, x_count, -1.0f, 1.0f);
        if (activation == GRADSIGN_ACTIVATION_RELU) {
            for (float& v : below) v = v < 0.0f ? 0.0f : v;
        }
        if (activation == GRADSIGN_ACTIVATION_SIGMOID) {
            for (float& v : below) v = 0.5f + 0.499f * v;
        }
        const gradsign_address dbelow = test::upload(below), separate = test::poisoned(x_count),
                               fused = test::poisoned(x_count);
        std::snprintf(what, sizeof(what), "dense_backward_input_activation (%d,%d,%d) %s", batch, in, out,
                      activation_name(activation));
        test::check_status(what, gradsign_dense_backward_input(separate, ddy, dweights_in, batch, in, out, dense_scratch()));
        test::check_status(what, gradsign_activation_backward(separate, separate, dbelow,
                                                              static_cast<long long>(x_count), activation));
        test::check_status(what, gradsign_dense_backward_input_activation(fused, ddy, dweights_in, dbelow, activation,
                                                                          batch, in, out, dense_scratch()));
        check_same_bits(what, test::download(fused, x_count), test::download(separate, x_count));
        gradsign_free(dbelow);
        gradsign_free(separate);
        gradsign_free(fused);
    }

    // the image to step, in [0, 1] with a few pixels on the bounds
    std::vector<float> image = test::uniform(seed + 1, x_count, -0.2f, 1.2f);
    for (float& v : image) v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    const gradsign_address dimage = test::upload(image), separate_dx = test::poisoned(x_count),
                           separate_out = test::poisoned(x_count), fused_dx = test::poisoned(x_count),
                           fused_out = test::poisoned(x_count), in_place = test::upload(image);
    const float epsilon = 0.1f, lo = 0.0f, hi = 1.0f;
    std::snprintf(what, sizeof(what), "dense_backward_input_sign_step (%d,%d,%d)", batch, in, out);
    test::check_status(what, gradsign_dense_backward_input(separate_dx, ddy, dweights_in, batch, in, out, dense_scratch()));
    test::check_status(what, gradsign_sign_step(separate_out, dimage, separate_dx, static_cast<long long>(x_count),
                                                epsilon, lo, hi));
    test::check_status(what, gradsign_dense_backward_input_sign_step(fused_out, dimage, fused_dx, ddy, dweights_in,
                                                                     batch, in, out, epsilon, lo, hi, dense_scratch()));
    const std::vector<float> want_out = test::download(separate_out, x_count);
    check_same_bits(what, test::download(fused_dx, x_count), test::download(separate_dx, x_count));
    check_same_bits(what, test::download(fused_out, x_count), want_out);
    std::snprintf(what, sizeof(what), "dense_backward_input_sign_step (%d,%d,%d) in place", batch, in, out);
    test::check_status(what, gradsign_dense_backward_input_sign_step(in_place, in_place, fused_dx, ddy, dweights_in,
                                                                     batch, in, out, epsilon, lo, hi, dense_scratch()));
    check_same_bits(what, test::download(in_place, x_count), want_out);
    for (gradsign_address a : {dimage, separate_dx, separate_out, fused_dx, fused_out, in_place}) gradsign_free(a);
}

void check_shape(int batch, int in, int out, unsigned seed) {
    const auto started = std::chrono::steady_clock::now();
    const size_t x_count = static_cast<size_t>(batch) * in, w_count = static_cast<size_t>(out) * in,
                 y_count = static_cast<size_t>(batch) * out;
    const std::vector<float> x = test::uniform(seed, x_count, -1.0f, 1.0f);
    const std::vector<float> weights = test::uniform(seed + 1, w_count, -1.0f, 1.0f);
    const std::vector<float> bias = test::uniform(seed + 2, out, -1.0f, 1.0f);
    const std::vector<float> dy = test::uniform(seed + 3, y_count, -1.0f, 1.0f);
    std::printf("shape batch=%d in=%d out=%d seed=%u\n", batch, in, out, seed);

    const gradsign_address dx_in = test::upload(x), dweights_in = test::upload(weights), dbias_in = test::upload(bias),
                           ddy = test::upload(dy);
    char what[160];

    for (int activation : {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_RELU, GRADSIGN_ACTIVATION_TANH,
                           GRADSIGN_ACTIVATION_SIGMOID}) {
        const gradsign_address dy_out = test::poisoned(y_count);
        std::snprintf(what, sizeof(what), "dense_forward (%d,%d,%d) %s", batch, in, out, activation_name(activation));
        test::check_status(what, gradsign_dense_forward(dy_out, dx_in, dweights_in, dbias_in, batch, in, out, activation, dense_scratch()));
        const std::vector<float> got = test::download(dy_out, y_count);
        test::check_close(what, got, dense_forward(x, weights, &bias, batch, in, out, activation), tolerance(in),
                          kRelativeTolerance);
        if (activation == GRADSIGN_ACTIVATION_NONE && y_count > 0) check_edge(what, got);
        gradsign_free(dy_out);
    }

    {
        const gradsign_address ddx = test::poisoned(x_count);
        std::snprintf(what, sizeof(what), "dense_backward_input (%d,%d,%d)", batch, in, out);
        test::check_status(what, gradsign_dense_backward_input(ddx, ddy, dweights_in, batch, in, out, dense_scratch()));
        const std::vector<float> got = test::download(ddx, x_count);
        test::check_close(what, got, dense_backward_input(dy, weights, batch, in, out), tolerance(out),
                          kRelativeTolerance);
        if (x_count > 0) check_edge(what, got);
        gradsign_free(ddx);
    }
    check_epilogues(batch, in, out, dweights_in, ddy, seed + 4);

    {
        const gradsign_address ddw = test::poisoned(w_count), ddb = test::poisoned(out);
        std::snprintf(what, sizeof(what), "dense_backward_weights (%d,%d,%d)", batch, in, out);
        test::check_status(what, gradsign_dense_backward_weights(ddw, ddb, ddy, dx_in, batch, in, out, dense_scratch()));
        std::vector<float> want_w, want_b;
        dense_backward_weights(want_w, want_b, dy, x, batch, in, out);
        const std::vector<float> got_w = test::download(ddw, w_count);
        test::check_close(what, got_w, want_w, tolerance(batch), kRelativeTolerance);
        if (w_count > 0) check_edge(what, got_w);
        std::snprintf(what, sizeof(what), "dense_backward_weights (%d,%d,%d) bias", batch, in, out);
        test::check_close(what, test::download(ddb, out), want_b, tolerance(batch), kRelativeTolerance);
        gradsign_free(ddw);
        gradsign_free(ddb);
    }

    gradsign_free(dx_in);
    gradsign_free(dweights_in);
    gradsign_free(dbias_in);
    gradsign_free(ddy);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("     (%d,%d,%d) took %.2f s\n", batch, in, out, seconds);
}

// bias address 0 means no bias
void check_without_bias(unsigned seed) {
    const int batch = 9, in = 70, out = 66;
    const std::vector<float> x = test::uniform(seed, static_cast<size_t>(batch) * in, -1.0f, 1.0f);
    const std::vector<float> weights = test::uniform(seed + 1, static_cast<size_t>(out) * in, -1.0f, 1.0f);
    const gradsign_address dx_in = test::upload(x), dweights_in = test::upload(weights);
    const gradsign_address dy_out = test::poisoned(static_cast<size_t>(batch) * out);
    test::check_status("dense_forward without bias",
                       gradsign_dense_forward(dy_out, dx_in, dweights_in, 0, batch, in, out, GRADSIGN_ACTIVATION_NONE, dense_scratch()));
    test::check_close("dense_forward without bias (9,70,66)", test::download(dy_out, static_cast<size_t>(batch) * out),
                      dense_forward(x, weights, nullptr, batch, in, out, GRADSIGN_ACTIVATION_NONE), tolerance(in),
                      kRelativeTolerance);
    gradsign_free(dx_in);
    gradsign_free(dweights_in);
    gradsign_free(dy_out);
}

// empty shapes: batch 0 writes zero gradients, in 0 gives activation(bias), out 0 does nothing
void check_empty(unsigned seed) {
    const int in = 5, out = 7;
    const std::vector<float> bias = test::uniform(seed, out, -1.0f, 1.0f);
    const gradsign_address ddummy = test::upload(std::vector<float>(64, 1.0f));
    const gradsign_address dbias_in = test::upload(bias);

    const gradsign_address ddw = test::poisoned(static_cast<size_t>(out) * in), ddb = test::poisoned(out);
    test::check_status("dense_backward_weights batch 0", gradsign_dense_backward_weights(ddw, ddb, ddummy, ddummy, 0, in, out, dense_scratch()));
    test::check_close("dense_backward_weights batch 0: dweights zero", test::download(ddw, static_cast<size_t>(out) * in),
                      std::vector<float>(static_cast<size_t>(out) * in, 0.0f), 0.0f, 0.0f);
    test::check_close("dense_backward_weights batch 0: dbias zero", test::download(ddb, out),
                      std::vector<float>(out, 0.0f), 0.0f, 0.0f);
    gradsign_free(ddw);
    gradsign_free(ddb);

    // batch 0 forward and backward to the input, out 0 anything: nothing to write, success
    test::check_status("dense_forward batch 0", gradsign_dense_forward(ddummy, ddummy, ddummy, dbias_in, 0, in, out, GRADSIGN_ACTIVATION_TANH, dense_scratch()));
    test::check_status("dense_backward_input batch 0", gradsign_dense_backward_input(ddummy, ddummy, ddummy, 0, in, out, dense_scratch()));
    test::check_status("dense_forward out 0", gradsign_dense_forward(ddummy, ddummy, ddummy, dbias_in, 3, in, 0, GRADSIGN_ACTIVATION_NONE, dense_scratch()));
    test::check_status("dense_backward_input out 0 (dx zero-sized contraction)",
                       gradsign_dense_backward_input(ddummy, ddummy, ddummy, 3, 0, 0, dense_scratch()));
    test::check_status("dense_backward_weights out 0", gradsign_dense_backward_weights(ddummy, ddummy, ddummy, ddummy, 3, in, 0, dense_scratch()));

    const int batch = 3;
    for (int activation : {GRADSIGN_ACTIVATION_NONE, GRADSIGN_ACTIVATION_RELU, GRADSIGN_ACTIVATION_TANH,
                           GRADSIGN_ACTIVATION_SIGMOID}) {
        const gradsign_address dy_out = test::poisoned(static_cast<size_t>(batch) * out);
        char what[96];
        std::snprintf(what, sizeof(what), "dense_forward in 0 = %s(bias)", activation_name(activation));
        test::check_status(what, gradsign_dense_forward(dy_out, ddummy, ddummy, dbias_in, batch, 0, out, activation, dense_scratch()));
        std::vector<float> want(static_cast<size_t>(batch) * out);
        for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<float>(activate(bias[i % out], activation));
        test::check_close(what, test::download(dy_out, want.size()), want, tolerance(0), kRelativeTolerance);
        gradsign_free(dy_out);
    }

    // out 0 makes dy (batch, 0): dx = dy . weights is a sum of nothing, so zeros
    const gradsign_address ddx = test::poisoned(static_cast<size_t>(batch) * in);
    test::check_status("dense_backward_input out 0", gradsign_dense_backward_input(ddx, ddummy, ddummy, batch, in, 0, dense_scratch()));
    test::check_close("dense_backward_input out 0: dx zero", test::download(ddx, static_cast<size_t>(batch) * in),
                      std::vector<float>(static_cast<size_t>(batch) * in, 0.0f), 0.0f, 0.0f);
    gradsign_free(ddx);

    gradsign_free(ddummy);
    gradsign_free(dbias_in);
}

// the C API refuses negative sizes and unknown activations itself, before any launch (Java checks
// first; this is the C API's own guard)
void check_refused() {
    const gradsign_address dummy = test::poisoned(16);
    struct Call {
        const char* what;
        int status;
    };
    const Call calls[] = {
        {"dense_forward batch -1",
         gradsign_dense_forward(dummy, dummy, dummy, dummy, -1, 2, 2, GRADSIGN_ACTIVATION_NONE, dense_scratch())},
        {"dense_forward activation 7", gradsign_dense_forward(dummy, dummy, dummy, dummy, 1, 2, 2, 7, dense_scratch())},
        {"dense_forward activation 4", gradsign_dense_forward(dummy, dummy, dummy, dummy, 1, 2, 2, 4, dense_scratch())},
        {"dense_backward_input in -1", gradsign_dense_backward_input(dummy, dummy, dummy, 1, -1, 2, dense_scratch())},
        {"dense_backward_input_activation out -1",
         gradsign_dense_backward_input_activation(dummy, dummy, dummy, dummy, GRADSIGN_ACTIVATION_RELU, 1, 2, -1, dense_scratch())},
        {"dense_backward_input_activation activation 7",
         gradsign_dense_backward_input_activation(dummy, dummy, dummy, dummy, 7, 1, 2, 2, dense_scratch())},
        {"dense_backward_input_activation activation 4",
         gradsign_dense_backward_input_activation(dummy, dummy, dummy, dummy, 4, 1, 2, 2, dense_scratch())},
        {"dense_forward null scratch",
         gradsign_dense_forward(dummy, dummy, dummy, dummy, 1, 2, 2, GRADSIGN_ACTIVATION_NONE, 0)},
        {"dense_backward_weights null scratch", gradsign_dense_backward_weights(dummy, dummy, dummy, dummy, 1, 2, 2, 0)},
        {"dense_backward_input_sign_step batch -1",
         gradsign_dense_backward_input_sign_step(dummy, dummy, dummy, dummy, dummy, -1, 2, 2, 0.1f, 0.0f, 1.0f, dense_scratch())},
    };
    for (const Call& call : calls) {
        const bool ok = call.status == GRADSIGN_ERROR_INVALID_ARGUMENT;
        std::printf("%s refused %s: status %d\n", ok ? "ok  " : "FAIL", call.what, call.status);
        (ok ? test::passed : test::failed)++;
    }
    gradsign_free(dummy);
}

// Threads that each run products with split contractions on a scratch of their own give, every
// time, the bits of one thread alone: the scratch is theirs, not the process's (on the emulation
// each launch runs on its caller's thread, so these launches really overlap).
void check_concurrent_callers(unsigned seed) {
    const int batch = 16, in = 300, out = 200;  // 4 column tiles of 64: the products split their 19 steps
    const std::vector<float> x = test::uniform(seed, static_cast<size_t>(batch) * in, -1.0f, 1.0f);
    const std::vector<float> weights = test::uniform(seed + 1, static_cast<size_t>(out) * in, -0.1f, 0.1f);
    const std::vector<float> bias = test::uniform(seed + 2, out, -0.1f, 0.1f);
    const gradsign_address dx_in = test::upload(x), dweights = test::upload(weights), dbias = test::upload(bias);
    const gradsign_address alone = test::poisoned(static_cast<size_t>(batch) * out);
    test::check_status("concurrent callers: one alone",
                       gradsign_dense_forward(alone, dx_in, dweights, dbias, batch, in, out, GRADSIGN_ACTIVATION_NONE,
                                              dense_scratch()));
    const std::vector<float> want = test::download(alone, static_cast<size_t>(batch) * out);
    constexpr int kThreads = 4, kRounds = 8;
    int differing[kThreads] = {};
    int failures[kThreads] = {};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const gradsign_address scratch = new_scratch();
            const gradsign_address y = test::poisoned(static_cast<size_t>(batch) * out);
            for (int round = 0; round < kRounds; ++round) {
                if (gradsign_dense_forward(y, dx_in, dweights, dbias, batch, in, out, GRADSIGN_ACTIVATION_NONE,
                                           scratch) != GRADSIGN_OK ||
                    gradsign_synchronize() != GRADSIGN_OK) {
                    failures[t]++;
                    continue;
                }
                const std::vector<float> got = test::download(y, static_cast<size_t>(batch) * out);
                if (std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) != 0) differing[t]++;
            }
            gradsign_free(y);
            gradsign_free(scratch);
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) {
        const bool ok = differing[t] == 0 && failures[t] == 0;
        std::printf("%s concurrent callers: thread %d of %d, %d rounds: %d differ from one caller alone, %d failed\n",
                    ok ? "ok  " : "FAIL", t, kThreads, kRounds, differing[t], failures[t]);
        (ok ? test::passed : test::failed)++;
    }
    for (gradsign_address a : {dx_in, dweights, dbias, alone}) gradsign_free(a);
}

}  // namespace

int main() {
    test::require_device();
    struct Shape {
        int batch, in, out;
    };
    // batches of 1 to 8 take the few-rows kernels of the forward and the backward to the input (one
    // kernel per row count), 9 and up the tiled one
    const Shape shapes[] = {{1, 1, 1},     {1, 784, 10},   {1, 784, 512},  {1, 512, 784},   {2, 33, 1000},
                            {3, 5, 7},     {4, 1000, 31},  {5, 100, 70},   {6, 31, 257},    {7, 64, 64},
                            {8, 513, 40},  {9, 70, 3},     {33, 65, 17},   {64, 64, 64},    {65, 63, 129},
                            {100, 784, 10}, {257, 129, 300}, {256, 784, 512}};
    unsigned seed = 1000;
    for (const Shape& s : shapes) {
        check_shape(s.batch, s.in, s.out, seed);
        seed += 10;
    }
    check_without_bias(seed);
    check_empty(seed + 10);
    check_refused();
    check_concurrent_callers(seed + 20);
    return test::summary();
}

// step_timing.cpp: where one FGSM step of the MLP 784-512-512-10 spends its time, through the C API.
// A diagnostic, not a benchmark (the figures the README reports come from JMH): each operation timed
// with a synchronize after every call (latency) and 2000 calls in a row (the rate the GPU sustains,
// launches included), then the step as separate operations and as the fused one, with and without
// the copies of the images in and out. Built as step_timing (the emulation) and step_timing_cuda.
// usage: step_timing_cuda [batch (1)] [calls per figure (2000)]
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "gradsign.h"
#include "timing_support.h"

namespace {

using timing::allocate;
using timing::microseconds;
using timing::ok;

struct Operation {
    const char* name;
    std::function<int()> run;
};

// microseconds per call of every operation in order, calls times over
double per_step(const std::vector<Operation>& operations, int calls, const std::function<void()>& around = {}) {
    const double start = microseconds();
    for (int i = 0; i < calls; ++i) {
        for (const Operation& operation : operations) ok(operation.run());
        if (around) around();
    }
    ok(gradsign_synchronize());
    return (microseconds() - start) / calls;
}

}  // namespace

int main(int argc, char** argv) {
    int count = 0;
    if (gradsign_device_count(&count) != GRADSIGN_OK || count == 0) {
        std::printf("step_timing: no device\n");
        return 0;
    }
    const int batch = argc > 1 ? std::atoi(argv[1]) : 1;
    const int calls = argc > 2 ? std::atoi(argv[2]) : 2000;
    if (batch < 1 || calls < 1) {
        std::printf("usage: step_timing [batch >= 1] [calls >= 1]\n");
        return 2;
    }
    const int widths[4] = {784, 512, 512, 10};
    std::mt19937 random(1);
    auto filled = [&](long long floats) { return timing::filled(random, floats, -0.05f, 0.05f); };
    // weights (out, in), biases (out), outputs (batch, out), input gradients (batch, in) per layer
    gradsign_address w[3], b[3], y[3], g[3];
    for (int l = 0; l < 3; ++l) {
        w[l] = filled(static_cast<long long>(widths[l]) * widths[l + 1]);
        b[l] = filled(widths[l + 1]);
        y[l] = allocate(static_cast<long long>(batch) * widths[l + 1]);
        g[l] = allocate(static_cast<long long>(batch) * widths[l]);
    }
    const long long pixels = static_cast<long long>(batch) * 784;
    const gradsign_address x = filled(pixels), adversarial = allocate(pixels), probabilities = allocate(batch * 10LL),
                           losses = allocate(batch), logit_gradients = allocate(batch * 10LL),
                           labels = allocate(batch);
    ok(gradsign_memset(labels, 0, batch * 4LL));
    long long scratch_bytes = 0;  // the products' scratch (gradsign_dense_scratch_bytes), zeroed once
    ok(gradsign_dense_scratch_bytes(&scratch_bytes));
    const gradsign_address scratch = allocate((scratch_bytes + 3) / 4);
    ok(gradsign_memset(scratch, 0, scratch_bytes));
    std::vector<float> host(static_cast<size_t>(pixels), 0.5f);
    const int relu = GRADSIGN_ACTIVATION_RELU;

    const std::vector<Operation> forward = {
        {"forward 784->512 relu", [&] { return gradsign_dense_forward(y[0], x, w[0], b[0], batch, 784, 512, relu, scratch); }},
        {"forward 512->512 relu",
         [&] { return gradsign_dense_forward(y[1], y[0], w[1], b[1], batch, 512, 512, relu, scratch); }},
        {"forward 512->10", [&] { return gradsign_dense_forward(y[2], y[1], w[2], b[2], batch, 512, 10, 0, scratch); }},
        {"softmax cross-entropy", [&] {
             return gradsign_softmax_cross_entropy(probabilities, losses, logit_gradients, y[2], labels, batch, 10,
                                                   1.0f);
         }},
    };
    std::vector<Operation> separate = forward;
    separate.insert(separate.end(), {
        {"backward 10->512",
         [&] { return gradsign_dense_backward_input(g[2], logit_gradients, w[2], batch, 512, 10, scratch); }},
        {"relu backward, layer 2", [&] { return gradsign_activation_backward(g[2], g[2], y[1], batch * 512LL, relu); }},
        {"backward 512->512", [&] { return gradsign_dense_backward_input(g[1], g[2], w[1], batch, 512, 512, scratch); }},
        {"relu backward, layer 1", [&] { return gradsign_activation_backward(g[1], g[1], y[0], batch * 512LL, relu); }},
        {"backward 512->784", [&] { return gradsign_dense_backward_input(g[0], g[1], w[0], batch, 784, 512, scratch); }},
        {"sign step 784", [&] { return gradsign_sign_step(adversarial, x, g[0], pixels, 0.1f, 0.0f, 1.0f); }},
    });
    std::vector<Operation> fused = forward;
    fused.insert(fused.end(), {
        {"backward 10->512 + relu'", [&] {
             return gradsign_dense_backward_input_activation(g[2], logit_gradients, w[2], y[1], relu, batch, 512, 10, scratch);
         }},
        {"backward 512->512 + relu'", [&] {
             return gradsign_dense_backward_input_activation(g[1], g[2], w[1], y[0], relu, batch, 512, 512, scratch);
         }},
        {"backward 512->784 + sign", [&] {
             return gradsign_dense_backward_input_sign_step(adversarial, x, g[0], g[1], w[0], batch, 784, 512, 0.1f,
                                                            0.0f, 1.0f, scratch);
         }},
    });

    // warm-up: every kernel loaded and its weights in the cache
    per_step(separate, 200);
    per_step(fused, 200);
    std::printf("batch %d; microseconds per call: with a synchronize after each | %d in a row\n", batch, calls);
    std::vector<Operation> all = separate;
    all.insert(all.end(), fused.end() - 3, fused.end());
    for (const Operation& operation : all) {
        const std::vector<Operation> one = {operation};
        const double alone = per_step(one, calls, [] { ok(gradsign_synchronize()); });
        const double in_a_row = per_step(one, calls);
        std::printf("  %-26s %7.2f | %7.2f\n", operation.name, alone, in_a_row);
    }
    const std::vector<Operation> none;
    const double synchronize = per_step(none, calls, [] { ok(gradsign_synchronize()); });
    const double copy_in = per_step(none, calls, [&] { ok(gradsign_copy_to_device(x, host.data(), pixels)); });
    const double copy_out = per_step(none, calls, [&] { ok(gradsign_copy_to_host(host.data(), adversarial, pixels)); });
    std::printf("  synchronize alone %.2f, copy in %.2f, copy out %.2f\n", synchronize, copy_in, copy_out);
    auto copies = [&] {
        ok(gradsign_copy_to_host(host.data(), adversarial, pixels));
        ok(gradsign_copy_to_device(x, host.data(), pixels));
    };
    std::printf("  step as %zu operations: %.2f; with the copies: %.2f\n", separate.size(), per_step(separate, calls),
                per_step(separate, calls, copies));
    std::printf("  fused step, %zu launches: %.2f; with the copies: %.2f\n", fused.size(), per_step(fused, calls),
                per_step(fused, calls, copies));

    for (int l = 0; l < 3; ++l) {
        for (gradsign_address address : {w[l], b[l], y[l], g[l]}) ok(gradsign_free(address));
    }
    for (gradsign_address address : {x, adversarial, probabilities, losses, logit_gradients, labels, scratch}) {
        ok(gradsign_free(address));
    }
    return 0;
}

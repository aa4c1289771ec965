// conv_timing.cpp: each convolution and pooling kernel of the shipped CNN (conv32k3p1-relu-pool2-conv64k3p1-relu-pool2-...), timed through the C API.
// A diagnostic, not a benchmark: per kernel, calls in a row and then a synchronize (host clock),
// microseconds per call and the rate: GFLOP/s for a convolution (2 x its multiply-adds, the
// convolution's own: taps in the padding and the bias gradient not counted), GB/s for a pooling
// (the bytes it must move at least). Every output is checked to be finite and not all zero after
// its timing, so an empty or broken kernel cannot report a fast time. Built as conv_timing (the
// emulation: give it few calls) and conv_timing_cuda.
// usage: conv_timing_cuda [calls per figure (500)] [batch ... (1 64 256)]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gradsign.h"
#include "timing_support.h"

namespace {

using timing::allocate;
using timing::microseconds;
using timing::ok;

// a convolution of the CNN: x (n, c, h, w), weights (k, c, r, r), stride 1, padding r / 2, so y is
// (n, k, h, w); relu fused into the forward pass as the network does
struct ConvLayer {
    const char* name;
    int c, h, w, k, r;
};

// a 2x2 max pooling with stride 2 of x (n, c, h, w)
struct PoolLayer {
    const char* name;
    int c, h, w;
};

const ConvLayer kConvLayers[] = {{"conv1 1->32 3x3 28x28", 1, 28, 28, 32, 3},
                                 {"conv2 32->64 3x3 14x14", 32, 14, 14, 64, 3}};
const PoolLayer kPoolLayers[] = {{"pool1 2x2 32x28x28", 32, 28, 28},
                                 {"pool2 2x2 64x14x14", 64, 14, 14}};

// microseconds per call of run, after a synchronize that waits for the last of calls in a row
double per_call(const std::function<int()>& run, int calls) {
    for (int i = 0; i < calls; ++i) ok(run());  // warm-up: the kernel loaded, the buffers in the cache
    ok(gradsign_synchronize());
    const double start = microseconds();
    for (int i = 0; i < calls; ++i) ok(run());
    ok(gradsign_synchronize());
    return (microseconds() - start) / calls;
}

// the output of a timed kernel: finite and not all zero, or the tool stops
void check_written(const char* what, gradsign_address output, long long floats) {
    std::vector<float> host(static_cast<size_t>(floats));
    ok(gradsign_copy_to_host(host.data(), output, floats));
    long long non_zero = 0;
    for (float v : host) {
        if (!std::isfinite(v)) {
            std::printf("conv_timing: %s wrote %g\n", what, v);
            std::exit(1);
        }
        non_zero += v != 0.0f;
    }
    if (non_zero == 0) {
        std::printf("conv_timing: %s wrote only zeros\n", what);
        std::exit(1);
    }
}

void report(const std::string& what, double microseconds_per_call, double rate, const char* unit) {
    std::printf("  %-46s %10.2f %10.1f %s\n", what.c_str(), microseconds_per_call, rate, unit);
}

void time_conv(const ConvLayer& layer, int batch, int calls, std::mt19937& random) {
    const int n = batch, pad = layer.r / 2, p = layer.h, q = layer.w;
    const long long x_floats = static_cast<long long>(n) * layer.c * layer.h * layer.w;
    const long long w_floats = static_cast<long long>(layer.k) * layer.c * layer.r * layer.r;
    const long long y_floats = static_cast<long long>(n) * layer.k * p * q;
    const gradsign_address x = timing::filled(random, x_floats, 0.0f, 1.0f),
                           weights = timing::filled(random, w_floats, -0.2f, 0.2f),
                           bias = timing::filled(random, layer.k, -0.1f, 0.1f),
                           dy = timing::filled(random, y_floats, -1.0f, 1.0f), y = allocate(y_floats),
                           dx = allocate(x_floats), dweights = allocate(w_floats), dbias = allocate(layer.k);
    // each output pixel takes c*r*r taps per output channel; the two backward products have the same count
    const double flops = 2.0 * static_cast<double>(y_floats) * layer.c * layer.r * layer.r;
    auto gflops = [&](double us) { return flops / (us * 1e3); };
    const std::string name = layer.name;
    const int r = layer.r;

    double us = per_call([&] {
        return gradsign_conv2d_forward(y, x, weights, bias, n, layer.c, layer.h, layer.w, layer.k, r, r, 1, 1, pad, pad,
                                       GRADSIGN_ACTIVATION_RELU);
    }, calls);
    check_written((name + " forward").c_str(), y, y_floats);
    report(name + " forward + bias + relu", us, gflops(us), "GFLOP/s");

    us = per_call([&] {
        return gradsign_conv2d_backward_input(dx, dy, weights, n, layer.c, layer.h, layer.w, layer.k, r, r, 1, 1, pad,
                                              pad);
    }, calls);
    check_written((name + " backward input").c_str(), dx, x_floats);
    report(name + " backward input", us, gflops(us), "GFLOP/s");

    us = per_call([&] {
        return gradsign_conv2d_backward_weights(dweights, dbias, dy, x, n, layer.c, layer.h, layer.w, layer.k, r, r, 1,
                                                1, pad, pad);
    }, calls);
    check_written((name + " backward weights").c_str(), dweights, w_floats);
    check_written((name + " backward bias").c_str(), dbias, layer.k);
    report(name + " backward weights + bias", us, gflops(us), "GFLOP/s");

    for (gradsign_address address : {x, weights, bias, dy, y, dx, dweights, dbias}) ok(gradsign_free(address));
}

void time_pool(const PoolLayer& layer, int batch, int calls, std::mt19937& random) {
    const int n = batch, p = layer.h / 2, q = layer.w / 2;
    const long long x_floats = static_cast<long long>(n) * layer.c * layer.h * layer.w;
    const long long y_floats = static_cast<long long>(n) * layer.c * p * q;
    const gradsign_address x = timing::filled(random, x_floats, -1.0f, 1.0f),
                           dy = timing::filled(random, y_floats, -1.0f, 1.0f), y = allocate(y_floats),
                           argmax = allocate(y_floats), dx = allocate(x_floats);
    // forward: read x, write y and argmax (4 bytes each); backward: read dy and argmax, write dx
    const double forward_bytes = 4.0 * (x_floats + 2 * y_floats), backward_bytes = 4.0 * (2 * y_floats + x_floats);
    const std::string name = layer.name;

    double us = per_call([&] {
        return gradsign_max_pool2d_forward(y, argmax, x, n, layer.c, layer.h, layer.w, 2, 2, 2, 2);
    }, calls);
    check_written((name + " max forward").c_str(), y, y_floats);
    report(name + " max forward", us, forward_bytes / (us * 1e3), "GB/s");

    us = per_call([&] {
        return gradsign_max_pool2d_backward(dx, dy, argmax, n, layer.c, layer.h, layer.w, 2, 2, 2, 2);
    }, calls);
    check_written((name + " max backward").c_str(), dx, x_floats);
    report(name + " max backward", us, backward_bytes / (us * 1e3), "GB/s");

    for (gradsign_address address : {x, dy, y, argmax, dx}) ok(gradsign_free(address));
}

}  // namespace

int main(int argc, char** argv) {
    int devices = 0;
    if (gradsign_device_count(&devices) != GRADSIGN_OK || devices == 0) {
        std::printf("conv_timing: no device\n");
        return 0;
    }
    const int calls = argc > 1 ? std::atoi(argv[1]) : 500;
    std::vector<int> batches;
    for (int i = 2; i < argc; ++i) batches.push_back(std::atoi(argv[i]));
    if (batches.empty()) batches = {1, 64, 256};
    bool valid = calls >= 1;
    for (int batch : batches) valid = valid && batch >= 1;
    if (!valid) {
        std::printf("usage: conv_timing [calls per figure >= 1 (500)] [batch >= 1 ... (1 64 256)]\n");
        return 2;
    }

    char device[256] = {0};
    long long properties[GRADSIGN_PROPERTY_COUNT] = {0};
    ok(gradsign_device_properties(0, device, properties));
    std::printf("conv_timing on %s (%s); %d calls in a row per figure\n", device, gradsign_build_info(), calls);
    std::mt19937 random(1);
    for (int batch : batches) {
        std::printf("batch %d\n  %-46s %10s %10s\n", batch, "kernel", "us/call", "rate");
        for (const ConvLayer& layer : kConvLayers) time_conv(layer, batch, calls, random);
        for (const PoolLayer& layer : kPoolLayers) time_pool(layer, batch, calls, random);
    }
    return 0;
}

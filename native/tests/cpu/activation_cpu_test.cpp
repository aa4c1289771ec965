// activation_cpu_test.cpp: the CPU's ReLU and gradient-at-the-outputs kernels of every instruction
// set this CPU has, bit for bit against scalar references written as the Java loops they stand in for
// (Math.max(y, 0f); shares added in order, then times min(y 2^126 2^126, 1) with Java's Math.min),
// special values included, at counts around the vector widths.
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
    void (*relu)(float*, long long);
    void (*activation_gradient)(float*, const float*, long long, int, const float*, int, long long);
};

uint32_t bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

// Java's Math.max and Math.min: NaN if either is NaN, +0 above -0
float max_like_java(float a, float b) {
    if (a != a || b != b) return NAN;
    if (a == b) return static_cast<int32_t>(bits(a)) < 0 ? b : a;
    return a > b ? a : b;
}

float min_like_java(float a, float b) {
    if (a != a || b != b) return NAN;
    if (a == b) return static_cast<int32_t>(bits(a)) < 0 ? a : b;
    return a < b ? a : b;
}

// NaN compares by being NaN (any payload); everything else by its bits, so -0 and +0 differ
bool same(float a, float b) { return (a != a && b != b) || bits(a) == bits(b); }

const float kSpecial[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e-45f, -1e-45f, 1e-38f, 3e38f, -3e38f, INFINITY, -INFINITY, NAN};

float draw(std::mt19937& random, float scale) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    std::uniform_int_distribution<int> pick(0, sizeof kSpecial / sizeof kSpecial[0] - 1);
    return random() % 5 == 0 ? kSpecial[pick(random)] : uniform(random);
}

void run_relu(const Variant& v, std::mt19937& random, long long count) {
    std::vector<float> y(count);
    for (float& f : y) f = draw(random, 2.0f);
    std::vector<float> want(count);
    for (long long i = 0; i < count; i++) want[i] = max_like_java(y[i], 0.0f);
    v.relu(y.data(), count);
    for (long long i = 0; i < count; i++) {
        if (!same(y[i], want[i])) {
            failed++;
            std::printf("FAIL %s relu count=%lld: element %lld got %g (%08x) want %g (%08x)\n", v.name, count, i, y[i],
                        bits(y[i]), want[i], bits(want[i]));
            return;
        }
    }
    passed++;
}

void run_gradient(const Variant& v, std::mt19937& random, long long count, int share_count, int activation) {
    long long stride = count + static_cast<long long>(random() % 5);
    std::vector<float> dy(count), y(count), shares(static_cast<size_t>(stride) * (share_count > 0 ? share_count : 1));
    for (float& f : dy) f = draw(random, 1.0f);
    for (float& f : shares) f = draw(random, 1.0f);
    // outputs of a ReLU: mostly 0 or positive, some special values
    for (float& f : y) f = random() % 3 == 0 ? 0.0f : std::fabs(draw(random, 1.0f));
    std::vector<float> want(count);
    for (long long i = 0; i < count; i++) {
        float g = dy[i];
        for (int p = 0; p < share_count; p++) g = g + shares[p * stride + i];
        if (activation == GRADSIGN_CPU_ACTIVATION_RELU) g = g * min_like_java(y[i] * 0x1p126f * 0x1p126f, 1.0f);
        want[i] = g;
    }
    v.activation_gradient(dy.data(), share_count > 0 ? shares.data() : nullptr, stride, share_count,
                          activation == GRADSIGN_CPU_ACTIVATION_RELU ? y.data() : nullptr, activation, count);
    for (long long i = 0; i < count; i++) {
        if (!same(dy[i], want[i])) {
            failed++;
            std::printf("FAIL %s activation_gradient count=%lld shares=%d activation=%d: element %lld got %g (%08x) "
                        "want %g (%08x)\n", v.name, count, share_count, activation, i, dy[i], bits(dy[i]), want[i],
                        bits(want[i]));
            return;
        }
    }
    passed++;
}

}  // namespace

int main() {
    std::vector<Variant> variants = {{"generic", gradsign_cpu_relu_generic, gradsign_cpu_activation_gradient_generic}};
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) {
        variants.push_back({"avx2", gradsign_cpu_relu_avx2, gradsign_cpu_activation_gradient_avx2});
    }
    if (runs_avx512()) {
        variants.push_back({"avx512", gradsign_cpu_relu_avx512, gradsign_cpu_activation_gradient_avx512});
    }
#endif
    unsigned seed = 20261125;
    std::printf("seed %u\n", seed);
    std::mt19937 random(seed);
    const long long counts[] = {0, 1, 3, 4, 15, 16, 17, 31, 33, 256, 392, 1000, 1025};
    for (const Variant& v : variants) {
        for (long long count : counts) {
            run_relu(v, random, count);
            for (int shares = 0; shares <= 3; shares++) {
                run_gradient(v, random, count, shares, GRADSIGN_CPU_ACTIVATION_NONE);
                run_gradient(v, random, count, shares, GRADSIGN_CPU_ACTIVATION_RELU);
            }
        }
    }
    std::printf("activation_cpu_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

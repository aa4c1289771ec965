// sign_step_cpu_test.cpp: the CPU sign step of every instruction set this CPU has, bit for bit
// against a scalar reference with Java's max and min (the CUDA kernel's formula), special values
// included; and the scan for non-finite values.
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
    void (*sign_step)(float*, const float*, const float*, long long, float, float, float);
    long long (*first_non_finite)(const float*, long long);
};

uint32_t bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

// Math.max and Math.min of Java, as native/src/sign_step.cu writes them
float max_like_java(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return static_cast<int32_t>(bits(a)) < 0 ? b : a;
    return a > b ? a : b;
}

float min_like_java(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return static_cast<int32_t>(bits(a)) < 0 ? a : b;
    return a < b ? a : b;
}

float reference(float x, float g, float epsilon, float lo, float hi) {
    float sign = min_like_java(max_like_java(g * 0x1p126f * 0x1p126f, -1.0f), 1.0f);
    return min_like_java(max_like_java(x + epsilon * sign, lo), hi);
}

// NaN compares by being NaN (any payload); everything else by its bits, so -0 and +0 differ
bool same(float a, float b) { return (a != a && b != b) || bits(a) == bits(b); }

const float kSpecial[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 1e-45f, -1e-45f, 1e-38f, 3e38f, -3e38f,
                          INFINITY, -INFINITY, NAN, 0.05f, 0.95f, 2.0f, -2.0f};

void run(const Variant& v, std::mt19937& random, long long count, float epsilon, float lo, float hi, bool in_place) {
    std::uniform_real_distribution<float> uniform(-1.5f, 1.5f);
    std::uniform_int_distribution<int> pick(0, sizeof kSpecial / sizeof kSpecial[0] - 1);
    std::vector<float> x(count), g(count), out(count, NAN);
    for (long long i = 0; i < count; i++) {
        x[i] = random() % 4 == 0 ? kSpecial[pick(random)] : uniform(random);
        g[i] = random() % 4 == 0 ? kSpecial[pick(random)] : uniform(random);
    }
    std::vector<float> want(count);
    for (long long i = 0; i < count; i++) want[i] = reference(x[i], g[i], epsilon, lo, hi);
    if (in_place) {
        out = x;
        v.sign_step(out.data(), out.data(), g.data(), count, epsilon, lo, hi);
    } else {
        v.sign_step(out.data(), x.data(), g.data(), count, epsilon, lo, hi);
    }
    for (long long i = 0; i < count; i++) {
        if (!same(out[i], want[i])) {
            failed++;
            std::printf("FAIL %s sign_step count=%lld eps=%g lo=%g hi=%g%s: element %lld x=%g g=%g got %g (%08x) "
                        "want %g (%08x)\n", v.name, count, epsilon, lo, hi, in_place ? " in place" : "", i, x[i],
                        g[i], out[i], bits(out[i]), want[i], bits(want[i]));
            return;
        }
    }
    passed++;
}

void run_scan(const Variant& v, std::mt19937& random, long long count) {
    std::vector<float> values(count);
    std::uniform_real_distribution<float> uniform(-1e38f, 1e38f);
    for (float& f : values) f = uniform(random);
    long long want = -1;
    if (count > 0 && random() % 4 != 0) {
        // one or two non-finite values; the first one's index is the answer
        want = static_cast<long long>(random() % count);
        values[want] = random() % 2 ? NAN : (random() % 2 ? INFINITY : -INFINITY);
        long long later = want + static_cast<long long>(random() % (count - want));
        if (later != want) values[later] = INFINITY;
    }
    long long got = v.first_non_finite(values.data(), count);
    if (got == want) {
        passed++;
    } else {
        failed++;
        std::printf("FAIL %s first_non_finite count=%lld: got %lld want %lld\n", v.name, count, got, want);
    }
}

}  // namespace

int main() {
    std::vector<Variant> variants = {{"generic", gradsign_cpu_sign_step_generic, gradsign_cpu_first_non_finite_generic}};
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) {
        variants.push_back({"avx2", gradsign_cpu_sign_step_avx2, gradsign_cpu_first_non_finite_avx2});
    }
    if (runs_avx512()) {
        variants.push_back({"avx512", gradsign_cpu_sign_step_avx512, gradsign_cpu_first_non_finite_avx512});
    }
#endif
    unsigned seed = 20261125;
    std::printf("seed %u\n", seed);
    std::mt19937 random(seed);
    const long long counts[] = {0, 1, 3, 4, 15, 16, 17, 31, 33, 1000, 1023, 1024, 1025, 4099};
    // bounds with signed zeros on either side, infinite ones, and a zero-width range
    const float bounds[][2] = {{0.0f, 1.0f}, {-0.0f, 1.0f}, {-1.0f, -0.0f}, {-1.0f, 0.0f}, {-INFINITY, INFINITY},
                               {0.25f, 0.25f}, {-0.0f, 0.0f}};
    const float epsilons[] = {0.0f, 0.1f, 1e-30f, 3e38f};
    for (const Variant& v : variants) {
        for (long long count : counts) {
            for (const auto& bound : bounds) {
                for (float epsilon : epsilons) {
                    run(v, random, count, epsilon, bound[0], bound[1], false);
                    run(v, random, count, epsilon, bound[0], bound[1], true);
                }
            }
            run_scan(v, random, count);
            run_scan(v, random, count);
        }
    }
    std::printf("sign_step_cpu_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

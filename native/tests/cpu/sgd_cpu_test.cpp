// sgd_cpu_test.cpp: the CPU SGD step (momentum, weight decay) of every instruction set this CPU has,
// bit for bit against the scalar formula of native/src/sgd.cu (each product and sum rounded on its own),
// at counts that are and are not multiples of the vector width; a gradient of -0 keeps a velocity of -0
// where the weight decay is 0.
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

using Sgd = void (*)(float*, float*, const float*, long long, float, float, float);

uint32_t bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

void check(const char* name, Sgd sgd, long long count, float weight_decay, std::mt19937& random) {
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> p(count), v(count), g(count);
    for (long long i = 0; i < count; i++) {
        p[i] = uniform(random);
        v[i] = uniform(random) * 0.5f;
        g[i] = uniform(random);
    }
    v[0] = -0.0f;
    g[0] = -0.0f;
    std::vector<float> want_p = p, want_v = v;
    const float lr = 0.05f, m = 0.9f;
    for (long long i = 0; i < count; i++) {
        volatile float decay = weight_decay * want_p[i];
        float gi = weight_decay == 0.0f ? g[i] : g[i] + decay;
        volatile float mv = m * want_v[i];
        want_v[i] = mv + gi;
        volatile float step = lr * want_v[i];
        want_p[i] = want_p[i] - step;
    }
    sgd(p.data(), v.data(), g.data(), count, lr, m, weight_decay);
    for (long long i = 0; i < count; i++) {
        if (bits(p[i]) != bits(want_p[i]) || bits(v[i]) != bits(want_v[i])) {
            std::printf("FAIL %s count %lld decay %g at %lld: p %a want %a, v %a want %a\n", name, count,
                        weight_decay, i, p[i], want_p[i], v[i], want_v[i]);
            failed++;
            return;
        }
    }
    passed++;
}

}  // namespace

int main() {
    struct Variant {
        const char* name;
        Sgd sgd;
    };
    std::vector<Variant> variants = {{"generic", gradsign_cpu_sgd_momentum_generic}};
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) variants.push_back({"avx2", gradsign_cpu_sgd_momentum_avx2});
    if (runs_avx512()) variants.push_back({"avx512", gradsign_cpu_sgd_momentum_avx512});
#endif
    std::mt19937 random(20261207);
    for (const Variant& variant : variants) {
        for (long long count : {1LL, 3LL, 15LL, 16LL, 17LL, 1023LL, 100003LL}) {
            for (float weight_decay : {0.0f, 5e-4f, 0.3f}) {
                check(variant.name, variant.sgd, count, weight_decay, random);
            }
        }
    }
    std::printf("sgd_cpu_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

// packed_gemm_cpu_test.cpp: the batch's dense products over packed weights (gradsign_cpu_pack,
// gradsign_cpu_packed_gemm), for every instruction set this CPU has: against a double-precision
// reference on shapes that are not multiples of any tile or panel (rows 1, 2, 3, 17; k and n from 1
// to 1000+), for both packings (W^T forward, W backward) and every epilogue; bit for bit against the
// documented order (bias, then fused multiply-adds in ascending k) where the instruction set fuses;
// and the same bits whatever the split of the rows. Outputs start as NaN, so an element left unwritten fails.
#include <cmath>
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
    void (*pack)(float*, const float*, int, int, int, int);
    void (*gemm)(float*, int, const float*, int, const float*, int, int, int, const float*, int, const float*, int,
                 float*, int, float, float, float);
    bool fma;
};

std::vector<float> uniform(std::mt19937& random, size_t count, float lo, float hi) {
    std::uniform_real_distribution<float> distribution(lo, hi);
    std::vector<float> values(count);
    for (float& v : values) v = distribution(random);
    return values;
}

void report(bool ok, const char* variant, const char* what, int rows, int k, int n, const char* detail) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    std::printf("FAIL %s %s rows=%d k=%d n=%d: %s\n", variant, what, rows, k, n, detail);
}

float relu_derivative(float y) {
    float scaled = y * 0x1p126f * 0x1p126f;
    return scaled < 1.0f || scaled != scaled ? scaled : 1.0f;
}

float sign_step(float x, float g, float epsilon, float lo, float hi) {
    float sign = g * 0x1p126f * 0x1p126f;
    sign = sign < -1.0f ? -1.0f : sign > 1.0f ? 1.0f : sign;
    float v = x + epsilon * sign;
    return v < lo ? lo : v > hi ? hi : v;
}

// one shape and epilogue: b (k, n) given as W^T (transposed: w is (n, k)) or as W (k, n)
void run(const Variant& v, std::mt19937& random, int rows, int k, int n, bool transposed, int epilogue) {
    std::vector<float> w = uniform(random, static_cast<size_t>(k) * n, -1, 1);
    std::vector<float> a = uniform(random, static_cast<size_t>(rows) * k, -1, 1);
    std::vector<float> bias = uniform(random, n, -1, 1);
    // aux: a ReLU's outputs (a third exactly 0) or the image of a sign step
    std::vector<float> aux = uniform(random, static_cast<size_t>(rows) * n, 0, 1);
    for (size_t i = 1; i < aux.size(); i += 3) aux[i] = 0;
    auto b = [&](int kk, int j) { return transposed ? w[static_cast<size_t>(j) * k + kk] : w[static_cast<size_t>(kk) * n + j]; };
    std::vector<float> packed(gradsign_cpu_packed_size(k, n) + 1, NAN);
    v.pack(packed.data(), w.data(), transposed ? k : n, transposed ? 1 : 0, k, n);
    const float* with_bias = epilogue <= GRADSIGN_CPU_EPILOGUE_RELU ? bias.data() : nullptr;
    float epsilon = 0.1f;

    // the whole batch in one call, then rows split in three calls at odd bounds
    std::vector<float> c(static_cast<size_t>(rows) * n, NAN), stepped(c.size(), NAN);
    v.gemm(c.data(), n, a.data(), k, packed.data(), k, n, rows, with_bias, epilogue, aux.data(), n, stepped.data(), n,
           epsilon, 0.0f, 1.0f);
    std::vector<float> split(c.size(), NAN), split_stepped(c.size(), NAN);
    int bounds[] = {0, rows / 3, rows / 3 + (rows - rows / 3) / 2, rows};
    for (int part = 0; part < 3; part++) {
        int from = bounds[part], count = bounds[part + 1] - from;
        v.gemm(split.data() + static_cast<size_t>(from) * n, n, a.data() + static_cast<size_t>(from) * k, k,
               packed.data(), k, n, count, with_bias, epilogue, aux.data() + static_cast<size_t>(from) * n, n,
               split_stepped.data() + static_cast<size_t>(from) * n, n, epsilon, 0.0f, 1.0f);
    }

    bool close = true, exact = true, nonzero = false;
    char detail[200] = "";
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < n; j++) {
            double want = with_bias ? bias[j] : 0, scale = std::fabs(want);
            float order = with_bias ? bias[j] : 0.0f;
            for (int kk = 0; kk < k; kk++) {
                double term = static_cast<double>(a[static_cast<size_t>(r) * k + kk]) * b(kk, j);
                want += term;
                scale += std::fabs(term);
                order = std::fma(a[static_cast<size_t>(r) * k + kk], b(kk, j), order);
            }
            size_t i = static_cast<size_t>(r) * n + j;
            float y = aux[i];
            double want_c = want;
            float order_c = order;
            if (epilogue == GRADSIGN_CPU_EPILOGUE_RELU) {
                want_c = want > 0 ? want : 0;
                order_c = order > 0 ? order : 0.0f;
            } else if (epilogue == GRADSIGN_CPU_EPILOGUE_RELU_GRADIENT) {
                want_c = want * relu_derivative(y);
                order_c = order * relu_derivative(y);
            }
            if (!(std::fabs(c[i] - want_c) <= 1e-5 * scale + 1e-6)) {
                if (close) std::snprintf(detail, sizeof detail, "c[%d][%d] got %.9g want %.9g", r, j, c[i], want_c);
                close = false;
            }
            if (v.fma && std::memcmp(&c[i], &order_c, sizeof(float)) != 0) {
                if (exact && close) {
                    std::snprintf(detail, sizeof detail, "c[%d][%d] got %.9g, the documented order %.9g", r, j, c[i],
                                  order_c);
                }
                exact = false;
            }
            if (std::memcmp(&c[i], &split[i], sizeof(float)) != 0) {
                if (close && exact) std::snprintf(detail, sizeof detail, "c[%d][%d] differs when the rows are split", r, j);
                exact = false;
            }
            if (epilogue == GRADSIGN_CPU_EPILOGUE_SIGN_STEP) {
                float want_step = sign_step(y, c[i], epsilon, 0.0f, 1.0f);
                if (std::memcmp(&stepped[i], &want_step, sizeof(float)) != 0 ||
                    std::memcmp(&split_stepped[i], &want_step, sizeof(float)) != 0) {
                    if (close && exact) {
                        std::snprintf(detail, sizeof detail, "stepped[%d][%d] got %.9g want %.9g", r, j, stepped[i],
                                      want_step);
                    }
                    exact = false;
                }
            } else if (!std::isnan(stepped[i])) {
                exact = false;
                std::snprintf(detail, sizeof detail, "stepped written by epilogue %d", epilogue);
            }
            nonzero |= c[i] != 0;
        }
    }
    if (!nonzero) std::snprintf(detail, sizeof detail, "all zero");
    char what[64];
    std::snprintf(what, sizeof what, "%s epilogue %d", transposed ? "W^T" : "W", epilogue);
    report(close && exact && nonzero, v.name, what, rows, k, n, detail);
}

void run_all(const Variant& v) {
    std::mt19937 random(7);
    const int shapes[][3] = {{1, 1, 1},   {2, 3, 5},    {3, 17, 10},  {17, 33, 47},  {9, 784, 10},
                             {17, 10, 784}, {8, 512, 512}, {3, 1031, 17}, {19, 40, 1000}, {2, 300, 100}};
    for (const auto& shape : shapes) {
        for (int epilogue = GRADSIGN_CPU_EPILOGUE_NONE; epilogue <= GRADSIGN_CPU_EPILOGUE_SIGN_STEP; epilogue++) {
            run(v, random, shape[0], shape[1], shape[2], epilogue <= GRADSIGN_CPU_EPILOGUE_RELU, epilogue);
        }
        run(v, random, shape[0], shape[1], shape[2], false, GRADSIGN_CPU_EPILOGUE_NONE);
    }
}

}  // namespace

int main() {
#ifdef __FMA__
    const bool generic_fma = true;
#else
    const bool generic_fma = false;
#endif
    run_all({"generic", gradsign_cpu_pack_generic, gradsign_cpu_packed_gemm_generic, generic_fma});
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) run_all({"avx2", gradsign_cpu_pack_avx2, gradsign_cpu_packed_gemm_avx2, true});
    if (runs_avx512()) run_all({"avx512", gradsign_cpu_pack_avx512, gradsign_cpu_packed_gemm_avx512, true});
#endif
    std::printf("packed_gemm_cpu_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

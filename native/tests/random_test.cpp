// random_test.cpp: Philox4x32-10 against Random123's known answers, and gradsign_random_uniform / _normal against host references.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "../src/philox.cuh"
#include "gradsign.h"
#include "test_support.h"

namespace {

// Random123's known answers for philox4x32_10 (kat_vectors): counter, key, result
void check_known_answers() {
    const uint32_t vectors[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
         0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
         0x24126ea1}};
    for (const auto& v : vectors) {
        const gradsign::PhiloxWords got = gradsign::philox4x32_10(v[0], v[1], v[2], v[3], v[4], v[5]);
        const bool ok = got.w[0] == v[6] && got.w[1] == v[7] && got.w[2] == v[8] && got.w[3] == v[9];
        std::printf("%s philox4x32_10 counter %08x... key %08x...: %08x %08x %08x %08x\n", ok ? "ok  " : "FAIL", v[0],
                    v[4], got.w[0], got.w[1], got.w[2], got.w[3]);
        (ok ? test::passed : test::failed)++;
    }
}

// count floats at element offset `at` of a poisoned buffer: uniform (normal = false) or normal draws
std::vector<float> draw(long long count, long long at, uint64_t seed, uint64_t stream, bool normal, float low,
                        float high, int& status) {
    const gradsign_address buffer = test::poisoned(at + count);
    const gradsign_address out = buffer + static_cast<size_t>(at) * sizeof(float);
    status = normal ? gradsign_random_normal(out, count, static_cast<long long>(seed), static_cast<long long>(stream))
                    : gradsign_random_uniform(out, count, static_cast<long long>(seed), static_cast<long long>(stream),
                                              low, high);
    std::vector<float> got = test::download(out, count);
    gradsign_free(buffer);
    return got;
}

// element i = low + (high - low) u, u the top 24 bits of word i % 4 of block i / 4, within its float roundings;
// below high where low is 0 or -high (other bounds may round up to high itself)
void check_uniform(long long count, long long at, uint64_t seed, uint64_t stream, float low, float high) {
    const bool strict = low == 0.0f || low == -high;
    int status = 0;
    const std::vector<float> got = draw(count, at, seed, stream, false, low, high, status);
    std::vector<float> want(count);
    bool inside = true;
    for (long long i = 0; i < count; ++i) {
        const gradsign::PhiloxWords words = gradsign::philox_block(seed, stream, static_cast<uint64_t>(i) / 4);
        const double u = (words.w[i % 4] >> 8) * 0x1p-24;
        want[i] = static_cast<float>(low + (static_cast<double>(high) - low) * u);
        inside = inside && got[i] >= low && (got[i] < high || (!strict && got[i] == high));
    }
    char what[200];
    std::snprintf(what, sizeof what, "random_uniform count=%lld at=%lld seed=%llu stream=%llu [%g, %g)", count, at,
                  static_cast<unsigned long long>(seed), static_cast<unsigned long long>(stream), low, high);
    test::check_status(what, status);
    // high - low, the product and the sum each rounded in float: a few ulps of the larger bound
    test::check_close(what, got, want, 4e-7f * std::fmax(std::fabs(low), std::fabs(high)), 0.0f);
    std::printf("%s %s: every value in [low, high%s\n", inside ? "ok  " : "FAIL", what, strict ? ")" : "]");
    (inside ? test::passed : test::failed)++;
}

// elements 2k, 2k + 1 = Box-Muller of block k with libm's log, sqrt, cos and sin in long double
void check_normal(long long count, long long at, uint64_t seed, uint64_t stream) {
    int status = 0;
    const std::vector<float> got = draw(count, at, seed, stream, true, 0, 0, status);
    std::vector<float> want(count);
    for (long long i = 0; i < count; ++i) {
        const gradsign::PhiloxWords w = gradsign::philox_block(seed, stream, static_cast<uint64_t>(i) / 2);
        const uint64_t a = (static_cast<uint64_t>(w.w[0] >> 5) << 26) | (w.w[1] >> 6);
        const uint64_t b = (static_cast<uint64_t>(w.w[2] >> 5) << 26) | (w.w[3] >> 6);
        const long double u1 = (a + 1) * 0x1p-53L, u2 = b * 0x1p-53L;
        const long double r = std::sqrt(-2.0L * std::log(u1));
        const long double angle = 2.0L * 3.14159265358979323846264338327950288L * u2;
        want[i] = static_cast<float>(i % 2 == 0 ? r * std::cos(angle) : r * std::sin(angle));
    }
    char what[200];
    std::snprintf(what, sizeof what, "random_normal count=%lld at=%lld seed=%llu stream=%llu", count, at,
                  static_cast<unsigned long long>(seed), static_cast<unsigned long long>(stream));
    test::check_status(what, status);
    // the result is rounded to float once from a double within about 1e-15 of the exact value
    test::check_close(what, got, want, 1e-12f, 1.2e-7f);
    if (count < 100000) return;
    double sum = 0, squares = 0;
    for (float z : got) sum += z, squares += static_cast<double>(z) * z;
    const double mean = sum / count, variance = squares / count - mean * mean;
    const bool ok = std::fabs(mean) < 5 / std::sqrt(count) && std::fabs(variance - 1) < 5 * std::sqrt(2.0 / count);
    std::printf("%s %s: mean %.5f, variance %.5f\n", ok ? "ok  " : "FAIL", what, mean, variance);
    (ok ? test::passed : test::failed)++;
}

}  // namespace

int main() {
    test::require_device();
    check_known_answers();
    const uint64_t keys[][2] = {{0, 0}, {42, 7}, {~0ull, 0x8000000000000003ull}, {0x0123456789abcdefull, 1ull << 40}};
    // 1000003: more blocks than the 1024 blocks of 256 threads cover, so the grid-stride loop comes round
    for (long long count : {0LL, 1LL, 3LL, 4LL, 5LL, 4097LL, 1000003LL}) {
        for (const auto& key : keys) {
            for (long long at : {0LL, 1LL}) {
                check_uniform(count, at, key[0], key[1], -0.3f, 0.3f);
                check_normal(count, at, key[0], key[1]);
            }
        }
    }
    check_uniform(4097, 0, 5, 5, 0.0f, 1.0f);
    check_uniform(4097, 0, 5, 5, -3.0f, 1e-3f);
    int status = gradsign_random_uniform(0, -1, 0, 0, 0.0f, 1.0f);
    const bool refused = status == GRADSIGN_ERROR_INVALID_ARGUMENT &&
                         gradsign_random_normal(0, -1, 0, 0) == GRADSIGN_ERROR_INVALID_ARGUMENT;
    std::printf("%s a negative count is refused\n", refused ? "ok  " : "FAIL");
    (refused ? test::passed : test::failed)++;
    return test::summary();
}

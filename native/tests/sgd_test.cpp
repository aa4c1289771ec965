// sgd_test.cpp: gradsign_sgd_momentum through the C API against the host recurrence in double, with and without weight decay.
#include <cmath>
#include <cstdio>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// steps updates with a fresh gradient each; parameters, velocity and gradient sit offsets[0..2]
// floats into their allocations (equal offsets: float4 path after a scalar head; unequal: scalar).
// p and v are read as well as written, so they cannot be poisoned: instead every element's
// reference moves (non-zero gradients, non-zero starting velocity), so an element left unwritten fails.
void check(long long count, const long long offsets[3], int steps, float learning_rate, float momentum,
           float weight_decay, unsigned seed) {
    std::vector<float> p0 = test::uniform(seed, count, -1.0f, 1.0f);
    std::vector<float> v0 = test::uniform(seed + 1, count, -0.5f, 0.5f);
    std::vector<double> p(p0.begin(), p0.end()), v(v0.begin(), v0.end());

    std::vector<float> padded_p(offsets[0] + count, 0.0f), padded_v(offsets[1] + count, 0.0f);
    std::copy(p0.begin(), p0.end(), padded_p.begin() + offsets[0]);
    std::copy(v0.begin(), v0.end(), padded_v.begin() + offsets[1]);
    const gradsign_address d_p = test::upload(padded_p), d_v = test::upload(padded_v);
    gradsign_address d_g = 0;
    int status = gradsign_malloc(&d_g, (offsets[2] + count) * static_cast<long long>(sizeof(float)));
    const gradsign_address p_at = d_p + offsets[0] * sizeof(float), v_at = d_v + offsets[1] * sizeof(float),
                           g_at = d_g + offsets[2] * sizeof(float);

    for (int step = 0; step < steps && status == GRADSIGN_OK; ++step) {
        std::vector<float> g = test::uniform(seed + 100 + step, count, 0.1f, 1.0f);
        for (long long i = 0; i < count; i += 2) g[i] = -g[i];
        for (long long i = 0; i < count; ++i) {
            v[i] = momentum * v[i] + (g[i] + static_cast<double>(weight_decay) * p[i]);
            p[i] -= learning_rate * v[i];
        }
        status = gradsign_copy_to_device(g_at, g.data(), count);
        if (status == GRADSIGN_OK) {
            status = gradsign_sgd_momentum(p_at, v_at, g_at, count, learning_rate, momentum, weight_decay);
        }
    }
    if (status == GRADSIGN_OK) status = gradsign_synchronize();
    const std::vector<float> got_p = test::download(p_at, count), got_v = test::download(v_at, count);
    for (gradsign_address a : {d_p, d_v, d_g}) gradsign_free(a);

    char what[200];
    std::snprintf(what, sizeof(what), "count=%lld offsets=%lld,%lld,%lld steps=%d lr=%g momentum=%g decay=%g seed=%u",
                  count, offsets[0], offsets[1], offsets[2], steps, learning_rate, momentum, weight_decay, seed);
    test::check_status(what, status);
    char line[240];
    std::snprintf(line, sizeof(line), "velocity %s", what);
    test::check_close(line, got_v, std::vector<float>(v.begin(), v.end()), 1e-6f, 1e-5f);
    std::snprintf(line, sizeof(line), "parameters %s", what);
    test::check_close(line, got_p, std::vector<float>(p.begin(), p.end()), 1e-6f, 1e-5f);
}

}  // namespace

int main() {
    test::require_device();
    // 1100003 floats: more float4s than the 1024 blocks of 256 threads cover, so the grid-stride loop comes round again
    const long long counts[] = {0, 1, 3, 1023, 1025, 100003, 1100003};
    const long long offset_sets[][3] = {{0, 0, 0}, {1, 1, 1}, {3, 3, 3}, {2, 0, 1}};
    unsigned seed = 1;
    for (long long count : counts) {
        for (const auto& offsets : offset_sets) {
            check(count, offsets, 1, 0.1f, 0.9f, 0.0f, seed);
            seed += 1000;
            // weight decay: large enough (0.5 * |p| up to 0.5 against |g| >= 0.1) that leaving it out fails
            check(count, offsets, 1, 0.1f, 0.9f, 0.5f, seed);
            seed += 1000;
        }
        // several steps: the velocity carries earlier gradients forward
        check(count, offset_sets[0], 6, 0.05f, 0.9f, 0.0f, seed);
        seed += 1000;
        check(count, offset_sets[1], 4, 0.01f, 0.5f, 0.0f, seed);
        seed += 1000;
        check(count, offset_sets[3], 5, 0.05f, 0.9f, 5e-4f, seed);
        seed += 1000;
        check(count, offset_sets[2], 5, 0.05f, 0.9f, 0.3f, seed);
        seed += 1000;
        // momentum 0 is plain SGD
        check(count, offset_sets[0], 3, 0.1f, 0.0f, 0.0f, seed);
        seed += 1000;
        check(count, offset_sets[0], 3, 0.1f, 0.0f, 0.2f, seed);
        seed += 1000;
    }
    return test::summary();
}

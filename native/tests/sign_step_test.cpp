// sign_step_test.cpp: gradsign_sign_step through the C API against a host reference (sign_step_kernel).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// the formula of Backend.signStep, written with plain comparisons: NaN in x or g gives NaN,
// a zero gradient leaves x as it is (x + eps * (+-0))
float reference(float x, float g, float epsilon, float lo, float hi) {
    if (std::isnan(x) || std::isnan(g)) return NAN;
    const float sign = g > 0.0f ? 1.0f : (g < 0.0f ? -1.0f : g);
    float moved = x + epsilon * sign;
    if (moved < lo || (moved == lo && std::signbit(moved))) moved = lo;
    if (moved > hi || (moved == hi && !std::signbit(moved))) moved = hi;
    return moved;
}

// bit for bit, all NaNs alike
bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(float)) == 0; }

// runs the step on count floats starting offset floats into fresh allocations
void check(long long count, long long offset, unsigned seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-0.5f, 1.5f);
    std::vector<float> x(count), g(count), out(count, NAN);
    for (long long i = 0; i < count; ++i) {
        x[i] = uniform(random);
        g[i] = (i % 7 == 3) ? 0.0f : uniform(random) - 0.5f;
    }
    const long long bytes = (count + offset) * static_cast<long long>(sizeof(float));
    gradsign_address dx = 0, dg = 0, dout = 0;
    int status = gradsign_malloc(&dx, bytes) | gradsign_malloc(&dg, bytes) | gradsign_malloc(&dout, bytes);
    const gradsign_address shift = static_cast<gradsign_address>(offset) * sizeof(float);
    status |= gradsign_copy_to_device(dx + shift, x.data(), count);
    status |= gradsign_copy_to_device(dg + shift, g.data(), count);
    status |= gradsign_sign_step(dout + shift, dx + shift, dg + shift, count, 0.25f, 0.0f, 1.0f);
    status |= gradsign_copy_to_host(out.data(), dout + shift, count);
    status |= gradsign_free(dx) | gradsign_free(dg) | gradsign_free(dout);
    long long wrong = 0, first = -1;
    for (long long i = 0; i < count; ++i) {
        if (!same(out[i], reference(x[i], g[i], 0.25f, 0.0f, 1.0f))) {
            if (first < 0) first = i;
            ++wrong;
        }
    }
    const bool ok = status == GRADSIGN_OK && wrong == 0;
    std::printf("%s sign_step count=%lld offset=%lld seed=%u", ok ? "ok  " : "FAIL", count, offset, seed);
    if (status != GRADSIGN_OK) std::printf(" status=%d (%s)", status, gradsign_last_error_message());
    if (wrong) std::printf(" wrong=%lld first=%lld got=%g want=%g", wrong, first, out[first],
                           reference(x[first], g[first], 0.25f, 0.0f, 1.0f));
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
}

}  // namespace

int main() {
    test::require_device();
    const long long counts[] = {1, 3, 4, 5, 31, 32, 33, 1023, 1024, 1025, 100003};
    unsigned seed = 1;
    for (long long count : counts) {
        for (long long offset : {0LL, 1LL, 2LL, 3LL}) check(count, offset, seed++);
    }
    // an allocation the device refuses leaves CUDA's last-error state set until it is read: the next
    // kernel must still report its own status (on a GPU the launch used to return the stale error)
    gradsign_address huge = 0;
    const bool refused = gradsign_malloc(&huge, 1LL << 50) != GRADSIGN_OK;
    std::printf("%s a 1 PiB allocation is refused\n", refused ? "ok  " : "FAIL");
    (refused ? test::passed : test::failed)++;
    if (!refused) gradsign_free(huge);
    check(1025, 1, seed++);
    return test::summary();
}

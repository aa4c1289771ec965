// test_support.h: what the C API tests share: device setup, random inputs, tolerant comparison, the summary line.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "gradsign.h"

namespace test {

inline int passed = 0;
inline int failed = 0;

// prints the build and returns; exits with 77 (ctest's "skipped") where the library sees no device:
// only the real CUDA build can, the emulation always has its one device
inline void require_device() {
    std::printf("%s\n", gradsign_build_info());
    int devices = 0;
    if (gradsign_device_count(&devices) != GRADSIGN_OK || devices == 0) {
        std::printf("skipped, needs a CUDA device: none found\n");
        std::exit(77);
    }
}

inline std::vector<float> uniform(unsigned seed, size_t count, float lo, float hi) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> distribution(lo, hi);
    std::vector<float> values(count);
    for (float& v : values) v = distribution(random);
    return values;
}

// device copy of host floats (or ints); freed by the caller with gradsign_free
template <typename T>
gradsign_address upload(const std::vector<T>& host) {
    gradsign_address address = 0;
    const long long bytes = static_cast<long long>(host.size() * sizeof(T));
    if (gradsign_malloc(&address, bytes) != GRADSIGN_OK) return 0;
    if (bytes > 0) gradsign_copy_to_device(address, reinterpret_cast<const float*>(host.data()), bytes / 4);
    return address;
}

// a device buffer of count floats, filled with NaN so that an element a kernel forgets fails the check
inline gradsign_address poisoned(size_t count) {
    return upload(std::vector<float>(count, NAN));
}

inline std::vector<float> download(gradsign_address address, size_t count) {
    std::vector<float> host(count);
    if (count > 0) gradsign_copy_to_host(host.data(), address, static_cast<long long>(count));
    return host;
}

// |got - want| <= atol + rtol * |want| everywhere (NaN never passes); prints the worst element and
// counts the check; also fails an all-zero result where want is not all zero
inline bool check_close(const char* what, const std::vector<float>& got, const std::vector<float>& want, float atol,
                        float rtol) {
    size_t worst = 0, wrong = 0;
    double worst_excess = -1;
    bool any_nonzero_want = false, any_nonzero_got = false;
    for (size_t i = 0; i < want.size(); ++i) {
        const double error = std::fabs(static_cast<double>(got[i]) - want[i]);
        const double allowed = atol + rtol * std::fabs(want[i]);
        const double excess = std::isnan(got[i]) ? 1e30 : error - allowed;
        if (excess > 0) ++wrong;
        if (excess > worst_excess) {
            worst_excess = excess;
            worst = i;
        }
        any_nonzero_want |= want[i] != 0;
        any_nonzero_got |= got[i] != 0;
    }
    const bool ok = got.size() == want.size() && wrong == 0 && (any_nonzero_got || !any_nonzero_want);
    std::printf("%s %s", ok ? "ok  " : "FAIL", what);
    if (!want.empty()) std::printf(" (worst [%zu]: got %.9g want %.9g)", worst, got[worst], want[worst]);
    if (wrong) std::printf(" %zu of %zu outside tolerance", wrong, want.size());
    std::printf("\n");
    (ok ? passed : failed)++;
    return ok;
}

inline void check_status(const char* what, int status) {
    if (status != GRADSIGN_OK) {
        std::printf("FAIL %s: status %d (%s)\n", what, status, gradsign_last_error_message());
        ++failed;
    }
}

// the closing line ctest output is read for; non-zero exit on any failure
inline int summary() {
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace test

// timing_support.h: what the timing tools share: a checked C API call, device buffers, a host clock.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "gradsign.h"

namespace timing {

// a diagnostic has no caller to hand a status to: it prints the C API's message and stops
inline void ok(int status) {
    if (status != GRADSIGN_OK) {
        std::printf("error %d: %s\n", status, gradsign_last_error_message());
        std::exit(1);
    }
}

inline gradsign_address allocate(long long floats) {
    gradsign_address address = 0;
    ok(gradsign_malloc(&address, floats * static_cast<long long>(sizeof(float))));
    return address;
}

// floats drawn uniformly from [lo, hi), copied to a new allocation
inline gradsign_address filled(std::mt19937& random, long long floats, float lo, float hi) {
    std::uniform_real_distribution<float> uniform(lo, hi);
    std::vector<float> host(static_cast<size_t>(floats));
    for (float& v : host) v = uniform(random);
    const gradsign_address address = allocate(floats);
    ok(gradsign_copy_to_device(address, host.data(), floats));
    return address;
}

inline double microseconds() {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace timing

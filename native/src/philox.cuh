// philox.cuh: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011; Random123).
#pragma once

#include <cstdint>

// host and device alike, and plain C++ without cuda_compat.cuh, so the native tests check the known
// answers of this very function (the CPU twin is cpu/Philox.java)
#if defined(__CUDACC__) || defined(GRADSIGN_EMULATION)
#define GRADSIGN_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GRADSIGN_HOST_DEVICE inline
#endif

namespace gradsign {

struct PhiloxWords {
    uint32_t w[4];
};

// the four words at counter (c0, c1, c2, c3) under key (k0, k1): ten rounds, the key bumped by the
// Weyl constants before every round but the first
GRADSIGN_HOST_DEVICE PhiloxWords philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                                               uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const uint64_t product0 = static_cast<uint64_t>(0xD2511F53u) * c0;
        const uint64_t product1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
        const uint32_t next0 = static_cast<uint32_t>(product1 >> 32) ^ c1 ^ k0;
        const uint32_t next1 = static_cast<uint32_t>(product1);
        const uint32_t next2 = static_cast<uint32_t>(product0 >> 32) ^ c3 ^ k1;
        const uint32_t next3 = static_cast<uint32_t>(product0);
        c0 = next0;
        c1 = next1;
        c2 = next2;
        c3 = next3;
    }
    return {{c0, c1, c2, c3}};
}

// gradsign's use: key = seed's halves (low first), counter = (block's halves, stream's halves)
GRADSIGN_HOST_DEVICE PhiloxWords philox_block(uint64_t seed, uint64_t stream, uint64_t block) {
    return philox4x32_10(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                         static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32),
                         static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

}  // namespace gradsign

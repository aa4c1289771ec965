// divisor.cuh: integer division by a value known at launch, as a multiply and a shift, for the index splits of the conv and pool kernels.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// n / value for 0 <= n < 2^31 and 1 <= value < 2^31 (Granlund and Montgomery's magic number). A GPU
// divides integers in software, about 20 instructions; the conv kernels split an index into
// (image, row, column) or (channel, tap row, tap column) for every load of every step, and this takes
// one wide multiply and a shift. With l = ceil(log2 value): multiplier = ceil(2^(31 + l) / value) <
// 2^32, and n * multiplier / 2^(31 + l) exceeds n / value by less than 2^-l <= 1 / value, too little to
// reach the next integer. Made on the host; value 0 gives 0 for every n (a size that is never split).
struct Divisor {
    int value;
    // below 2^32, so the product is a 32 x 32 -> 64-bit multiply (one wide multiply on a GPU)
    unsigned multiplier;
    int shift;

    Divisor() = default;

    explicit Divisor(int divisor) : value(divisor), multiplier(0), shift(0) {
        if (divisor <= 0) return;
        int log2_ceiling = 0;
        while ((1LL << log2_ceiling) < divisor) ++log2_ceiling;
        shift = 31 + log2_ceiling;
        const unsigned long long d = static_cast<unsigned long long>(divisor);
        multiplier = static_cast<unsigned>(((1ULL << shift) + d - 1) / d);
    }

    __host__ __device__ __forceinline__ int quotient(int n) const {
        const unsigned long long product = static_cast<unsigned long long>(static_cast<unsigned>(n)) * multiplier;
        return static_cast<int>(product >> shift);
    }
};

}  // namespace gradsign

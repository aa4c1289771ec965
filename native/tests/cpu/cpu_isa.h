// cpu_isa.h: whether this CPU runs the CPU kernels' AVX2 and AVX-512 copies (the features dispatch.c
// asks for), for the tests that check every copy; each says so when it skips one. x86 only: the
// other copies exist only there.
#ifndef GRADSIGN_TESTS_CPU_ISA_H
#define GRADSIGN_TESTS_CPU_ISA_H

#include <cstdio>

#if defined(__x86_64__) || defined(__i386__)
inline bool runs_avx2() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return true;
    std::printf("skipped avx2: this CPU lacks AVX2 or FMA\n");
    return false;
}

inline bool runs_avx512() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        return true;
    }
    std::printf("skipped avx512: this CPU lacks AVX-512 F/DQ/VL\n");
    return false;
}
#endif

#endif  // GRADSIGN_TESTS_CPU_ISA_H

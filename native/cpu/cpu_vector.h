/* cpu_vector.h: what the CPU kernels share: a vector of GRADSIGN_CPU_LANES floats (GCC's vector
   extension, one register of the widest kind the translation unit is compiled for), its loads and
   stores (whole, or the first lanes of one), broadcast and select by lane, and VARIANT(name), which
   gives each instruction set's copy of a kernel its own name (name_avx512, name_avx2, name_generic). */
#ifndef GRADSIGN_CPU_VECTOR_H
#define GRADSIGN_CPU_VECTOR_H

#include <string.h>

#ifndef GRADSIGN_CPU_LANES
#error "compile with -DGRADSIGN_CPU_LANES=<floats per vector> -DGRADSIGN_CPU_SUFFIX=<isa>"
#endif

#define GRADSIGN_CPU_GLUE2(a, b) a##_##b
#define GRADSIGN_CPU_GLUE(a, b) GRADSIGN_CPU_GLUE2(a, b)
#define VARIANT(name) GRADSIGN_CPU_GLUE(name, GRADSIGN_CPU_SUFFIX)

enum { LANES = GRADSIGN_CPU_LANES };

typedef float vec __attribute__((vector_size(LANES * sizeof(float)), may_alias));
typedef int ivec __attribute__((vector_size(LANES * sizeof(int)), may_alias));

/* unaligned load and store: Java arrays and their offsets promise only 4-byte alignment */
static inline vec load(const float* p) {
    vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store(float* p, vec v) { memcpy(p, &v, sizeof v); }

/* s in every lane: s - 0 is s for every float, -0 included (0 + s would turn -0 into +0), and
   compiles to one broadcast (a loop over the lanes compiled to sixteen masked ones) */
static inline vec broadcast(float s) { return s - (vec){0}; }

/* c + a b, in one rounding where the instruction set has a fused multiply-add (AVX2, AVX-512), in
   two otherwise (x86-64 without FMA cannot fuse them): spelled out for kernels whose order of
   operations is documented, because whether the compiler contracts a * b + c depends on the loop
   around it and on its version (GCC 12 fused a dot product's loop that GCC 13 did not; a tail
   vectorized across rows came out unfused) */
static inline float madd(float a, float b, float c) {
#ifdef __FMA__
    return __builtin_fmaf(a, b, c);
#else
    return c + a * b;
#endif
}

#if defined(__AVX512F__) && GRADSIGN_CPU_LANES == 16
#include <immintrin.h>
static inline vec vmadd(vec a, vec b, vec c) { return (vec)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c); }
#elif defined(__FMA__) && GRADSIGN_CPU_LANES == 8
#include <immintrin.h>
static inline vec vmadd(vec a, vec b, vec c) { return (vec)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
#else
static inline vec vmadd(vec a, vec b, vec c) { return c + a * b; }
#endif

/* lane l holds l */
#if GRADSIGN_CPU_LANES == 16
static const ivec lane_index = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#elif GRADSIGN_CPU_LANES == 8
static const ivec lane_index = {0, 1, 2, 3, 4, 5, 6, 7};
#elif GRADSIGN_CPU_LANES == 4
static const ivec lane_index = {0, 1, 2, 3};
#endif

/* where mask (all ones or all zeros per lane) is set, a; elsewhere b */
static inline vec select_lanes(ivec mask, vec a, vec b) { return (vec)((mask & (ivec)a) | (~mask & (ivec)b)); }

static inline ivec select_ints(ivec mask, ivec a, ivec b) { return (mask & a) | (~mask & b); }

/* Java's Math.max(v, 0f): v above 0 and NaN stay, everything else (-0 included) is +0 */
static inline vec relu_vector(vec v) { return select_lanes((v > 0.0f) | (v != v), v, (vec){0}); }

/* ActivationBackward.reluDerivative: min(y 2^126 2^126, 1) as Java's Math.min, NaN staying NaN */
static inline vec relu_derivative_vector(vec y) {
    vec scaled = y * 0x1p126f * 0x1p126f;
    return select_lanes((scaled < 1.0f) | (scaled != scaled), scaled, broadcast(1.0f));
}

/* the sign step on one vector; lo and hi are never NaN (the Java side checks them):
   - sign: g * 2^252 is beyond +-1 for every non-zero float; clamped it is +-1, +-0 for +-0, NaN for
     NaN (a comparison with NaN is false, so NaN passes through each clamp);
   - Java's max(v, lo) is lo below lo, v above or NaN, and at v == lo the bits of both ANDed (+0 wins
     over -0, and equal non-zero values have equal bits); min(v, hi) alike with the bits ORed. */
/* (shared by the sign step and the packed products' epilogue, sign_step_cpu.c and packed_gemm_cpu.c) */
static inline vec sign_step_vector(vec x, vec g, vec epsilon, vec lo, vec hi, vec minus_one, vec one) {
    vec scaled = g * 0x1p126f * 0x1p126f;
    vec sign = select_lanes(scaled < minus_one, minus_one, scaled);
    sign = select_lanes(sign > one, one, sign);
    vec v = x + epsilon * sign;
    v = select_lanes(v < lo, lo, select_lanes(v == lo, (vec)((ivec)v & (ivec)lo), v));
    v = select_lanes(v > hi, hi, select_lanes(v == hi, (vec)((ivec)v | (ivec)hi), v));
    return v;
}

static inline ivec load_ints(const int* p) {
    ivec v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store_ints(int* p, ivec v) { memcpy(p, &v, sizeof v); }

/* the first n of LANES lanes (0 <= n <= LANES) from p, the others 0, and back: for the end of a row
   that is not a whole vector, reading and writing nothing past p + n (AVX-512 masks them; elsewhere
   a copy of n floats (AVX2 masks the loads alone: its masked stores are slow on AMD's cores), which the
   kernels take once per row at most) */
#if defined(__AVX512F__) && GRADSIGN_CPU_LANES == 16
static inline __mmask16 first_lanes(int n) { return (__mmask16)((1u << n) - 1u); }
static inline vec load_first(const float* p, int n) { return (vec)_mm512_maskz_loadu_ps(first_lanes(n), p); }
static inline void store_first(float* p, vec v, int n) { _mm512_mask_storeu_ps(p, first_lanes(n), (__m512)v); }
static inline ivec load_first_ints(const int* p, int n) {
    return (ivec)_mm512_maskz_loadu_epi32(first_lanes(n), p);
}
static inline void store_first_ints(int* p, ivec v, int n) { _mm512_mask_storeu_epi32(p, first_lanes(n), (__m512i)v); }
#elif defined(__AVX2__) && GRADSIGN_CPU_LANES == 8
static inline vec load_first(const float* p, int n) {
    return (vec)_mm256_maskload_ps(p, (__m256i)(lane_index < n));
}
static inline void store_first(float* p, vec v, int n) { memcpy(p, &v, (size_t)n * sizeof(float)); }
static inline ivec load_first_ints(const int* p, int n) {
    ivec v = {0};
    memcpy(&v, p, (size_t)n * sizeof(int));
    return v;
}
static inline void store_first_ints(int* p, ivec v, int n) { memcpy(p, &v, (size_t)n * sizeof(int)); }
#else
static inline vec load_first(const float* p, int n) {
    vec v = {0};
    memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}
static inline void store_first(float* p, vec v, int n) { memcpy(p, &v, (size_t)n * sizeof(float)); }
static inline ivec load_first_ints(const int* p, int n) {
    ivec v = {0};
    memcpy(&v, p, (size_t)n * sizeof(int));
    return v;
}
static inline void store_first_ints(int* p, ivec v, int n) { memcpy(p, &v, (size_t)n * sizeof(int)); }
#endif

#endif /* GRADSIGN_CPU_VECTOR_H */

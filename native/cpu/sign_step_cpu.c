/* sign_step_cpu.c: the CPU backend's fused sign step, x' = clip(x + eps*sign(g), lo, hi), and the
   scan for non-finite inputs, over vectors of GRADSIGN_CPU_LANES floats (see dense_cpu.c for how
   each instruction set gets its copy). The sign step gives the same bits as the CUDA kernel
   (native/src/sign_step.cu) and as Java's Math.max and Math.min: NaN in, NaN out; +0 above -0. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

void VARIANT(gradsign_cpu_sign_step)(float* out, const float* x, const float* gradient, long long count,
                                     float epsilon, float lo, float hi) {
    vec e = broadcast(epsilon), l = broadcast(lo), h = broadcast(hi), minus_one = broadcast(-1.0f),
        one = broadcast(1.0f);
    long long i = 0;
    for (; i + LANES <= count; i += LANES) {
        store(out + i, sign_step_vector(load(x + i), load(gradient + i), e, l, h, minus_one, one));
    }
    if (i < count) {
        /* the tail through a zero-padded vector, so every element takes the same arithmetic */
        float xs[LANES] = {0}, gs[LANES] = {0}, rs[LANES];
        memcpy(xs, x + i, (size_t)(count - i) * sizeof(float));
        memcpy(gs, gradient + i, (size_t)(count - i) * sizeof(float));
        store(rs, sign_step_vector(load(xs), load(gs), e, l, h, minus_one, one));
        memcpy(out + i, rs, (size_t)(count - i) * sizeof(float));
    }
}

/* Java's Math.max(v, b) and Math.min(v, b) lane by lane, b from memory (so possibly NaN): v if v is
   NaN, else b if b is NaN, else as sign_step_vector's clamps (equal +-0 ANDed for max, ORed for min) */
static inline vec java_max_vector(vec v, vec b) {
    vec r = select_lanes(v < b, b, select_lanes(v == b, (vec)((ivec)v & (ivec)b), v));
    return select_lanes(v != v, v, select_lanes(b != b, b, r));
}

static inline vec java_min_vector(vec v, vec b) {
    vec r = select_lanes(v > b, b, select_lanes(v == b, (vec)((ivec)v | (ivec)b), v));
    return select_lanes(v != v, v, select_lanes(b != b, b, r));
}

/* ProjectedSignStep.projectedSignStepOne on one vector: the step of alpha * sign(g) (exact: +-alpha,
   +-0 or NaN), clipped to [origin - epsilon, origin + epsilon] (each bound rounded once), then to
   [lo, hi] (never NaN) */
static inline vec projected_sign_step_vector(vec x, vec origin, vec g, vec alpha, vec epsilon, vec lo, vec hi,
                                             vec minus_one, vec one) {
    vec scaled = g * 0x1p126f * 0x1p126f;
    vec sign = select_lanes(scaled < minus_one, minus_one, scaled);
    sign = select_lanes(sign > one, one, sign);
    vec v = x + alpha * sign;
    v = java_min_vector(java_max_vector(v, origin - epsilon), origin + epsilon);
    v = select_lanes(v < lo, lo, select_lanes(v == lo, (vec)((ivec)v & (ivec)lo), v));
    return select_lanes(v > hi, hi, select_lanes(v == hi, (vec)((ivec)v | (ivec)hi), v));
}

void VARIANT(gradsign_cpu_projected_sign_step)(float* out, const float* x, const float* origin, const float* gradient,
                                               long long count, float alpha, float epsilon, float lo, float hi) {
    vec a = broadcast(alpha), e = broadcast(epsilon), l = broadcast(lo), h = broadcast(hi),
        minus_one = broadcast(-1.0f), one = broadcast(1.0f);
    long long i = 0;
    for (; i + LANES <= count; i += LANES) {
        store(out + i, projected_sign_step_vector(load(x + i), load(origin + i), load(gradient + i), a, e, l, h,
                                                  minus_one, one));
    }
    if (i < count) {
        /* the tail as one vector of its first lanes, so every element takes the same arithmetic */
        int n = (int)(count - i);
        store_first(out + i, projected_sign_step_vector(load_first(x + i, n), load_first(origin + i, n),
                                                        load_first(gradient + i, n), a, e, l, h, minus_one, one), n);
    }
}

long long VARIANT(gradsign_cpu_first_non_finite)(const float* values, long long count) {
    /* a float is infinite or NaN when its exponent bits are all ones; blocks of 1024 floats are
       scanned without a branch, and only a block that holds one is searched element by element */
    const ivec exponent = (ivec){0} + 0x7f800000;
    enum { BLOCK = 1024 };
    for (long long start = 0; start < count; start += BLOCK) {
        long long end = count - start < BLOCK ? count : start + BLOCK;
        ivec found = {0};
        long long i = start;
        for (; i + LANES <= end; i += LANES) {
            ivec bits;
            memcpy(&bits, values + i, sizeof bits);
            found |= (bits & exponent) == exponent;
        }
        int any = 0;
        for (int k = 0; k < LANES; k++) any |= found[k];
        for (; i < end; i++) {
            int bits;
            memcpy(&bits, values + i, sizeof bits);
            any |= (bits & 0x7f800000) == 0x7f800000;
        }
        if (any) {
            for (long long j = start; j < end; j++) {
                int bits;
                memcpy(&bits, values + j, sizeof bits);
                if ((bits & 0x7f800000) == 0x7f800000) return j;
            }
        }
    }
    return -1;
}

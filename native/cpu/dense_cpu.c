/* dense_cpu.c: the CPU backend's dense kernels (see gradsign_cpu.h), written once over a vector of
   GRADSIGN_CPU_LANES floats and compiled once per instruction set (AVX-512: 16, AVX2: 8, generic:
   4), each copy's names ending in _GRADSIGN_CPU_SUFFIX; dispatch.c picks one at run time. */
#include <string.h>

#include "gradsign_cpu.h"

#ifndef GRADSIGN_CPU_LANES
#error "compile with -DGRADSIGN_CPU_LANES=<floats per vector> -DGRADSIGN_CPU_SUFFIX=<isa>"
#endif

#define GLUE2(a, b) a##_##b
#define GLUE(a, b) GLUE2(a, b)
#define VARIANT(name) GLUE(name, GRADSIGN_CPU_SUFFIX)

enum { LANES = GRADSIGN_CPU_LANES };

/* a vector of LANES floats: GCC's vector extension, one register of the target's widest kind */
typedef float vec __attribute__((vector_size(LANES * sizeof(float)), may_alias));

/* unaligned load and store: Java arrays and their offsets promise only 4-byte alignment */
static inline vec load(const float* p) {
    vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store(float* p, vec v) { memcpy(p, &v, sizeof v); }

/* s in every lane; written as a loop, since 0 + s would turn -0 into +0 */
static inline vec broadcast(float s) {
    vec v;
    for (int k = 0; k < LANES; k++) v[k] = s;
    return v;
}

/* lanes summed as a tree, halves first: a fixed order for a given LANES */
static inline float sum_lanes(vec v) {
    float lanes[LANES];
    memcpy(lanes, &v, sizeof v);
    for (int width = LANES / 2; width > 0; width /= 2) {
        for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
    }
    return lanes[0];
}

/* y[r] = bias[r] + w[r, :] . x, four rows at a time: x is read once per four rows, and each row keeps
   two accumulators, eight independent sums in flight to cover the latency of the multiply-add */
static void dot_rows(float* restrict y, const float* restrict w, const float* restrict bias,
                     const float* restrict x, int in, int row_from, int row_to) {
    int r = row_from;
    for (; r + 4 <= row_to; r += 4) {
        const float* w0 = w + (long)r * in;
        const float* w1 = w0 + in;
        const float* w2 = w1 + in;
        const float* w3 = w2 + in;
        vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        int i = 0;
        for (; i + 2 * LANES <= in; i += 2 * LANES) {
            vec x0 = load(x + i), x1 = load(x + i + LANES);
            a0 += load(w0 + i) * x0;
            b0 += load(w0 + i + LANES) * x1;
            a1 += load(w1 + i) * x0;
            b1 += load(w1 + i + LANES) * x1;
            a2 += load(w2 + i) * x0;
            b2 += load(w2 + i + LANES) * x1;
            a3 += load(w3 + i) * x0;
            b3 += load(w3 + i + LANES) * x1;
        }
        for (; i + LANES <= in; i += LANES) {
            vec x0 = load(x + i);
            a0 += load(w0 + i) * x0;
            a1 += load(w1 + i) * x0;
            a2 += load(w2 + i) * x0;
            a3 += load(w3 + i) * x0;
        }
        float s0 = sum_lanes(a0 + b0), s1 = sum_lanes(a1 + b1), s2 = sum_lanes(a2 + b2), s3 = sum_lanes(a3 + b3);
        for (; i < in; i++) {
            s0 += w0[i] * x[i];
            s1 += w1[i] * x[i];
            s2 += w2[i] * x[i];
            s3 += w3[i] * x[i];
        }
        y[r] = bias ? bias[r] + s0 : s0;
        y[r + 1] = bias ? bias[r + 1] + s1 : s1;
        y[r + 2] = bias ? bias[r + 2] + s2 : s2;
        y[r + 3] = bias ? bias[r + 3] + s3 : s3;
    }
    for (; r < row_to; r++) {
        const float* w0 = w + (long)r * in;
        vec a0 = {0}, b0 = {0};
        int i = 0;
        for (; i + 2 * LANES <= in; i += 2 * LANES) {
            a0 += load(w0 + i) * load(x + i);
            b0 += load(w0 + i + LANES) * load(x + i + LANES);
        }
        for (; i + LANES <= in; i += LANES) a0 += load(w0 + i) * load(x + i);
        float s0 = sum_lanes(a0 + b0);
        for (; i < in; i++) s0 += w0[i] * x[i];
        y[r] = bias ? bias[r] + s0 : s0;
    }
}

void VARIANT(gradsign_cpu_dense_forward_one)(float* y, const float* weights, const float* bias, const float* x, int in,
                                             int row_from, int row_to) {
    dot_rows(y, weights, bias, x, in, row_from, row_to);
}

void VARIANT(gradsign_cpu_dense_forward_thin)(float* y, const float* x, const float* weights, const float* bias, int in,
                                              int out, int sample_from, int sample_to) {
    /* weights (out <= 16 rows) stay in the L1 cache while the samples stream past */
    for (int s = sample_from; s < sample_to; s++) {
        dot_rows(y + (long)s * out, weights, bias, x + (long)s * in, in, 0, out);
    }
}

/* dx[i] = d[i] + g0 w0[i] + g1 w1[i] + g2 w2[i] + g3 w3[i] for i < columns, d = dx or, first, 0 */
static void add_four_rows(float* restrict dx, const float* restrict w0, const float* restrict w1,
                          const float* restrict w2, const float* restrict w3, float g0, float g1, float g2, float g3,
                          int columns, int first) {
    vec v0 = broadcast(g0), v1 = broadcast(g1), v2 = broadcast(g2), v3 = broadcast(g3);
    int i = 0;
    for (; i + LANES <= columns; i += LANES) {
        vec d = first ? (vec){0} : load(dx + i);
        d += v0 * load(w0 + i) + v1 * load(w1 + i) + (v2 * load(w2 + i) + v3 * load(w3 + i));
        store(dx + i, d);
    }
    for (; i < columns; i++) dx[i] = (first ? 0.0f : dx[i]) + (g0 * w0[i] + g1 * w1[i] + (g2 * w2[i] + g3 * w3[i]));
}

void VARIANT(gradsign_cpu_dense_backward_input_one)(float* dx, const float* weights, const float* dy, int in, int out,
                                                    int column_from, int column_to) {
    /* dx is summed in a local block of CHUNK columns and written once at the end: written in place,
       the cache line that two threads' column ranges share would move between their cores at every
       pass over four rows */
    enum { CHUNK = 1024 };
    float block[CHUNK] __attribute__((aligned(64)));
    for (int chunk = column_from; chunk < column_to; chunk += CHUNK) {
        int columns = column_to - chunk < CHUNK ? column_to - chunk : CHUNK;
        const float* w_chunk = weights + chunk;
        /* rows gathered four at a time, skipping those whose gradient is zero (after a ReLU about
           half): their weights are never read; the last one to three rows repeat the first with a
           zero factor */
        int rows[4];
        int gathered = 0, first = 1;
        for (int r = 0; r < out || gathered > 0; r++) {
            if (r < out && dy[r] == 0.0f) continue;
            if (r < out) rows[gathered++] = r;
            if (gathered == 4 || (r >= out - 1 && gathered > 0)) {
                float g[4];
                const float* w[4];
                for (int k = 0; k < 4; k++) {
                    g[k] = k < gathered ? dy[rows[k]] : 0.0f;
                    w[k] = w_chunk + (long)rows[k < gathered ? k : 0] * in;
                }
                add_four_rows(block, w[0], w[1], w[2], w[3], g[0], g[1], g[2], g[3], columns, first);
                gathered = 0;
                first = 0;
            }
        }
        if (first) memset(block, 0, (size_t)columns * sizeof(float)); /* every gradient was zero */
        memcpy(dx + chunk, block, (size_t)columns * sizeof(float));
    }
}

void VARIANT(gradsign_cpu_dense_backward_input_thin)(float* dx, const float* dy, const float* weights, int in, int out,
                                                     int sample_from, int sample_to) {
    /* per sample, dx in blocks of 8 vectors: eight independent sums over the out rows of the weights,
       which stay in the L1 cache, and each element of dx written once */
    enum { BLOCK = 8 * LANES };
    for (int s = sample_from; s < sample_to; s++) {
        const float* g = dy + (long)s * out;
        float* d = dx + (long)s * in;
        int i = 0;
        for (; i + BLOCK <= in; i += BLOCK) {
            vec acc[8] = {{0}};
            for (int k = 0; k < out; k++) {
                vec gk = broadcast(g[k]);
                const float* wk = weights + (long)k * in + i;
                for (int j = 0; j < 8; j++) acc[j] += gk * load(wk + j * LANES);
            }
            for (int j = 0; j < 8; j++) store(d + i + j * LANES, acc[j]);
        }
        for (; i + LANES <= in; i += LANES) {
            vec acc = {0};
            for (int k = 0; k < out; k++) acc += broadcast(g[k]) * load(weights + (long)k * in + i);
            store(d + i, acc);
        }
        for (; i < in; i++) {
            float acc = 0.0f;
            for (int k = 0; k < out; k++) acc += g[k] * weights[(long)k * in + i];
            d[i] = acc;
        }
    }
}

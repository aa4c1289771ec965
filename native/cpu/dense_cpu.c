/* dense_cpu.c: the CPU backend's one-sample dense kernels (see gradsign_cpu.h), written once over a
   vector of GRADSIGN_CPU_LANES floats and compiled once per instruction set (AVX-512: 16, AVX2: 8,
   generic: 4), each copy's names ending in _GRADSIGN_CPU_SUFFIX; dispatch.c picks one at run time.
   Batches of more than one sample go to OpenBLAS's sgemm. For one sample the time is that of
   streaming the weights from the last-level cache, twice a step (forward, backward): the forward
   kernel reads four rows at a time, the backward one skips the rows a ReLU zeroed and visits its
   rows in the reverse order, so that those the forward pass read last, still in this core's cache,
   come first. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

/* the sum of v's lanes, in halves (16 -> 8 -> 4 -> 1): a loop over the lanes is a chain of sixteen
   dependent additions, which cost as much as streaming the four rows it ends */
typedef float vec4 __attribute__((vector_size(4 * sizeof(float)), may_alias));
typedef float vec8 __attribute__((vector_size(8 * sizeof(float)), may_alias));

static inline float lane_sum(vec v) {
    vec4 q;
#if GRADSIGN_CPU_LANES == 16
    vec8 lo, hi;
    memcpy(&lo, &v, sizeof lo);
    memcpy(&hi, (const char*)&v + sizeof lo, sizeof hi);
    vec8 h = lo + hi;
    vec4 a, b;
    memcpy(&a, &h, sizeof a);
    memcpy(&b, (const char*)&h + sizeof a, sizeof b);
    q = a + b;
#elif GRADSIGN_CPU_LANES == 8
    vec4 a, b;
    memcpy(&a, &v, sizeof a);
    memcpy(&b, (const char*)&v + sizeof a, sizeof b);
    q = a + b;
#elif GRADSIGN_CPU_LANES == 4
    q = v;
#else
#error "lane_sum: 4, 8 or 16 lanes"
#endif
    return (q[0] + q[2]) + (q[1] + q[3]);
}

/* the first column (below LANES) from which p's loads of whole vectors start on a cache line, 0 where
   p is not float-aligned: Java arrays start 16 bytes past a line, so a large array's rows are all off
   by the same amount, and a load that crosses lines costs two */
static inline int aligned_start(const float* p) {
    unsigned long misaligned = (unsigned long)p & (LANES * sizeof(float) - 1);
    return misaligned % sizeof(float) == 0 ? (int)((LANES * sizeof(float) - misaligned) % (LANES * sizeof(float)) / sizeof(float)) : 0;
}

/* all bits set in lanes [0, n), clear in the others */
static inline ivec lanes_below(int n) {
    ivec lane;
    for (int l = 0; l < LANES; l++) lane[l] = l;
    return lane < n;
}

void VARIANT(gradsign_cpu_dense_forward_one)(float* y, const float* weights, const float* bias, const float* x, int in,
                                             int row_from, int row_to) {
    int r = row_from;
    /* four rows at a time, two partial sums each: eight independent chains of multiply-adds */
    for (; r + 4 <= row_to; r += 4) {
        const float* w0 = weights + (long)r * in;
        const float* w1 = w0 + in;
        const float* w2 = w1 + in;
        const float* w3 = w2 + in;
        vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        /* the first columns, up to where w0's loads stop crossing cache lines, as one vector whose
           other lanes are cleared (the loop below adds them) */
        int c = in >= 2 * LANES + LANES ? aligned_start(w0) : 0;
        if (c > 0) {
            ivec head = lanes_below(c);
            vec xa = load(x);
            a0 = (vec)((ivec)(load(w0) * xa) & head);
            a1 = (vec)((ivec)(load(w1) * xa) & head);
            a2 = (vec)((ivec)(load(w2) * xa) & head);
            a3 = (vec)((ivec)(load(w3) * xa) & head);
        }
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        for (; c + 2 * LANES <= in; c += 2 * LANES) {
            vec xa = load(x + c), xb = load(x + c + LANES);
            a0 += load(w0 + c) * xa;
            a1 += load(w1 + c) * xa;
            a2 += load(w2 + c) * xa;
            a3 += load(w3 + c) * xa;
            b0 += load(w0 + c + LANES) * xb;
            b1 += load(w1 + c + LANES) * xb;
            b2 += load(w2 + c + LANES) * xb;
            b3 += load(w3 + c + LANES) * xb;
        }
        if (c + LANES <= in) {
            vec xa = load(x + c);
            a0 += load(w0 + c) * xa;
            a1 += load(w1 + c) * xa;
            a2 += load(w2 + c) * xa;
            a3 += load(w3 + c) * xa;
            c += LANES;
        }
        s0 += lane_sum(a0 + b0);
        s1 += lane_sum(a1 + b1);
        s2 += lane_sum(a2 + b2);
        s3 += lane_sum(a3 + b3);
        for (; c < in; c++) {
            s0 += w0[c] * x[c];
            s1 += w1[c] * x[c];
            s2 += w2[c] * x[c];
            s3 += w3[c] * x[c];
        }
        y[r] = bias[r] + s0;
        y[r + 1] = bias[r + 1] + s1;
        y[r + 2] = bias[r + 2] + s2;
        y[r + 3] = bias[r + 3] + s3;
    }
    for (; r < row_to; r++) {
        const float* w = weights + (long)r * in;
        vec a = {0};
        int c = 0;
        for (; c + LANES <= in; c += LANES) a += load(w + c) * load(x + c);
        float s = lane_sum(a);
        for (; c < in; c++) s += w[c] * x[c];
        y[r] = bias[r] + s;
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

void VARIANT(gradsign_cpu_dense_backward_input_rows)(float* dx, const float* weights, const float* dy, int in,
                                                     int row_from, int row_to) {
    /* columns in chunks that stay in the first-level cache while every row passes over them */
    enum { CHUNK = 2048 };
    for (int chunk = 0; chunk < in; chunk += CHUNK) {
        int columns = in - chunk < CHUNK ? in - chunk : CHUNK;
        const float* w_chunk = weights + chunk;
        float* dx_chunk = dx + chunk;
        /* rows gathered four at a time, last to first, skipping those whose gradient is zero (after a
           ReLU about half): their weights are never read; the last one to three rows repeat the first
           with a zero factor */
        int rows[4];
        int gathered = 0, first = 1;
        for (int r = row_to - 1; r >= row_from || gathered > 0; r--) {
            if (r >= row_from && dy[r] == 0.0f) continue;
            if (r >= row_from) rows[gathered++] = r;
            if (gathered == 4 || (r <= row_from && gathered > 0)) {
                float g[4];
                const float* w[4];
                for (int k = 0; k < 4; k++) {
                    g[k] = k < gathered ? dy[rows[k]] : 0.0f;
                    w[k] = w_chunk + (long)rows[k < gathered ? k : 0] * in;
                }
                add_four_rows(dx_chunk, w[0], w[1], w[2], w[3], g[0], g[1], g[2], g[3], columns, first);
                gathered = 0;
                first = 0;
            }
        }
        if (first) memset(dx_chunk, 0, (size_t)columns * sizeof(float)); /* every gradient was zero */
    }
}

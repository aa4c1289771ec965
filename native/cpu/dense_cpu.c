/* dense_cpu.c: the CPU backend's one-sample dense kernels (see gradsign_cpu.h), written once over a
   vector of GRADSIGN_CPU_LANES floats and compiled once per instruction set (AVX-512: 16, AVX2: 8,
   generic: 4), each copy's names ending in _GRADSIGN_CPU_SUFFIX; dispatch.c picks one at run time.
   Batches of more than one sample go to OpenBLAS's sgemm. For one sample the time is that of
   streaming the weights from the last-level cache, twice a step (forward, backward): the forward
   kernel reads four rows at a time, the backward one skips the rows a ReLU zeroed and visits its
   rows in the reverse order, so that those the forward pass read last, still in this core's cache,
   come first. A layer whose input is often zero has a pair over its transposed weights: the forward
   pass skips the rows of the zero inputs, and the backward pass reads only the rows the forward pass
   read (the inputs a ReLU let through), last first. */
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
   p is not float-aligned: a load that crosses lines costs two. Used only where it changes no result
   (the transposed forward pass picks its vectors of rows by it); the backend starts its own large
   arrays on a line, but a caller's wrapped array may start anywhere */
static inline int aligned_start(const float* p) {
    unsigned long misaligned = (unsigned long)p & (LANES * sizeof(float) - 1);
    return misaligned % sizeof(float) == 0 ? (int)((LANES * sizeof(float) - misaligned) % (LANES * sizeof(float)) / sizeof(float)) : 0;
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
        /* from column 0, whatever the address: which lane adds which column then depends on the
           column alone, so an array the garbage collector moves gives the same bits (starting the
           vectors on a cache line made the order depend on where the array lay); the CPU backend
           allocates its large tensors to start on a line, so that these loads do not cross lines */
        int c = 0;
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

/* add_four_rows twice, the second four rows added to the first's result, vector by vector: the same
   additions in the same order as two calls, with one load and store of dx instead of two */
static void add_eight_rows(float* restrict dx, const float* const* w, const float* g, int columns, int first) {
    vec v0 = broadcast(g[0]), v1 = broadcast(g[1]), v2 = broadcast(g[2]), v3 = broadcast(g[3]);
    vec u0 = broadcast(g[4]), u1 = broadcast(g[5]), u2 = broadcast(g[6]), u3 = broadcast(g[7]);
    const float *restrict w0 = w[0], *restrict w1 = w[1], *restrict w2 = w[2], *restrict w3 = w[3];
    const float *restrict x0 = w[4], *restrict x1 = w[5], *restrict x2 = w[6], *restrict x3 = w[7];
    int i = 0;
    for (; i + LANES <= columns; i += LANES) {
        vec d = first ? (vec){0} : load(dx + i);
        d += v0 * load(w0 + i) + v1 * load(w1 + i) + (v2 * load(w2 + i) + v3 * load(w3 + i));
        d += u0 * load(x0 + i) + u1 * load(x1 + i) + (u2 * load(x2 + i) + u3 * load(x3 + i));
        store(dx + i, d);
    }
    for (; i < columns; i++) {
        float d = (first ? 0.0f : dx[i]) + (g[0] * w0[i] + g[1] * w1[i] + (g[2] * w2[i] + g[3] * w3[i]));
        dx[i] = d + (g[4] * x0[i] + g[5] * x1[i] + (g[6] * x2[i] + g[7] * x3[i]));
    }
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
           with a zero factor. The rows are first listed without a branch per row: which gradients
           are zero changes from image to image, and a branch on it is mispredicted half the time. */
        enum { LISTED = 1024 };
        int rows[LISTED + 4];
        int listed = 0, first = 1;
        for (int r = row_to - 1;;) {
            int stop = r - LISTED < row_from - 1 ? row_from - 1 : r - LISTED;
            for (; r > stop; r--) {
                rows[listed] = r;
                listed += dy[r] != 0.0f;
            }
            int done = r < row_from;
            int groups = done ? (listed + 3) / 4 : listed / 4;
            int group = 0;
            for (; group + 2 <= groups; group += 2) {
                float g[8];
                const float* w[8];
                for (int k = 0; k < 8; k++) {
                    int listed_k = 4 * group + k;
                    int live = listed_k < listed;
                    g[k] = live ? dy[rows[listed_k]] : 0.0f;
                    w[k] = w_chunk + (long)rows[live ? listed_k : 4 * group + (k & 4)] * in;
                }
                add_eight_rows(dx_chunk, w, g, columns, first);
                first = 0;
            }
            for (; group < groups; group++) {
                const int* four = rows + 4 * group;
                int count = listed - 4 * group < 4 ? listed - 4 * group : 4;
                float g[4];
                const float* w[4];
                for (int k = 0; k < 4; k++) {
                    g[k] = k < count ? dy[four[k]] : 0.0f;
                    w[k] = w_chunk + (long)four[k < count ? k : 0] * in;
                }
                add_four_rows(dx_chunk, w[0], w[1], w[2], w[3], g[0], g[1], g[2], g[3], columns, first);
                first = 0;
            }
            if (done) break;
            int left = listed - 4 * groups;
            for (int k = 0; k < left; k++) rows[k] = rows[4 * groups + k];
            listed = left;
        }
        if (first) memset(dx_chunk, 0, (size_t)columns * sizeof(float)); /* every gradient was zero */
    }
}

/* the indices i in [from, to) with v[i] != 0 (NaN included, as for !=), ascending, into list, which has
   room for to - from + LANES; returns their count. Without a branch per index: which inputs are zero
   is as random as the data. AVX-512 compresses sixteen indices at a time by a mask. */
static inline int list_nonzero(int* list, const float* v, int from, int to) {
    int n = 0;
    int i = from;
#if defined(__AVX512F__) && GRADSIGN_CPU_LANES == 16
    __m512i index = _mm512_add_epi32(_mm512_set1_epi32(from),
                                     _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    const __m512i sixteen = _mm512_set1_epi32(16);
    for (; i + 16 <= to; i += 16) {
        __mmask16 live = _mm512_cmp_ps_mask(_mm512_loadu_ps(v + i), _mm512_setzero_ps(), _CMP_NEQ_UQ);
        _mm512_storeu_si512(list + n, _mm512_maskz_compress_epi32(live, index));
        n += __builtin_popcount(live);
        index = _mm512_add_epi32(index, sixteen);
    }
#endif
    for (; i < to; i++) {
        list[n] = i;
        n += v[i] != 0.0f;
    }
    return n;
}

/* the most vectors of rows on the cache lines' grid one pass of gradsign_cpu_dense_forward_one_transposed
   keeps in registers, beside the two off it (AVX-512 has 32 registers, AVX2 and SSE 16): 256 rows, a
   core's share of a 512-wide layer, are 16 vectors */
enum { TRANSPOSED_BODY = LANES == 16 ? 16 : 8, NONZERO_CHUNK = 1024 };

/* the terms of the inputs nonzero[0..n), in that (ascending) order, added to the accumulators of the
   vectors of rows at head, at base + k LANES for k < body, and at tail; inlined for each constant
   body, so that the accumulators stay in registers and the addresses are one register and constants */
static inline __attribute__((always_inline)) void transposed_terms(vec* acc, const float* weights_t, const float* x,
                                                                   int out, long head, long base, long tail,
                                                                   const int body, const int* nonzero, int n) {
    vec h = acc[0], t = acc[1];
    vec b[TRANSPOSED_BODY];
    for (int k = 0; k < body; k++) b[k] = acc[2 + k];
    /* one pointer per input, the vectors at constant distances from it: with an offset per vector the
       compiler kept eighteen of them in registers and spilled half */
    const float* wb = weights_t + base;
    const long to_head = head - base, to_tail = tail - base;
    for (int j = 0; j < n; j++) {
        int c = nonzero[j];
        vec v = broadcast(x[c]);
        const float* w = wb + (long)c * out;
        /* the lines of the input four ahead (from the vector before the body to the one after it, the
           head and the tail): the next input's row starts anywhere further on, where the hardware's
           stream prefetcher does not look; 10% faster from the last-level cache. A prefetch of an
           address outside the array (the line before row 0) does not fault. */
        const float* ahead = wb + (long)nonzero[j + 4 < n ? j + 4 : j] * out;
        for (int k = -1; k <= body; k++) __builtin_prefetch(ahead + k * LANES, 0, 3);
        h = vmadd(v, load(w + to_head), h);
        for (int k = 0; k < body; k++) b[k] = vmadd(v, load(w + k * LANES), b[k]);
        t = vmadd(v, load(w + to_tail), t);
    }
    acc[0] = h;
    acc[1] = t;
    for (int k = 0; k < body; k++) acc[2 + k] = b[k];
}

/* rows [head, head + LANES), [base, base + body LANES) and [tail, tail + LANES): bias, then the terms of
   the non-zero inputs in ascending order; where the vectors overlap they compute the same rows alike */
static void forward_transposed_block(float* y, const float* weights_t, const float* bias, const float* x, int in,
                                     int out, long head, long base, long tail, int body) {
    vec acc[2 + TRANSPOSED_BODY];
    int nonzero[NONZERO_CHUNK + LANES];
    acc[0] = load(bias + head);
    acc[1] = load(bias + tail);
    for (int k = 0; k < body; k++) acc[2 + k] = load(bias + base + k * LANES);
    for (int chunk = 0; chunk < in; chunk += NONZERO_CHUNK) {
        /* the inputs that are not zero, listed without a branch: which ones are is as random as the data */
        int end = in - chunk < NONZERO_CHUNK ? in : chunk + NONZERO_CHUNK;
        int n = list_nonzero(nonzero, x, chunk, end);
        switch (body) {
#define GRADSIGN_TRANSPOSED_CASE(k) \
    case k: transposed_terms(acc, weights_t, x, out, head, base, tail, k, nonzero, n); break;
            GRADSIGN_TRANSPOSED_CASE(0) GRADSIGN_TRANSPOSED_CASE(1) GRADSIGN_TRANSPOSED_CASE(2)
            GRADSIGN_TRANSPOSED_CASE(3) GRADSIGN_TRANSPOSED_CASE(4) GRADSIGN_TRANSPOSED_CASE(5)
            GRADSIGN_TRANSPOSED_CASE(6) GRADSIGN_TRANSPOSED_CASE(7) GRADSIGN_TRANSPOSED_CASE(8)
#if GRADSIGN_CPU_LANES == 16
            GRADSIGN_TRANSPOSED_CASE(9) GRADSIGN_TRANSPOSED_CASE(10) GRADSIGN_TRANSPOSED_CASE(11)
            GRADSIGN_TRANSPOSED_CASE(12) GRADSIGN_TRANSPOSED_CASE(13) GRADSIGN_TRANSPOSED_CASE(14)
            GRADSIGN_TRANSPOSED_CASE(15) GRADSIGN_TRANSPOSED_CASE(16)
#endif
#undef GRADSIGN_TRANSPOSED_CASE
            default: break;
        }
    }
    store(y + head, acc[0]);
    store(y + tail, acc[1]);
    for (int k = 0; k < body; k++) store(y + base + k * LANES, acc[2 + k]);
}

void VARIANT(gradsign_cpu_dense_forward_one_transposed)(float* y, const float* weights_t, const float* bias,
                                                        const float* x, int in, int out, int row_from, int row_to) {
    if (row_to - row_from < LANES) {
        /* too few rows for a vector: each row alone, the same terms in the same order */
        for (int r = row_from; r < row_to; r++) {
            float s = bias[r];
            for (int c = 0; c < in; c++) {
                if (x[c] != 0.0f) s = madd(x[c], weights_t[(long)c * out + r], s);
            }
            y[r] = s;
        }
        return;
    }
    /* vectors of rows: one at row_from (the head), one ending at row_to (the tail), and between them
       those on the grid of cache lines (in the first input's row of weights_t) that the head and tail
       are not; where they overlap they compute the same rows by the same steps, so the result depends
       neither on the split nor on where the arrays start. Passes of at most TRANSPOSED_BODY vectors
       of the grid: the first takes the head, the last the tail (the others repeat a vector of theirs). */
    long base = row_from + aligned_start(weights_t + row_from);
    int vectors = (int)((row_to - base) / LANES);
    int first = base == row_from ? 1 : 0;
    int last = base + (long)vectors * LANES == row_to ? vectors - 1 : vectors;
    if (last < first) last = first;
    for (int done = first;;) {
        int body = last - done < TRANSPOSED_BODY ? last - done : TRANSPOSED_BODY;
        long pass = base + (long)done * LANES;
        long head = done == first ? row_from : pass;
        long tail = done + body == last ? row_to - LANES : pass;
        forward_transposed_block(y, weights_t, bias, x, in, out, head, pass, tail, body);
        done += body;
        if (done == last) return;
    }
}

/* the dot product of LANES-float vectors w[m], d[m] for m < vectors, then the scalar tail: lane l adds
   w[m LANES + l] d[m LANES + l] for m ascending, the lanes are summed by lane_sum, then the tail's
   terms are added in order */
static inline float dot_in_order(const float* w, const float* d, int length) {
    vec a = {0};
    int j = 0;
    for (; j + LANES <= length; j += LANES) a = vmadd(load(w + j), load(d + j), a);
    float s = lane_sum(a);
    for (; j < length; j++) s = madd(w[j], d[j], s);
    return s;
}

/* dx[live[k]] for k from n - 1 down to 0, each the dot product in order (as dot_in_order) of its row of
   weights_t with d: inlined for each constant count of whole vectors, so that d's vectors stay in
   registers and each input is one chain of count multiply-adds (the chains of consecutive inputs
   are independent, and the processor overlaps them) */
static inline __attribute__((always_inline)) void dots_in_order(float* dx, const float* weights_t, const float* d,
                                                                int out, int row_from, int length, const int count,
                                                                const int* live, int n) {
    vec dv[TRANSPOSED_BODY];
    for (int m = 0; m < count; m++) dv[m] = load(d + m * LANES);
    for (int k = n - 1; k >= 0; k--) {
        const float* w = weights_t + (long)live[k] * out + row_from;
        vec a = {0};
        for (int m = 0; m < count; m++) a = vmadd(load(w + m * LANES), dv[m], a);
        float s = lane_sum(a);
        for (int j = count * LANES; j < length; j++) s = madd(w[j], d[j], s);
        dx[live[k]] = s;
    }
}

void VARIANT(gradsign_cpu_dense_backward_input_transposed)(float* dx, const float* weights_t, const float* dy,
                                                           const float* below, int in, int out, int row_from,
                                                           int row_to) {
    enum { LISTED = 1024 };
    int live[LISTED + LANES];
    int length = row_to - row_from;
    int vectors = length / LANES;
    const float* d = dy + row_from;
    /* last input to first: the forward pass over the same range read the last ones most recently, so
       they are still in this core's cache (first to last, each read would evict one needed soon) */
    for (int end = in; end > 0; end -= LISTED) {
        int chunk = end - LISTED > 0 ? end - LISTED : 0;
        /* zeros first, whole vectors at a time (the other cores read this range last step, and a store
           per input waited for its line to come back), then the inputs whose gradient is wanted,
           listed without a branch */
        memset(dx + chunk, 0, (size_t)(end - chunk) * sizeof(float));
        int n;
        if (below) {
            n = list_nonzero(live, below, chunk, end);
        } else {
            n = end - chunk;
            for (int i = 0; i < n; i++) live[i] = chunk + i;
        }
        switch (vectors) {
#define GRADSIGN_DOTS_CASE(k) \
    case k: dots_in_order(dx, weights_t, d, out, row_from, length, k, live, n); break;
            GRADSIGN_DOTS_CASE(0) GRADSIGN_DOTS_CASE(1) GRADSIGN_DOTS_CASE(2) GRADSIGN_DOTS_CASE(3)
            GRADSIGN_DOTS_CASE(4) GRADSIGN_DOTS_CASE(5) GRADSIGN_DOTS_CASE(6) GRADSIGN_DOTS_CASE(7)
            GRADSIGN_DOTS_CASE(8)
#if GRADSIGN_CPU_LANES == 16
            GRADSIGN_DOTS_CASE(9) GRADSIGN_DOTS_CASE(10) GRADSIGN_DOTS_CASE(11) GRADSIGN_DOTS_CASE(12)
            GRADSIGN_DOTS_CASE(13) GRADSIGN_DOTS_CASE(14) GRADSIGN_DOTS_CASE(15) GRADSIGN_DOTS_CASE(16)
#endif
#undef GRADSIGN_DOTS_CASE
            default:
                /* longer ranges: d from memory */
                for (int k = n - 1; k >= 0; k--) {
                    dx[live[k]] = dot_in_order(weights_t + (long)live[k] * out + row_from, d, length);
                }
        }
    }
}

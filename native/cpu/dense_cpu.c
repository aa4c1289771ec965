/* dense_cpu.c: the CPU backend's one-sample backward pass to the input (see gradsign_cpu.h), written
   once over a vector of GRADSIGN_CPU_LANES floats and compiled once per instruction set (AVX-512: 16,
   AVX2: 8, generic: 4), each copy's names ending in _GRADSIGN_CPU_SUFFIX; dispatch.c picks one at
   run time. The other dense products are OpenBLAS's: this one is here because it skips the rows a
   ReLU zeroed, which sgemv cannot. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

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

/* packed_gemm_cpu.c: the dense products of a batch over weights packed once (see gradsign_cpu.h):
   c (rows, n) = epilogue(init + a (rows, k) . B (k, n)), B packed in panels of 32 columns (the
   last one 16 or 32 wide, zeros past n), so that a tile of rows x one panel sums in registers: per
   step of k one broadcast of a per row and one load of the panel per vector of columns. Each element
   is one chain of multiply-adds, k ascending from its bias (or 0), whatever the tiles, the blocks of
   k, the rows' split or the instruction set (fused on AVX2 and AVX-512; the generic copy rounds the
   product and the sum apart, so its bits differ). Compiled once per instruction set as dense_cpu.c. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

enum { PANEL = GRADSIGN_CPU_PACKED_PANEL, PANEL_VECTORS = PANEL / LANES };

/* rows of a tile: rows x PANEL_VECTORS accumulators, the panel's vectors and a broadcast in registers
   (AVX-512: 16 + 2 + 1 of 32; AVX2: 12 + 4 + 1 of 16, one spilled; SSE: 8 + 8 of 16) */
#if GRADSIGN_CPU_LANES == 16
enum { TILE_ROWS = 8 };
#elif GRADSIGN_CPU_LANES == 8
enum { TILE_ROWS = 3 };
#else
enum { TILE_ROWS = 1 };
#endif

/* floats of B one block of k keeps in the core's L2 (512 KiB), read once per tile of rows */
enum { BLOCK_FLOATS = 1 << 17 };

/* the first n floats at p as a vector (n >= LANES: all of them, n <= 0: none), the others 0 */
static inline vec load_part(const float* p, int n) {
    return n >= LANES ? load(p) : n > 0 ? load_first(p, n) : (vec){0};
}

static inline void store_part(float* p, vec v, int n) {
    if (n >= LANES) {
        store(p, v);
    } else if (n > 0) {
        store_first(p, v, n);
    }
}

typedef struct {
    float* c;
    int ldc;
    const float* a;
    int lda;
    const float* bias;
    int epilogue;
    const float* aux;
    int ld_aux;
    float* stepped;
    int ld_stepped;
    float epsilon, lo, hi;
} product;

/* rows x vectors of columns [col, col + cols) of c, over k in [kb, kb + kc) of a panel whose block starts
   at panel_block (kc rows of vectors x LANES floats); first: start from the bias (or 0), else from c;
   last: apply the epilogue. rows and vectors are constants where this is inlined. */
static inline __attribute__((always_inline)) void tile(const product* p, const int rows, const int vectors, int row,
                                                       int col, int cols, const float* panel_block, int kb, int kc,
                                                       int first, int last) {
    vec acc[TILE_ROWS][PANEL_VECTORS];
#pragma GCC unroll 16
    for (int r = 0; r < rows; r++) {
#pragma GCC unroll 16
        for (int v = 0; v < vectors; v++) {
            int n = cols - v * LANES;
            acc[r][v] = first ? (p->bias ? load_part(p->bias + col + v * LANES, n) : (vec){0})
                              : load_part(p->c + (long)(row + r) * p->ldc + col + v * LANES, n);
        }
    }
    const float* a = p->a + (long)row * p->lda + kb;
    const int width = vectors * LANES;
    for (int kk = 0; kk < kc; kk++) {
        vec b[PANEL_VECTORS];
#pragma GCC unroll 16
        for (int v = 0; v < vectors; v++) b[v] = load(panel_block + (long)kk * width + v * LANES);
#pragma GCC unroll 16
        for (int r = 0; r < rows; r++) {
            vec s = broadcast(a[(long)r * p->lda + kk]);
#pragma GCC unroll 16
            for (int v = 0; v < vectors; v++) acc[r][v] = vmadd(s, b[v], acc[r][v]);
        }
    }
    vec e = broadcast(p->epsilon), l = broadcast(p->lo), h = broadcast(p->hi), minus_one = broadcast(-1.0f),
        one = broadcast(1.0f);
#pragma GCC unroll 16
    for (int r = 0; r < rows; r++) {
#pragma GCC unroll 16
        for (int v = 0; v < vectors; v++) {
            int n = cols - v * LANES;
            int at = col + v * LANES;
            vec s = acc[r][v];
            if (last) {
                switch (p->epilogue) {
                    case GRADSIGN_CPU_EPILOGUE_RELU:
                        s = relu_vector(s);
                        break;
                    case GRADSIGN_CPU_EPILOGUE_RELU_GRADIENT:
                        s = s * relu_derivative_vector(load_part(p->aux + (long)(row + r) * p->ld_aux + at, n));
                        break;
                    case GRADSIGN_CPU_EPILOGUE_SIGN_STEP:
                        store_part(p->stepped + (long)(row + r) * p->ld_stepped + at,
                                   sign_step_vector(load_part(p->aux + (long)(row + r) * p->ld_aux + at, n), s, e, l, h,
                                                    minus_one, one),
                                   n);
                        break;
                    default:
                        break;
                }
            }
            store_part(p->c + (long)(row + r) * p->ldc + at, s, n);
        }
    }
}

/* one tile of `rows` rows (1 to TILE_ROWS) over a panel of PANEL or PANEL / 2 floats */
#define TILE_ROWS_CASE(R)                                                                                         \
    case R:                                                                                                       \
        if (R <= TILE_ROWS) {                                                                                     \
            if (vectors == PANEL_VECTORS) {                                                                       \
                tile(p, R <= TILE_ROWS ? R : 1, PANEL_VECTORS, row, col, cols, panel_block, kb, kc, first, last); \
            } else {                                                                                              \
                tile(p, R <= TILE_ROWS ? R : 1, PANEL_VECTORS / 2, row, col, cols, panel_block, kb, kc, first,   \
                     last);                                                                                       \
            }                                                                                                     \
        }                                                                                                         \
        break;

static void run_tile(const product* p, int rows, int vectors, int row, int col, int cols, const float* panel_block,
                     int kb, int kc, int first, int last) {
    switch (rows) {
        TILE_ROWS_CASE(1)
        TILE_ROWS_CASE(2)
        TILE_ROWS_CASE(3)
        TILE_ROWS_CASE(4)
        TILE_ROWS_CASE(5)
        TILE_ROWS_CASE(6)
        TILE_ROWS_CASE(7)
        TILE_ROWS_CASE(8)
        default:
            break;
    }
}

void VARIANT(gradsign_cpu_pack)(float* packed, const float* b, int ldb, int transposed, int k, int n) {
    int padded = gradsign_cpu_packed_columns(n);
    for (int col = 0; col < padded; col += PANEL) {
        int width = padded - col < PANEL ? padded - col : PANEL;
        float* panel = packed + (long)col * k;
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < width; j++) {
                int column = col + j;
                panel[(long)kk * width + j] =
                    column >= n ? 0.0f : transposed ? b[(long)column * ldb + kk] : b[(long)kk * ldb + column];
            }
        }
    }
}

void VARIANT(gradsign_cpu_packed_gemm)(float* c, int ldc, const float* a, int lda, const float* packed, int k, int n,
                                       int rows, const float* bias, int epilogue, const float* aux, int ld_aux,
                                       float* stepped, int ld_stepped, float epsilon, float lo, float hi) {
    if (rows <= 0 || n <= 0) return;
    product p = {c, ldc, a, lda, bias, epilogue, aux, ld_aux, stepped, ld_stepped, epsilon, lo, hi};
    int padded = gradsign_cpu_packed_columns(n);
    /* a block of k whose slice of B fits the L2, a multiple of 8 steps */
    int block = BLOCK_FLOATS / padded / 8 * 8;
    if (block < 8) block = 8;
    int kb = 0;
    do {
        int kc = k - kb < block ? k - kb : block;
        int first = kb == 0, last = kb + kc >= k;
        for (int row = 0; row < rows; row += TILE_ROWS) {
            int tile_rows = rows - row < TILE_ROWS ? rows - row : TILE_ROWS;
            for (int col = 0; col < padded; col += PANEL) {
                int width = padded - col < PANEL ? padded - col : PANEL;
                int cols = n - col < width ? n - col : width;
                run_tile(&p, tile_rows, width / LANES, row, col, cols, packed + (long)col * k + (long)kb * width, kb,
                         kc, first, last);
            }
        }
        kb += kc;
    } while (kb < k);
}

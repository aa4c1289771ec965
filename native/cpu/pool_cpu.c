/* pool_cpu.c: the CPU backend's 2-D pooling (max and average, no padding, floor mode; see
   gradsign_cpu.h), in the bits of the CUDA kernels (native/src/pool.cu) by rule, compiled once per
   instruction set (see dense_cpu.c). 2x2 windows at stride 2, the usual "pool 2", take LANES
   outputs of one output row at a time: the even and odd columns of its two input rows are the
   window's four elements, in lanes, so each step of the rule is one comparison and select per
   vector; backward, each input element lies in one window, and the four positions are interleaved
   back into the two rows. Other windows follow the rule element by element. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

/* even and odd pick lanes 2l and 2l + 1 of two vectors side by side; low and
   high interleave two vectors' first and second halves */
#if GRADSIGN_CPU_LANES == 16
static const ivec even = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
static const ivec odd = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
static const ivec low = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
static const ivec high = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
#elif GRADSIGN_CPU_LANES == 8
static const ivec even = {0, 2, 4, 6, 8, 10, 12, 14};
static const ivec odd = {1, 3, 5, 7, 9, 11, 13, 15};
static const ivec low = {0, 8, 1, 9, 2, 10, 3, 11};
static const ivec high = {4, 12, 5, 13, 6, 14, 7, 15};
#elif GRADSIGN_CPU_LANES == 4
static const ivec even = {0, 2, 4, 6};
static const ivec odd = {1, 3, 5, 7};
static const ivec low = {0, 4, 1, 5};
static const ivec high = {2, 6, 3, 7};
#else
#error "pool_cpu.c: 4, 8 or 16 lanes"
#endif

static inline ivec broadcast_int(int s) { return (ivec){0} + s; }

/* The first n (0 < n <= LANES) of LANES lanes at p, read and written whole where p + LANES lies within
   the call's arrays (end): the lanes past n read the next elements, and write over outputs that a
   later step (rows go in ascending order) writes again; only near the end are they masked. A row of
   the CNN's pools is less than a vector (14 and 7 outputs), and masked stores cost twice the time. */
static inline vec load_some(const float* p, int n, const float* end) {
    return n == LANES || p + LANES <= end ? load(p) : load_first(p, n);
}

static inline ivec load_some_ints(const int* p, int n, const int* end) {
    return n == LANES || p + LANES <= end ? load_ints(p) : load_first_ints(p, n);
}

static inline void store_some(float* p, vec v, int n, const float* end) {
    if (n == LANES || p + LANES <= end) {
        store(p, v);
    } else {
        store_first(p, v, n);
    }
}

static inline void store_some_ints(int* p, ivec v, int n, const int* end) {
    if (n == LANES || p + LANES <= end) {
        store_ints(p, v);
    } else {
        store_first_ints(p, v, n);
    }
}

/* 2 n floats from p (0 < n <= LANES) as two vectors (lanes past them as load_some leaves them) */
static inline void load_pairs(const float* p, int n, const float* end, vec* first, vec* second) {
    if (2 * n > LANES) {
        *first = load(p);
        *second = load_some(p + LANES, 2 * n - LANES, end);
    } else {
        *first = load_some(p, 2 * n, end);
        *second = *first;
    }
}

static inline void store_pairs(float* p, int n, const float* end, vec first, vec second) {
    if (2 * n > LANES) {
        store(p, first);
        store_some(p + LANES, second, 2 * n - LANES, end);
    } else {
        store_some(p, first, 2 * n, end);
    }
}

/* one step of the max rule: v (at index) replaces the best where v > best or v is NaN */
static inline void take(vec* best, ivec* best_index, vec v, ivec index) {
    ivec replaces = (v > *best) | (v != v);
    *best = select_lanes(replaces, v, *best);
    *best_index = select_ints(replaces, index, *best_index);
}

/* one plane, 2x2 windows at stride 2: out_height x out_width outputs from rows 2p, 2p + 1; y_end and
   x_end end the call's arrays */
static void max_forward_2x2(float* y, int* argmax, const float* x, int width, int out_height, int out_width,
                            const float* y_end, const float* x_end) {
    const int* argmax_end = argmax + (y_end - y);
    for (int p = 0; p < out_height; p++) {
        const float* top = x + 2 * p * width;
        for (int q = 0; q < out_width; q += LANES) {
            int n = out_width - q < LANES ? out_width - q : LANES;
            vec top_first, top_second, bottom_first, bottom_second;
            load_pairs(top + 2 * q, n, x_end, &top_first, &top_second);
            load_pairs(top + width + 2 * q, n, x_end, &bottom_first, &bottom_second);
            /* the window's first element (row-major) is where the scan starts */
            ivec first = broadcast_int(2 * p * width + 2 * q) + lane_index + lane_index;
            vec best = __builtin_shuffle(top_first, top_second, even);
            ivec best_index = first;
            take(&best, &best_index, __builtin_shuffle(top_first, top_second, odd), first + 1);
            take(&best, &best_index, __builtin_shuffle(bottom_first, bottom_second, even), first + width);
            take(&best, &best_index, __builtin_shuffle(bottom_first, bottom_second, odd), first + (width + 1));
            int o = p * out_width + q;
            store_some(y + o, best, n, y_end);
            store_some_ints(argmax + o, best_index, n, argmax_end);
        }
    }
}

static void max_forward_any(float* y, int* argmax, const float* x, int width, int out_height, int out_width,
                            int kernel_height, int kernel_width, int stride_height, int stride_width) {
    for (int p = 0; p < out_height; p++) {
        for (int q = 0; q < out_width; q++) {
            int first = p * stride_height * width + q * stride_width;
            int best_index = first;
            float best = x[first];
            for (int r = 0; r < kernel_height; r++) {
                for (int s = 0; s < kernel_width; s++) {
                    /* the first element against itself changes nothing (a NaN replaces itself) */
                    int index = first + r * width + s;
                    float v = x[index];
                    if (v > best || v != v) {
                        best = v;
                        best_index = index;
                    }
                }
            }
            y[p * out_width + q] = best;
            argmax[p * out_width + q] = best_index;
        }
    }
}

/* what every public pooling function derives from its geometry: the output plane (no padding, floor
   mode), the planes' sizes, and whether the windows are 2x2 at stride 2 (the vectorized paths) */
typedef struct {
    int out_height, out_width, pairs;
    long long in_plane, out_plane;
} pool_shape;

static pool_shape pool_shape_of(int height, int width, int kernel_height, int kernel_width, int stride_height,
                                int stride_width) {
    pool_shape g;
    g.out_height = (height - kernel_height) / stride_height + 1;
    g.out_width = (width - kernel_width) / stride_width + 1;
    g.in_plane = (long long)height * width;
    g.out_plane = (long long)g.out_height * g.out_width;
    g.pairs = kernel_height == 2 && kernel_width == 2 && stride_height == 2 && stride_width == 2;
    return g;
}

void VARIANT(gradsign_cpu_max_pool2d_forward)(float* y, int* argmax, const float* x, int planes, int height,
                                              int width, int kernel_height, int kernel_width, int stride_height,
                                              int stride_width) {
    pool_shape g = pool_shape_of(height, width, kernel_height, kernel_width, stride_height, stride_width);
    int out_height = g.out_height, out_width = g.out_width, pairs = g.pairs;
    long long in_plane = g.in_plane, out_plane = g.out_plane;
    for (int plane = 0; plane < planes; plane++) {
        float* plane_y = y + plane * out_plane;
        int* plane_argmax = argmax + plane * out_plane;
        const float* plane_x = x + plane * in_plane;
        if (pairs) {
            max_forward_2x2(plane_y, plane_argmax, plane_x, width, out_height, out_width, y + planes * out_plane,
                            x + planes * in_plane);
        } else {
            max_forward_any(plane_y, plane_argmax, plane_x, width, out_height, out_width, kernel_height,
                            kernel_width, stride_height, stride_width);
        }
    }
}

/* zeroes rows [row_from, height) and, of the rows before, the columns [column_from, width): the part of
   a plane no window of the fast paths below writes */
static void zero_rest(float* dx, int height, int width, int row_from, int column_from) {
    if (column_from < width) {
        for (int row = 0; row < row_from; row++) {
            memset(dx + (long long)row * width + column_from, 0, (size_t)(width - column_from) * sizeof(float));
        }
    }
    memset(dx + (long long)row_from * width, 0, (size_t)(height - row_from) * width * sizeof(float));
}

/* one plane, 2x2 windows at stride 2: each input element lies in one window at most, so it is 0 + dy
   of that window where it is the argmax, 0 elsewhere. A row's blocks of LANES outputs go last first:
   the wide store of the top row's last block reaches into the bottom row's first, written after it. */
static void max_backward_2x2(float* dx, const float* dy, const int* argmax, int height, int width, int out_height,
                             int out_width, const float* dx_end, const float* dy_end) {
    const int* argmax_end = argmax + (dy_end - dy);
    const vec zero = {0};
    int last = (out_width - 1) / LANES * LANES;
    for (int p = 0; p < out_height; p++) {
        float* top = dx + 2 * p * width;
        for (int q = last; q >= 0; q -= LANES) {
            int n = out_width - q < LANES ? out_width - q : LANES;
            int o = p * out_width + q;
            vec g = zero + load_some(dy + o, n, dy_end); /* the sum from 0: -0 becomes +0 */
            ivec at = load_some_ints(argmax + o, n, argmax_end);
            ivec first = broadcast_int(2 * p * width + 2 * q) + lane_index + lane_index;
            vec a = select_lanes(at == first, g, zero);
            vec b = select_lanes(at == first + 1, g, zero);
            vec c = select_lanes(at == first + width, g, zero);
            vec d = select_lanes(at == first + (width + 1), g, zero);
            store_pairs(top + 2 * q, n, dx_end, __builtin_shuffle(a, b, low), __builtin_shuffle(a, b, high));
            store_pairs(top + width + 2 * q, n, dx_end, __builtin_shuffle(c, d, low), __builtin_shuffle(c, d, high));
        }
    }
    zero_rest(dx, height, width, 2 * out_height, 2 * out_width);
}

/* the windows scattered into a zeroed plane in row-major order, which adds to each element in the
   rule's order; an argmax outside its own window is left out, as the CUDA kernel's gather (which
   looks only at the windows over each element) leaves it out */
static void max_backward_any(float* dx, const float* dy, const int* argmax, int height, int width, int out_height,
                             int out_width, int kernel_height, int kernel_width, int stride_height,
                             int stride_width) {
    memset(dx, 0, (size_t)height * width * sizeof(float));
    for (int p = 0; p < out_height; p++) {
        for (int q = 0; q < out_width; q++) {
            int o = p * out_width + q;
            int index = argmax[o];
            if (index < 0 || index >= height * width) continue;
            unsigned r = (unsigned)(index / width - p * stride_height);
            unsigned s = (unsigned)(index % width - q * stride_width);
            if (r < (unsigned)kernel_height && s < (unsigned)kernel_width) dx[index] += dy[o];
        }
    }
}

void VARIANT(gradsign_cpu_max_pool2d_backward)(float* dx, const float* dy, const int* argmax, int planes, int height,
                                               int width, int kernel_height, int kernel_width, int stride_height,
                                               int stride_width) {
    pool_shape g = pool_shape_of(height, width, kernel_height, kernel_width, stride_height, stride_width);
    int out_height = g.out_height, out_width = g.out_width, pairs = g.pairs;
    long long in_plane = g.in_plane, out_plane = g.out_plane;
    for (int plane = 0; plane < planes; plane++) {
        if (pairs) {
            max_backward_2x2(dx + plane * in_plane, dy + plane * out_plane, argmax + plane * out_plane, height, width,
                             out_height, out_width, dx + planes * in_plane, dy + planes * out_plane);
        } else {
            max_backward_any(dx + plane * in_plane, dy + plane * out_plane, argmax + plane * out_plane, height, width,
                             out_height, out_width, kernel_height, kernel_width, stride_height, stride_width);
        }
    }
}

/* one plane, 2x2 windows at stride 2: ((((0 + a) + b) + c) + d) / 4 */
static void avg_forward_2x2(float* y, const float* x, int width, int out_height, int out_width, const float* y_end,
                            const float* x_end) {
    const vec zero = {0};
    const vec area = broadcast(4.0f);
    for (int p = 0; p < out_height; p++) {
        const float* top = x + 2 * p * width;
        for (int q = 0; q < out_width; q += LANES) {
            int n = out_width - q < LANES ? out_width - q : LANES;
            vec top_first, top_second, bottom_first, bottom_second;
            load_pairs(top + 2 * q, n, x_end, &top_first, &top_second);
            load_pairs(top + width + 2 * q, n, x_end, &bottom_first, &bottom_second);
            vec sum = zero + __builtin_shuffle(top_first, top_second, even);
            sum = sum + __builtin_shuffle(top_first, top_second, odd);
            sum = sum + __builtin_shuffle(bottom_first, bottom_second, even);
            sum = sum + __builtin_shuffle(bottom_first, bottom_second, odd);
            store_some(y + p * out_width + q, sum / area, n, y_end);
        }
    }
}

static void avg_forward_any(float* y, const float* x, int width, int out_height, int out_width, int kernel_height,
                            int kernel_width, int stride_height, int stride_width) {
    float area = (float)(kernel_height * kernel_width);
    for (int p = 0; p < out_height; p++) {
        for (int q = 0; q < out_width; q++) {
            const float* window = x + p * stride_height * width + q * stride_width;
            float sum = 0.0f;
            for (int r = 0; r < kernel_height; r++) {
                for (int s = 0; s < kernel_width; s++) sum += window[r * width + s];
            }
            y[p * out_width + q] = sum / area;
        }
    }
}

void VARIANT(gradsign_cpu_avg_pool2d_forward)(float* y, const float* x, int planes, int height, int width,
                                              int kernel_height, int kernel_width, int stride_height,
                                              int stride_width) {
    pool_shape g = pool_shape_of(height, width, kernel_height, kernel_width, stride_height, stride_width);
    int out_height = g.out_height, out_width = g.out_width, pairs = g.pairs;
    long long in_plane = g.in_plane, out_plane = g.out_plane;
    for (int plane = 0; plane < planes; plane++) {
        if (pairs) {
            avg_forward_2x2(y + plane * out_plane, x + plane * in_plane, width, out_height, out_width,
                            y + planes * out_plane, x + planes * in_plane);
        } else {
            avg_forward_any(y + plane * out_plane, x + plane * in_plane, width, out_height, out_width, kernel_height,
                            kernel_width, stride_height, stride_width);
        }
    }
}

/* one plane, 2x2 windows at stride 2: every element of a window is 0 + dy / 4; blocks last first, as
   in max_backward_2x2 */
static void avg_backward_2x2(float* dx, const float* dy, int height, int width, int out_height, int out_width,
                             const float* dx_end, const float* dy_end) {
    const vec zero = {0};
    const vec area = broadcast(4.0f);
    int last = (out_width - 1) / LANES * LANES;
    for (int p = 0; p < out_height; p++) {
        float* top = dx + 2 * p * width;
        for (int q = last; q >= 0; q -= LANES) {
            int n = out_width - q < LANES ? out_width - q : LANES;
            vec share = zero + load_some(dy + p * out_width + q, n, dy_end) / area;
            vec first = __builtin_shuffle(share, share, low), second = __builtin_shuffle(share, share, high);
            store_pairs(top + 2 * q, n, dx_end, first, second);
            store_pairs(top + width + 2 * q, n, dx_end, first, second);
        }
    }
    zero_rest(dx, height, width, 2 * out_height, 2 * out_width);
}

/* each window's share, dy / (kh kw), scattered into a zeroed plane in row-major window order */
static void avg_backward_any(float* dx, const float* dy, int height, int width, int out_height, int out_width,
                             int kernel_height, int kernel_width, int stride_height, int stride_width) {
    float area = (float)(kernel_height * kernel_width);
    memset(dx, 0, (size_t)height * width * sizeof(float));
    for (int p = 0; p < out_height; p++) {
        for (int q = 0; q < out_width; q++) {
            float share = dy[p * out_width + q] / area;
            float* window = dx + p * stride_height * width + q * stride_width;
            for (int r = 0; r < kernel_height; r++) {
                for (int s = 0; s < kernel_width; s++) window[r * width + s] += share;
            }
        }
    }
}

void VARIANT(gradsign_cpu_avg_pool2d_backward)(float* dx, const float* dy, int planes, int height, int width,
                                               int kernel_height, int kernel_width, int stride_height,
                                               int stride_width) {
    pool_shape g = pool_shape_of(height, width, kernel_height, kernel_width, stride_height, stride_width);
    int out_height = g.out_height, out_width = g.out_width, pairs = g.pairs;
    long long in_plane = g.in_plane, out_plane = g.out_plane;
    for (int plane = 0; plane < planes; plane++) {
        if (pairs) {
            avg_backward_2x2(dx + plane * in_plane, dy + plane * out_plane, height, width, out_height, out_width,
                             dx + planes * in_plane, dy + planes * out_plane);
        } else {
            avg_backward_any(dx + plane * in_plane, dy + plane * out_plane, height, width, out_height, out_width,
                             kernel_height, kernel_width, stride_height, stride_width);
        }
    }
}

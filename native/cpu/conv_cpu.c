/* conv_cpu.c: the CPU backend's direct convolution at stride 1 (see gradsign_cpu.h), compiled once per
   instruction set (see dense_cpu.c). An output row is a run of vectors of GRADSIGN_CPU_LANES pixels;
   a block of output channels x output rows keeps its sums in registers while the taps (input
   channel, kernel row, kernel column) go by: per tap, one load of the input per row (a zero-padded
   copy, so every tap reads a plain run of floats) and one broadcast weight per channel, each feeding
   a fused multiply-add per row. No columns are built: im2col and col2im took a third of the CNN's
   second convolution, and sgemm on the columns ran below this loop's rate. The same loop runs the
   backward pass to the input, a convolution of dy with the flipped, transposed weights; one output
   channel of a 3x3 kernel has a loop of its own. The weight gradient sums taps x vectors of output
   channels over each sample's pixels (dy transposed to pixels x channels), and the bias gradient
   sums in double in a fixed order. */
#include "cpu_vector.h"
#include "gradsign_cpu.h"

/* output channels x output rows summed at once: 8 x 2 vectors where there are 32 registers (AVX-512),
   4 x 2 with 16 (more rows per block left fewer registers for the loads, and lost the rows past the
   plane: the CNN's 14 rows in blocks of 4 are 16); fewer output channels than a block leave its
   other sums unused, so the caller keeps this for layers of 8 output channels or more */
#if GRADSIGN_CPU_LANES == 16
enum { CHANNEL_BLOCK = 8 };
#else
enum { CHANNEL_BLOCK = 4 };
#endif
enum { ROW_BLOCK = 2 };

/* the sums of output channels [o, o + channels) x rows [p, p + rows) x columns [q, q + LANES), each
   from its bias, the taps added one by one in (input channel, kernel row, kernel column) order; only
   the channels below out_channels, rows below row_to and columns below out_width are stored. The
   others read zero weights or rows past the plane (the slack), and are dropped. */
static inline __attribute__((always_inline)) void conv_block(
    float* out, const float* in, const float* weights_t, int ldw, const float* bias, int in_channels,
    int out_channels, int kernel_height, int kernel_width, int out_height, int out_width, int padded_width,
    long long padded_plane, int activation, int o, int p, int q, int row_to, const int channels, const int rows) {
    vec sum[CHANNEL_BLOCK][ROW_BLOCK];
    for (int c = 0; c < channels; c++) {
        float b = bias != 0 && o + c < out_channels ? bias[o + c] : 0.0f;
        for (int r = 0; r < rows; r++) sum[c][r] = broadcast(b);
    }
    const float* w = weights_t + o;
    for (int i = 0; i < in_channels; i++) {
        const float* plane = in + i * padded_plane + (long long)p * padded_width + q;
        for (int kr = 0; kr < kernel_height; kr++) {
            for (int ks = 0; ks < kernel_width; ks++, w += ldw) {
                vec x[ROW_BLOCK];
                for (int r = 0; r < rows; r++) x[r] = load(plane + (long long)(r + kr) * padded_width + ks);
                for (int c = 0; c < channels; c++) {
                    vec wc = broadcast(w[c]);
                    for (int r = 0; r < rows; r++) sum[c][r] = vmadd(wc, x[r], sum[c][r]);
                }
            }
        }
    }
    int n = out_width - q < LANES ? out_width - q : LANES;
    for (int c = 0; c < channels && o + c < out_channels; c++) {
        for (int r = 0; r < rows && p + r < row_to; r++) {
            vec v = activation == GRADSIGN_CPU_ACTIVATION_RELU ? relu_vector(sum[c][r]) : sum[c][r];
            float* at = out + ((long long)(o + c) * out_height + p + r) * out_width + q;
            if (n == LANES) {
                store(at, v);
            } else {
                store_first(at, v, n);
            }
        }
    }
}

/* one output channel of a 3x3 kernel (the backward pass of a first layer, to one input channel): 4
   rows x 2 vectors of a row summed at once, each input vector loaded once per input channel and
   shift and added to the up to 3 output rows it reaches, with the 9 weights held in registers; the
   terms of each output still come in (input channel, kernel row, kernel column) order, as in
   conv_block. A block of channels would leave 7 of its 8 sums unused here, and a vector per tap and
   row (the loop above with one channel) is a load per fused multiply-add, half the rate. */
enum { SINGLE_ROWS = 4, SINGLE_VECTORS = 2 };

static void conv_single_3x3(float* out, const float* in, const float* weights_t, int ldw, const float* bias,
                            int in_channels, int out_height, int out_width, int padded_width,
                            long long padded_plane, int activation, int o, int p, int q, int row_to) {
    vec sum[SINGLE_ROWS][SINGLE_VECTORS];
    vec b = broadcast(bias != 0 ? bias[o] : 0.0f);
    for (int y = 0; y < SINGLE_ROWS; y++) {
        for (int v = 0; v < SINGLE_VECTORS; v++) sum[y][v] = b;
    }
    const float* w = weights_t + o;
    for (int i = 0; i < in_channels; i++, w += 9 * ldw) {
        vec wv[3][3];
        for (int r = 0; r < 3; r++) {
            for (int s = 0; s < 3; s++) wv[r][s] = broadcast(w[(r * 3 + s) * ldw]);
        }
        const float* plane = in + i * padded_plane + (long long)p * padded_width + q;
        /* input row u reaches output rows u - r; for each, the taps in (r, s) order, as u ascends */
#pragma GCC unroll 6
        for (int u = 0; u < SINGLE_ROWS + 2; u++) {
#pragma GCC unroll 3
            for (int s = 0; s < 3; s++) {
#pragma GCC unroll 2
                for (int v = 0; v < SINGLE_VECTORS; v++) {
                    vec x = load(plane + (long long)u * padded_width + s + v * LANES);
                    /* x in a register from here: GCC otherwise folds the load into each of the 3
                       multiply-adds, a load per multiply-add again */
                    __asm__("" : "+v"(x));
#pragma GCC unroll 3
                    for (int r = 0; r < 3; r++) {
                        int y = u - r;
                        if (y >= 0 && y < SINGLE_ROWS) sum[y][v] = vmadd(wv[r][s], x, sum[y][v]);
                    }
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int y = 0; y < SINGLE_ROWS; y++) {
#pragma GCC unroll 2
        for (int v = 0; v < SINGLE_VECTORS; v++) {
            int column = q + v * LANES;
            if (p + y >= row_to || column >= out_width) continue;
            int n = out_width - column < LANES ? out_width - column : LANES;
            vec result = activation == GRADSIGN_CPU_ACTIVATION_RELU ? relu_vector(sum[y][v]) : sum[y][v];
            float* at = out + ((long long)o * out_height + p + y) * out_width + column;
            if (n == LANES) {
                store(at, result);
            } else {
                store_first(at, result, n);
            }
        }
    }
}

void VARIANT(gradsign_cpu_conv2d_padded)(float* out, const float* in_padded, const float* weights_t,
                                         const float* bias, int in_channels, int out_channels, int kernel_height,
                                         int kernel_width, int out_height, int out_width, int activation,
                                         int row_from, int row_to) {
    int padded_width = out_width + kernel_width - 1;
    long long padded_plane = (long long)(out_height + kernel_height - 1) * padded_width;
    int ldw = gradsign_cpu_conv2d_weights_stride(out_channels);
    if (out_channels < CHANNEL_BLOCK && kernel_height == 3 && kernel_width == 3) {
        for (int o = 0; o < out_channels; o++) {
            for (int p = row_from; p < row_to; p += SINGLE_ROWS) {
                for (int q = 0; q < out_width; q += SINGLE_VECTORS * LANES) {
                    conv_single_3x3(out, in_padded, weights_t, ldw, bias, in_channels, out_height, out_width,
                                    padded_width, padded_plane, activation, o, p, q, row_to);
                }
            }
        }
        return;
    }
    for (int o = 0; o < out_channels; o += CHANNEL_BLOCK) {
        for (int p = row_from; p < row_to; p += ROW_BLOCK) {
            for (int q = 0; q < out_width; q += LANES) {
                conv_block(out, in_padded, weights_t, ldw, bias, in_channels, out_channels, kernel_height,
                           kernel_width, out_height, out_width, padded_width, padded_plane, activation, o, p, q,
                           row_to, CHANNEL_BLOCK, ROW_BLOCK);
            }
        }
    }
}

void VARIANT(gradsign_cpu_conv2d_pad)(float* in_padded, const float* x, int channels, int height, int width, int top,
                                      int left, int padded_height, int padded_width) {
    long long padded_plane = (long long)padded_height * padded_width;
    /* zeroed whole, then x's rows copied in by vectors: a few hundred rows of a few tens of floats,
       where a call of memcpy and two of memset per row took as long as a tenth of the convolution */
    memset(in_padded, 0, (size_t)(channels * padded_plane + gradsign_cpu_conv2d_slack(padded_width)) * sizeof(float));
    /* the columns of a padded row that come from x: v - left in [0, width) */
    int v_from = left > 0 ? left : 0;
    int v_to = width + left < padded_width ? width + left : padded_width;
    int u_from = top > 0 ? top : 0;
    int u_to = height + top < padded_height ? height + top : padded_height;
    if (v_to <= v_from || u_to <= u_from) return;
    for (int c = 0; c < channels; c++) {
        for (int u = u_from; u < u_to; u++) {
            float* row = in_padded + c * padded_plane + (long long)u * padded_width + v_from;
            const float* source = x + ((long long)c * height + u - top) * width + v_from - left;
            int v = 0;
            for (; v + LANES <= v_to - v_from; v += LANES) store(row + v, load(source + v));
            if (v < v_to - v_from) store_first(row + v, load_first(source + v, v_to - v_from - v), v_to - v_from - v);
        }
    }
}

void VARIANT(gradsign_cpu_conv2d_weights)(float* weights_t, const float* weights, int out_channels,
                                          int in_channels, int kernel_height, int kernel_width, int flip,
                                          int channel_from, int channel_to) {
    int taps = kernel_height * kernel_width;
    /* the convolution run: flip 0 the layer itself, flip 1 its backward pass to the input */
    int run_in = flip ? out_channels : in_channels;
    int ldw = gradsign_cpu_conv2d_weights_stride(channel_to - channel_from);
    for (int i = 0; i < run_in; i++) {
        for (int t = 0; t < taps; t++) {
            float* row = weights_t + ((long long)i * taps + t) * ldw - channel_from;
            for (int o = channel_from; o < channel_to; o++) {
                /* weights (K, C, R, S): forward [o][i][t], backward [i][o][taps - 1 - t] */
                row[o] = flip ? weights[((long long)i * in_channels + o) * taps + (taps - 1 - t)]
                              : weights[((long long)o * in_channels + i) * taps + t];
            }
            for (int o = channel_to; o < channel_from + ldw; o++) row[o] = 0.0f;
        }
    }
}

typedef float float8 __attribute__((vector_size(8 * sizeof(float)), may_alias));
typedef double double8 __attribute__((vector_size(8 * sizeof(double))));

void VARIANT(gradsign_cpu_conv2d_bias_gradient)(float* dbias, const float* dy, int batch, int channels, int plane,
                                                int channel_from, int channel_to) {
    /* eight sums in double per channel, element i of each plane into sum i mod 8 (GCC's vector of 8
       doubles: the same arithmetic on every instruction set), then a fixed tree; up to 64 channels at
       a time, each sample's planes of those channels read in one pass, in memory order (one sum after
       the other in Java, the first layer's at batch 256 took 2 ms; channel by channel, 1.5 ms) */
    enum { CHANNELS_AT_ONCE = 64 };
    double8 sums[CHANNELS_AT_ONCE];
    for (int first = channel_from; first < channel_to; first += CHANNELS_AT_ONCE) {
        int last = channel_to - first < CHANNELS_AT_ONCE ? channel_to : first + CHANNELS_AT_ONCE;
        for (int k = first; k < last; k++) sums[k - first] = (double8){0};
        for (int n = 0; n < batch; n++) {
            for (int k = first; k < last; k++) {
                const float* values = dy + ((long long)n * channels + k) * plane;
                double8 sum = sums[k - first];
                int i = 0;
                for (; i + 8 <= plane; i += 8) {
                    float8 v;
                    memcpy(&v, values + i, sizeof v);
                    sum += __builtin_convertvector(v, double8);
                }
                for (; i < plane; i++) sum[i % 8] += values[i];
                sums[k - first] = sum;
            }
        }
        for (int k = first; k < last; k++) {
            double8 sum = sums[k - first];
            dbias[k] = (float)(((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7])));
        }
    }
}

/* the weight gradient: taps x vectors of output channels summed at once over the pixels, 6 x 4 where
   there are 32 registers (the CNN's second layer: its 64 channels in one block), 12 x 2 for 32
   channels or fewer (its first), 24 x 1 for 16; halved with 16 registers */
#if GRADSIGN_CPU_LANES == 16
enum { GRADIENT_SUMS = 24 };
#else
enum { GRADIENT_SUMS = 8 };
#endif

typedef float float4 __attribute__((vector_size(4 * sizeof(float)), may_alias));
typedef int int4 __attribute__((vector_size(4 * sizeof(int))));

/* to[i][k] (rows of ld_to floats) = from[k][i] (rows of ld_from) for k < rows, i < columns: blocks of
   4 x 4 through vectors of 4 (one element at a time, dy's transpose took a tenth of the second layer's
   weight gradient, and half of the first's) */
static void transpose(float* to, long long ld_to, const float* from, long long ld_from, int rows, long long columns) {
    int k = 0;
    for (; k + 4 <= rows; k += 4) {
        long long i = 0;
        for (; i + 4 <= columns; i += 4) {
            float4 a, b, c, d;
            memcpy(&a, from + k * ld_from + i, sizeof a);
            memcpy(&b, from + (k + 1) * ld_from + i, sizeof b);
            memcpy(&c, from + (k + 2) * ld_from + i, sizeof c);
            memcpy(&d, from + (k + 3) * ld_from + i, sizeof d);
            float4 ab_low = __builtin_shuffle(a, b, (int4){0, 4, 1, 5});
            float4 ab_high = __builtin_shuffle(a, b, (int4){2, 6, 3, 7});
            float4 cd_low = __builtin_shuffle(c, d, (int4){0, 4, 1, 5});
            float4 cd_high = __builtin_shuffle(c, d, (int4){2, 6, 3, 7});
            float4 r0 = __builtin_shuffle(ab_low, cd_low, (int4){0, 1, 4, 5});
            float4 r1 = __builtin_shuffle(ab_low, cd_low, (int4){2, 3, 6, 7});
            float4 r2 = __builtin_shuffle(ab_high, cd_high, (int4){0, 1, 4, 5});
            float4 r3 = __builtin_shuffle(ab_high, cd_high, (int4){2, 3, 6, 7});
            memcpy(to + i * ld_to + k, &r0, sizeof r0);
            memcpy(to + (i + 1) * ld_to + k, &r1, sizeof r1);
            memcpy(to + (i + 2) * ld_to + k, &r2, sizeof r2);
            memcpy(to + (i + 3) * ld_to + k, &r3, sizeof r3);
        }
        for (; i < columns; i++) {
            for (int j = k; j < k + 4; j++) to[i * ld_to + j] = from[j * ld_from + i];
        }
    }
    for (; k < rows; k++) {
        for (long long i = 0; i < columns; i++) to[i * ld_to + k] = from[k * ld_from + i];
    }
}

/* dweights_t[t][k] += the sum over the sample's pixels (rows, then columns, in order, from 0) of
   x[t's channel][y + r][x + s] * dy_t[pixel][k], for taps [t0, t0 + taps) (clamped to depth: the rest
   are not stored) and the vectors of channels [k0, k0 + vectors LANES) */
static inline __attribute__((always_inline)) void weights_gradient_block(
    float* dweights_t, const float* dy_t, int ldk, const float* in_padded, long long padded_plane, int padded_width,
    int depth, int kernel_height, int kernel_width, int out_height, int out_width, int t0, int k0, const int taps,
    const int vectors) {
    long long offsets[GRADIENT_SUMS];
    for (int j = 0; j < taps; j++) {
        int t = t0 + j < depth ? t0 + j : depth - 1;
        int c = t / (kernel_height * kernel_width);
        int r = t / kernel_width % kernel_height;
        int s = t % kernel_width;
        offsets[j] = c * padded_plane + (long long)r * padded_width + s;
    }
    vec sum[GRADIENT_SUMS][4];
    for (int j = 0; j < taps; j++) {
        for (int v = 0; v < vectors; v++) sum[j][v] = (vec){0};
    }
    const float* g = dy_t + k0;
    for (int p = 0; p < out_height; p++) {
        const float* x = in_padded + (long long)p * padded_width;
        for (int q = 0; q < out_width; q++, g += ldk) {
            vec gv[4];
            for (int v = 0; v < vectors; v++) gv[v] = load(g + v * LANES);
            for (int j = 0; j < taps; j++) {
                vec xv = broadcast(x[q + offsets[j]]);
                for (int v = 0; v < vectors; v++) sum[j][v] = vmadd(xv, gv[v], sum[j][v]);
            }
        }
    }
    /* loops of a constant count, unrolled whole: indexed by a loop variable, the sums would live in
       memory (GCC stored them at every step of the loops above) */
#pragma GCC unroll 24
    for (int j = 0; j < taps; j++) {
#pragma GCC unroll 4
        for (int v = 0; v < vectors; v++) {
            if (t0 + j < depth) {
                float* at = dweights_t + (long long)(t0 + j) * ldk + k0 + v * LANES;
                store(at, load(at) + sum[j][v]);
            }
        }
    }
}

void VARIANT(gradsign_cpu_conv2d_weights_gradient)(float* dweights, const float* dy, const float* x, float* scratch,
                                                   int batch, int in_channels, int height, int width,
                                                   int out_channels, int kernel_height, int kernel_width,
                                                   int pad_height, int pad_width, int k_from, int k_to) {
    int out_height = height + 2 * pad_height - kernel_height + 1;
    int out_width = width + 2 * pad_width - kernel_width + 1;
    int padded_height = out_height + kernel_height - 1;
    int padded_width = out_width + kernel_width - 1;
    long long padded_plane = (long long)padded_height * padded_width;
    int depth = in_channels * kernel_height * kernel_width;
    int k_count = k_to - k_from;
    int ldk = (k_count + 15) / 16 * 16;
    long long out_plane = (long long)out_height * out_width;
    float* in_padded = scratch;
    float* dy_t = in_padded + in_channels * padded_plane + gradsign_cpu_conv2d_slack(padded_width);
    float* dweights_t = dy_t + out_plane * ldk;
    memset(dweights_t, 0, (size_t)depth * ldk * sizeof(float));
    /* dy_t's columns past the channels stay 0 */
    memset(dy_t, 0, (size_t)(out_plane * ldk) * sizeof(float));
    int vectors_all = ldk / LANES;
    for (int n = 0; n < batch; n++) {
        VARIANT(gradsign_cpu_conv2d_pad)(in_padded, x + (long long)n * in_channels * height * width, in_channels,
                                         height, width, pad_height, pad_width, padded_height, padded_width);
        transpose(dy_t, ldk, dy + ((long long)n * out_channels + k_from) * out_plane, out_plane, k_count, out_plane);
        /* blocks of 4 vectors of channels, then 2, then 1; each over every tap */
        int k = 0;
        for (; k + 4 <= vectors_all; k += 4) {
            for (int t = 0; t < depth; t += GRADIENT_SUMS / 4) {
                weights_gradient_block(dweights_t, dy_t, ldk, in_padded, padded_plane, padded_width, depth,
                                       kernel_height, kernel_width, out_height, out_width, t, k * LANES,
                                       GRADIENT_SUMS / 4, 4);
            }
        }
        for (; k + 2 <= vectors_all; k += 2) {
            for (int t = 0; t < depth; t += GRADIENT_SUMS / 2) {
                weights_gradient_block(dweights_t, dy_t, ldk, in_padded, padded_plane, padded_width, depth,
                                       kernel_height, kernel_width, out_height, out_width, t, k * LANES,
                                       GRADIENT_SUMS / 2, 2);
            }
        }
        for (; k < vectors_all; k++) {
            for (int t = 0; t < depth; t += GRADIENT_SUMS) {
                weights_gradient_block(dweights_t, dy_t, ldk, in_padded, padded_plane, padded_width, depth,
                                       kernel_height, kernel_width, out_height, out_width, t, k * LANES,
                                       GRADIENT_SUMS, 1);
            }
        }
    }
    transpose(dweights + (long long)k_from * depth, depth, dweights_t, ldk, depth, k_count);
}

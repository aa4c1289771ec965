/* conv_cpu.c: the CPU backend's direct convolution at stride 1 (see gradsign_cpu.h), compiled once per
   instruction set (see dense_cpu.c). An output row is a run of vectors of GRADSIGN_CPU_LANES pixels;
   a block of output channels x output rows keeps its sums in registers while the taps (input
   channel, kernel row, kernel column) go by: per tap, one load of the input per row (a zero-padded
   copy, so every tap reads a plain run of floats) and one broadcast weight per channel, each feeding
   a fused multiply-add per row. No columns are built: im2col and col2im took a third of the CNN's
   second convolution, and sgemm on the columns ran below this loop's rate. The same loop runs the
   backward pass to the input, a convolution of dy with the flipped, transposed weights. */
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

void VARIANT(gradsign_cpu_conv2d_padded)(float* out, const float* in_padded, const float* weights_t,
                                         const float* bias, int in_channels, int out_channels, int kernel_height,
                                         int kernel_width, int out_height, int out_width, int activation,
                                         int row_from, int row_to) {
    int padded_width = out_width + kernel_width - 1;
    long long padded_plane = (long long)(out_height + kernel_height - 1) * padded_width;
    int ldw = gradsign_cpu_conv2d_weights_stride(out_channels);
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

/* gradsign_cpu.h: the CPU backend's own kernels, where they beat OpenBLAS or Java: a batch's dense
   products over weights packed once, with the step's element-wise work in their epilogues; one sample's
   dense forward pass and backward pass to the input (the latter skips the rows whose gradient is
   zero), the element-wise work between them (ReLU, the gradient at a layer's outputs), the fused sign
   step, the scan for non-finite inputs, pooling, and convolutions at stride 1. Matrices are row-major; weights are
   (out, in) as in the CUDA kernels. Each call covers a range of rows or elements, so the Java side
   splits the work over cores. Sizes are checked by the caller. */
#ifndef GRADSIGN_CPU_H
#define GRADSIGN_CPU_H

#ifdef __cplusplus
extern "C" {
#endif

/* instruction sets, best last; the kernels are compiled once for each */
#define GRADSIGN_CPU_ISA_GENERIC 0
#define GRADSIGN_CPU_ISA_AVX2 1
#define GRADSIGN_CPU_ISA_AVX512 2

/* y[r] = bias[r] + sum over c < in of weights[r, c] * x[c] for r in [row_from, row_to): one sample's
   dense forward pass over a range of output rows, before the activation; y and bias (out), x (in) */
void gradsign_cpu_dense_forward_one(float* y, const float* weights, const float* bias, const float* x, int in,
                                    int row_from, int row_to);

/* y[r] = bias[r] + sum over c < in with x[c] != 0 of x[c] * weights_t[c, r] for r in [row_from, row_to):
   the forward pass above over the transposed weights, weights_t (in, out), which skips the inputs
   that are exactly zero (after a ReLU about half; the background of an image): their row of
   weights_t is not read, so a non-finite weight there does not reach y. Each row's terms are added
   to its bias one at a time in ascending c (a fused multiply-add where the instruction set has one),
   so the result does not depend on how the rows are split or where the arrays start. */
void gradsign_cpu_dense_forward_one_transposed(float* y, const float* weights_t, const float* bias, const float* x,
                                               int in, int out, int row_from, int row_to);

/* dx[i] = sum over r in [row_from, row_to) of weights_t[i, r] * dy[r] for every i < in whose input
   below[i] is not zero, and 0 for the others (below null: every i): the backward pass above over
   the transposed weights, the share of a range of output rows, reading the same bytes as the forward
   pass over that range (and, with below the ReLU's outputs, only the rows of weights_t it read).
   Each dx[i] is a dot product in a fixed order: lane l of a vector of GRADSIGN_CPU_LANES floats adds
   weights_t[i, row_from + m LANES + l] * dy[...] for m ascending (fused where the instruction set
   has it), the lanes are summed in halves (16 -> 8 -> 4, then (l0 + l2) + (l1 + l3)), then the rows
   after the last whole vector are added in order; it depends on neither the alignment nor the other
   inputs. */
void gradsign_cpu_dense_backward_input_transposed(float* dx, const float* weights_t, const float* dy,
                                                  const float* below, int in, int out, int row_from, int row_to);

/* dx[c] = sum over rows r in [row_from, row_to) of dy[r] * weights[r, c] for every c < in: one
   sample's backward pass to the input, the share of a range of output rows (the caller adds the
   ranges' shares); dx (in), dy (out). Rows whose dy is exactly 0 (ReLU's inactive units) are
   skipped: their weights are not read, so a non-finite weight there does not reach dx. Rows are
   visited last to first: the forward pass over the same range read the last ones most recently. */
void gradsign_cpu_dense_backward_input_rows(float* dx, const float* weights, const float* dy, int in, int row_from,
                                            int row_to);

/* the activations gradsign_cpu_activation_gradient takes: GRADSIGN_ACTIVATION_NONE and _RELU of gradsign.h */
#define GRADSIGN_CPU_ACTIVATION_NONE 0
#define GRADSIGN_CPU_ACTIVATION_RELU 1

/* y[i] = max(y[i], 0) for i < count, as Java's Math.max(y, 0f): NaN stays NaN, -0 becomes +0 */
void gradsign_cpu_relu(float* y, long long count);

/* dy[i] = (dy[i] + shares[0 * share_stride + i] + ... + shares[(share_count - 1) * share_stride + i]) * f'(y[i])
   for i < count, the shares added one at a time in that order, then f' the derivative from the
   output y: 1 for GRADSIGN_CPU_ACTIVATION_NONE (y and the multiplication unused), and for _RELU
   min(y * 2^126 * 2^126, 1) as Java's Math.min (0 at y = 0, 1 above, NaN for NaN). The gradient at a
   layer's outputs in one sample's step: its ranges' shares of the layer above summed, then the
   activation's derivative applied, in the bits of the Java loops that do the same (tanh stays there:
   1 - y * y must not become a fused multiply-add). shares may be null where share_count is 0. */
void gradsign_cpu_activation_gradient(float* dy, const float* shares, long long share_stride, int share_count,
                                      const float* y, int activation, long long count);

/* SGD with momentum and weight decay for i < count (torch.optim.SGD, dampening 0): g = gradient[i] +
   weight_decay * parameters[i] (g = gradient[i] where weight_decay is 0), velocity[i] = momentum *
   velocity[i] + g, parameters[i] -= learning_rate * velocity[i], each operation rounded on its own: the
   bits of the CUDA kernel sgd_momentum (native/src/sgd.cu) */
void gradsign_cpu_sgd_momentum(float* parameters, float* velocity, const float* gradient, long long count,
                               float learning_rate, float momentum, float weight_decay);

/* out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi) for i < count: the CPU twin of the
   CUDA kernel sign_step (native/src/sign_step.cu), the same bits (Java's max and min: NaN in, NaN
   out; +0 above -0); lo and hi are not NaN; out may be x or gradient */
void gradsign_cpu_sign_step(float* out, const float* x, const float* gradient, long long count, float epsilon,
                            float lo, float hi);

/* out = ProjectedSignStep.projectedSignStepOne(x, origin, gradient, alpha, epsilon, lo, hi) element by
   element, count floats: the step of BIM and PGD (Backend.projectedSignStep), the bits of the CUDA
   kernel projected_sign_step (native/src/projected_sign_step.cu) and of Java's max and min (NaN in x,
   origin or gradient gives NaN; -0 below +0). out may be x; lo and hi are not NaN. */
void gradsign_cpu_projected_sign_step(float* out, const float* x, const float* origin, const float* gradient,
                                      long long count, float alpha, float epsilon, float lo, float hi);

/* the index of the first infinite or NaN value, -1 if all count values are finite */
long long gradsign_cpu_first_non_finite(const float* values, long long count);

/* 2-D pooling without padding, floor mode, over planes (sample, channel) of height x width floats:
   x (planes, height, width), y and argmax (planes, P, Q) with P = (height - kernel_height) /
   stride_height + 1 and Q alike; sizes checked by the caller. The CPU twins of the CUDA kernels
   (native/src/pool.cu), the same bits by rule:
   - max: each window scanned row-major from its first element, a later v replacing the best when
     v > best or v is NaN (the first of equal values stays, -0 and +0 are equal, the last NaN wins);
     y is the best (its bits), argmax its index within the input plane, iy * width + ix;
   - max backward: dx[i] = 0 + dy of every window whose argmax is i, in row-major window order (an
     argmax outside its own window adds nothing: the CUDA kernel gathers only from the windows over
     each element); dx overwritten;
   - average: ((0 + the window's elements, row-major) / (float)(kernel_height * kernel_width));
   - average backward: dx[i] = 0 + dy / (float)(kernel_height * kernel_width) of every window that
     holds i, in row-major window order; dx overwritten.
   2x2 windows at stride 2 run over vectors; other windows element by element. */
void gradsign_cpu_max_pool2d_forward(float* y, int* argmax, const float* x, int planes, int height, int width,
                                     int kernel_height, int kernel_width, int stride_height, int stride_width);
void gradsign_cpu_max_pool2d_backward(float* dx, const float* dy, const int* argmax, int planes, int height, int width,
                                      int kernel_height, int kernel_width, int stride_height, int stride_width);
void gradsign_cpu_avg_pool2d_forward(float* y, const float* x, int planes, int height, int width, int kernel_height,
                                     int kernel_width, int stride_height, int stride_width);
void gradsign_cpu_avg_pool2d_backward(float* dx, const float* dy, int planes, int height, int width,
                                      int kernel_height, int kernel_width, int stride_height, int stride_width);

/* A convolution at stride 1 without columns (no im2col): out (out_channels, out_height, out_width) =
   activation(bias + the correlation of in_padded with the weights), for the output rows
   [row_from, row_to) of one sample:
     out[o][y][x] = bias[o] + the sum over i < in_channels, r < kernel_height, s < kernel_width of
                    weights_t[((i * kernel_height + r) * kernel_width + s) * ldw + o]
                    * in_padded[(i * padded_height + y + r) * padded_width + x + s],
   the terms added to bias[o] (0 where bias is null) one at a time in that order, fused multiply-adds
   where the instruction set has them: the bits depend neither on the rows' split nor on the block an
   output falls in (but on the instruction set). padded_height = out_height + kernel_height - 1,
   padded_width = out_width + kernel_width - 1, ldw = gradsign_cpu_conv2d_weights_stride(out_channels);
   in_padded is followed by gradsign_cpu_conv2d_slack(padded_width) floats that the vectors of the last
   rows read (their lanes are dropped). activation: GRADSIGN_CPU_ACTIVATION_NONE or _RELU (Java's
   Math.max(v, 0f)). A forward pass is this on the input padded by (pad_height, pad_width); the
   backward pass to the input is this on dy padded by (kernel_height - 1 - pad_height,
   kernel_width - 1 - pad_width), with the weights flipped and transposed (see below). */
void gradsign_cpu_conv2d_padded(float* out, const float* in_padded, const float* weights_t, const float* bias,
                                int in_channels, int out_channels, int kernel_height, int kernel_width,
                                int out_height, int out_width, int activation, int row_from, int row_to);

/* in_padded (channels, padded_height, padded_width) = x (channels, height, width) at (top, left), 0
   around it (top and left may be negative: x is then cropped), then the slack zeroed */
void gradsign_cpu_conv2d_pad(float* in_padded, const float* x, int channels, int height, int width, int top, int left,
                             int padded_height, int padded_width);

/* weights_t for gradsign_cpu_conv2d_padded, for its output channels [channel_from, channel_to) (their
   column o - channel_from), from a layer's weights (out_channels, in_channels, kernel_height,
   kernel_width): flip 0, the layer's own convolution (weights_t[i, r, s][o] = w[o, i, r, s]); flip 1,
   its backward pass to the input, in and out exchanged and the kernel turned by half a turn
   (weights_t[o, r, s][i] = w[o, i, kh - 1 - r, kw - 1 - s]). Rows of
   gradsign_cpu_conv2d_weights_stride(channel_to - channel_from) floats, 0 past the channels. */
void gradsign_cpu_conv2d_weights(float* weights_t, const float* weights, int out_channels, int in_channels,
                                 int kernel_height, int kernel_width, int flip, int channel_from, int channel_to);

/* The weight gradient of a convolution at stride 1 without columns, for the output channels
   [k_from, k_to): dweights[k][t] (rows of in_channels * kernel_height * kernel_width, t = (i *
   kernel_height + r) * kernel_width + s) = the sum over samples n < batch and output pixels (y, x) of
   dy[n][k][y][x] * x[n][i][y - pad_height + r][x - pad_width + s] (0 outside x); x (batch, in_channels,
   height, width), dy (batch, out_channels, out_height, out_width), out_height = height + 2 pad_height -
   kernel_height + 1 and out_width alike. Each sample's input is padded and its dy transposed (pixels,
   channels) into scratch, of gradsign_cpu_conv2d_weights_gradient_scratch(...) floats; vectors of 16
   (or the instruction set's) channels then sum x * dy over the sample's pixels, rows then columns in
   order, from 0 (fused where the instruction set has it), and each sample's sum is added to the
   samples' before, in order: the same bits whatever the split of the channels. */
void gradsign_cpu_conv2d_weights_gradient(float* dweights, const float* dy, const float* x, float* scratch, int batch,
                                          int in_channels, int height, int width, int out_channels, int kernel_height,
                                          int kernel_width, int pad_height, int pad_width, int k_from, int k_to);


/* dbias[k] = the sum of dy[n, k, :] over n < batch and the plane, for k in [channel_from, channel_to):
   in double, element i of each plane of plane floats added to partial sum i mod 8 (samples in order),
   the 8 partial sums then added ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)) and rounded to float once;
   the same bits on every instruction set. dy (batch, channels, plane). */
void gradsign_cpu_conv2d_bias_gradient(float* dbias, const float* dy, int batch, int channels, int plane,
                                       int channel_from, int channel_to);

/* the row length of weights_t: the output channels rounded up to a multiple of 8 (a block of channels
   reads whole rows) */
static inline int gradsign_cpu_conv2d_weights_stride(int out_channels) { return (out_channels + 7) / 8 * 8; }

/* the floats after in_padded that the last rows' vectors read: a block's rows past the last row (3 at
   most), and two vectors of up to 16 lanes past a row's end */
static inline int gradsign_cpu_conv2d_slack(int padded_width) { return 4 * padded_width + 48; }

/* the floats of scratch gradsign_cpu_conv2d_weights_gradient needs for k_count output channels: the
   padded input, dy transposed, the sums transposed; channels in rows of a multiple of 16 */
static inline long long gradsign_cpu_conv2d_weights_gradient_scratch(int in_channels, int kernel_height,
                                                                     int kernel_width, int out_height, int out_width,
                                                                     int k_count) {
    int padded_width = out_width + kernel_width - 1;
    long long ldk = (k_count + 15) / 16 * 16;
    return (long long)in_channels * (out_height + kernel_height - 1) * padded_width +
           gradsign_cpu_conv2d_slack(padded_width) + (long long)out_height * out_width * ldk +
           (long long)in_channels * kernel_height * kernel_width * ldk;
}

/* A batch's dense products over weights packed once (packed_gemm_cpu.c): B (k, n) in panels of
   GRADSIGN_CPU_PACKED_PANEL columns, the last one 16 or 32 wide; panel p (columns [32 p, 32 p + w))
   starts at packed[32 p k] and holds B[kk][32 p + j] at [kk w + j], 0 for columns past n. The layout
   is the same on every instruction set. A dense layer's weights W (out, in) give two: the forward
   product's B = W^T (k = in, n = out, transposed 1) and the backward product's B = W (k = out,
   n = in, transposed 0). */
#define GRADSIGN_CPU_PACKED_PANEL 32

/* the columns of a packed B of n columns: n rounded up to a multiple of 16 */
static inline int gradsign_cpu_packed_columns(int n) { return (n + 15) / 16 * 16; }

/* the floats of a packed B (k, n) */
static inline long long gradsign_cpu_packed_size(int k, int n) {
    return (long long)k * gradsign_cpu_packed_columns(n);
}

/* packed = B (k, n) packed, B[kk][j] = b[kk * ldb + j], or with transposed b[j * ldb + kk] */
void gradsign_cpu_pack(float* packed, const float* b, int ldb, int transposed, int k, int n);

/* the epilogues of gradsign_cpu_packed_gemm, applied to each element s of the product once its sum is done */
#define GRADSIGN_CPU_EPILOGUE_NONE 0         /* c = s */
#define GRADSIGN_CPU_EPILOGUE_RELU 1         /* c = Math.max(s, 0f) (Dense.activate's ReLU) */
#define GRADSIGN_CPU_EPILOGUE_RELU_GRADIENT 2 /* c = s * min(aux 2^126 2^126, 1): ActivationBackward's ReLU
                                                 derivative from the layer's output aux */
#define GRADSIGN_CPU_EPILOGUE_SIGN_STEP 3    /* c = s and stepped = clip(aux + epsilon sign(s), lo, hi), the
                                                 bits of gradsign_cpu_sign_step with x = aux */

/* c[r][j] = epilogue(s) for r < rows, j < n, where s = bias[j] (0 where bias is null) + a[r][0] B[0][j]
   + ... + a[r][k - 1] B[k - 1][j], the terms added one at a time in ascending kk, each a fused
   multiply-add where the instruction set has one (AVX2, AVX-512; the generic copy rounds twice): the
   bits depend neither on rows (how the caller splits the batch) nor on the tiles and blocks of k
   inside. a (rows, k) at row stride lda; c (rows, n) at ldc; aux and stepped (rows, n) at ld_aux,
   ld_stepped, read and written only by the epilogues that name them; stepped may be aux (the step
   in place). c must not overlap a, aux or stepped. */
void gradsign_cpu_packed_gemm(float* c, int ldc, const float* a, int lda, const float* packed, int k, int n, int rows,
                              const float* bias, int epilogue, const float* aux, int ld_aux, float* stepped,
                              int ld_stepped, float epsilon, float lo, float hi);

/* the instruction set the calls above use: the best this CPU has, or the one set by the call below */
int gradsign_cpu_isa(void);

/* uses isa, or the best this CPU has below it (tests run every variant); returns the one in use */
int gradsign_cpu_use_isa(int isa);

/* "avx512", "avx2" or "generic" */
const char* gradsign_cpu_isa_name(int isa);

/* the same kernels compiled for one instruction set, for tests; the CPU must have it */
#define GRADSIGN_CPU_DECLARE_VARIANT(suffix)                                                                          \
    void gradsign_cpu_dense_forward_one_##suffix(float*, const float*, const float*, const float*, int, int, int);   \
    void gradsign_cpu_dense_backward_input_rows_##suffix(float*, const float*, const float*, int, int, int);        \
    void gradsign_cpu_dense_forward_one_transposed_##suffix(float*, const float*, const float*, const float*, int,   \
                                                            int, int, int);                                         \
    void gradsign_cpu_dense_backward_input_transposed_##suffix(float*, const float*, const float*, const float*, int, \
                                                               int, int, int);                                      \
    void gradsign_cpu_relu_##suffix(float*, long long);                                                             \
    void gradsign_cpu_activation_gradient_##suffix(float*, const float*, long long, int, const float*, int,          \
                                                   long long);                                                     \
    void gradsign_cpu_sign_step_##suffix(float*, const float*, const float*, long long, float, float, float);         \
    void gradsign_cpu_sgd_momentum_##suffix(float*, float*, const float*, long long, float, float, float);           \
    void gradsign_cpu_projected_sign_step_##suffix(float*, const float*, const float*, const float*, long long, float, \
                                                   float, float, float);                                              \
    long long gradsign_cpu_first_non_finite_##suffix(const float*, long long);                                       \
    void gradsign_cpu_max_pool2d_forward_##suffix(float*, int*, const float*, int, int, int, int, int, int, int);      \
    void gradsign_cpu_max_pool2d_backward_##suffix(float*, const float*, const int*, int, int, int, int, int, int,     \
                                                   int);                                                           \
    void gradsign_cpu_avg_pool2d_forward_##suffix(float*, const float*, int, int, int, int, int, int, int);           \
    void gradsign_cpu_avg_pool2d_backward_##suffix(float*, const float*, int, int, int, int, int, int, int);          \
    void gradsign_cpu_conv2d_padded_##suffix(float*, const float*, const float*, const float*, int, int, int, int,   \
                                             int, int, int, int, int);                                             \
    void gradsign_cpu_conv2d_pad_##suffix(float*, const float*, int, int, int, int, int, int, int);                  \
    void gradsign_cpu_conv2d_weights_##suffix(float*, const float*, int, int, int, int, int, int, int);              \
    void gradsign_cpu_conv2d_bias_gradient_##suffix(float*, const float*, int, int, int, int, int);                 \
    void gradsign_cpu_conv2d_weights_gradient_##suffix(float*, const float*, const float*, float*, int, int, int, int, \
                                                       int, int, int, int, int, int, int);    \
    void gradsign_cpu_pack_##suffix(float*, const float*, int, int, int, int);                                      \
    void gradsign_cpu_packed_gemm_##suffix(float*, int, const float*, int, const float*, int, int, int, const float*, \
                                           int, const float*, int, float*, int, float, float, float);
GRADSIGN_CPU_DECLARE_VARIANT(generic)
GRADSIGN_CPU_DECLARE_VARIANT(avx2)
GRADSIGN_CPU_DECLARE_VARIANT(avx512)

#ifdef __cplusplus
}
#endif

#endif /* GRADSIGN_CPU_H */

/* dispatch.c: picks the CPU kernels' instruction set once, from what the CPU reports, and routes the
   public gradsign_cpu_* calls to that copy. */
#include "gradsign_cpu.h"

typedef struct {
    void (*forward_one)(float*, const float*, const float*, const float*, int, int, int);
    void (*backward_input_rows)(float*, const float*, const float*, int, int, int);
    void (*forward_one_transposed)(float*, const float*, const float*, const float*, int, int, int, int);
    void (*backward_input_transposed)(float*, const float*, const float*, const float*, int, int, int, int);
    void (*relu)(float*, long long);
    void (*activation_gradient)(float*, const float*, long long, int, const float*, int, long long);
    void (*sign_step)(float*, const float*, const float*, long long, float, float, float);
    void (*sgd_momentum)(float*, float*, const float*, long long, float, float, float);
    void (*projected_sign_step)(float*, const float*, const float*, const float*, long long, float, float, float,
                                float);
    long long (*first_non_finite)(const float*, long long);
    void (*max_pool2d_forward)(float*, int*, const float*, int, int, int, int, int, int, int);
    void (*max_pool2d_backward)(float*, const float*, const int*, int, int, int, int, int, int, int);
    void (*avg_pool2d_forward)(float*, const float*, int, int, int, int, int, int, int);
    void (*avg_pool2d_backward)(float*, const float*, int, int, int, int, int, int, int);
    void (*conv2d_padded)(float*, const float*, const float*, const float*, int, int, int, int, int, int, int, int,
                          int);
    void (*conv2d_pad)(float*, const float*, int, int, int, int, int, int, int);
    void (*conv2d_weights)(float*, const float*, int, int, int, int, int, int, int);
    void (*conv2d_bias_gradient)(float*, const float*, int, int, int, int, int);
    void (*conv2d_weights_gradient)(float*, const float*, const float*, float*, int, int, int, int, int, int, int, int,
                                    int, int, int);
    void (*pack)(float*, const float*, int, int, int, int);
    void (*packed_gemm)(float*, int, const float*, int, const float*, int, int, int, const float*, int, const float*,
                        int, float*, int, float, float, float);
} kernels;

#define KERNELS(suffix)                                                                                    \
    {gradsign_cpu_dense_forward_one_##suffix, gradsign_cpu_dense_backward_input_rows_##suffix,             \
     gradsign_cpu_dense_forward_one_transposed_##suffix, gradsign_cpu_dense_backward_input_transposed_##suffix, \
     gradsign_cpu_relu_##suffix, gradsign_cpu_activation_gradient_##suffix,                                \
     gradsign_cpu_sign_step_##suffix, gradsign_cpu_sgd_momentum_##suffix,                                  \
     gradsign_cpu_projected_sign_step_##suffix,                                                            \
     gradsign_cpu_first_non_finite_##suffix, gradsign_cpu_max_pool2d_forward_##suffix,                    \
     gradsign_cpu_max_pool2d_backward_##suffix, gradsign_cpu_avg_pool2d_forward_##suffix,                  \
     gradsign_cpu_avg_pool2d_backward_##suffix, gradsign_cpu_conv2d_padded_##suffix,                      \
     gradsign_cpu_conv2d_pad_##suffix, gradsign_cpu_conv2d_weights_##suffix,                              \
     gradsign_cpu_conv2d_bias_gradient_##suffix, gradsign_cpu_conv2d_weights_gradient_##suffix,     \
     gradsign_cpu_pack_##suffix, gradsign_cpu_packed_gemm_##suffix}

#if defined(__x86_64__) || defined(__i386__)
static const kernels variants[] = {KERNELS(generic), KERNELS(avx2), KERNELS(avx512)};

static int best_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        return GRADSIGN_CPU_ISA_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GRADSIGN_CPU_ISA_AVX2;
    return GRADSIGN_CPU_ISA_GENERIC;
}
#else
static const kernels variants[] = {KERNELS(generic)};

static int best_isa(void) { return GRADSIGN_CPU_ISA_GENERIC; }
#endif

/* -1 until the first call; a plain int: every thread computes the same value */
static int chosen = -1;

int gradsign_cpu_isa(void) {
    if (chosen < 0) chosen = best_isa();
    return chosen;
}

int gradsign_cpu_use_isa(int isa) {
    int best = best_isa();
    chosen = isa < GRADSIGN_CPU_ISA_GENERIC ? GRADSIGN_CPU_ISA_GENERIC : isa > best ? best : isa;
    return chosen;
}

const char* gradsign_cpu_isa_name(int isa) {
    switch (isa) {
        case GRADSIGN_CPU_ISA_AVX512: return "avx512";
        case GRADSIGN_CPU_ISA_AVX2: return "avx2";
        default: return "generic";
    }
}

void gradsign_cpu_dense_forward_one(float* y, const float* weights, const float* bias, const float* x, int in,
                                    int row_from, int row_to) {
    variants[gradsign_cpu_isa()].forward_one(y, weights, bias, x, in, row_from, row_to);
}

void gradsign_cpu_dense_backward_input_rows(float* dx, const float* weights, const float* dy, int in, int row_from,
                                            int row_to) {
    variants[gradsign_cpu_isa()].backward_input_rows(dx, weights, dy, in, row_from, row_to);
}

void gradsign_cpu_dense_forward_one_transposed(float* y, const float* weights_t, const float* bias, const float* x,
                                               int in, int out, int row_from, int row_to) {
    variants[gradsign_cpu_isa()].forward_one_transposed(y, weights_t, bias, x, in, out, row_from, row_to);
}

void gradsign_cpu_dense_backward_input_transposed(float* dx, const float* weights_t, const float* dy,
                                                  const float* below, int in, int out, int row_from, int row_to) {
    variants[gradsign_cpu_isa()].backward_input_transposed(dx, weights_t, dy, below, in, out, row_from, row_to);
}

void gradsign_cpu_relu(float* y, long long count) { variants[gradsign_cpu_isa()].relu(y, count); }

void gradsign_cpu_activation_gradient(float* dy, const float* shares, long long share_stride, int share_count,
                                      const float* y, int activation, long long count) {
    variants[gradsign_cpu_isa()].activation_gradient(dy, shares, share_stride, share_count, y, activation, count);
}

void gradsign_cpu_sign_step(float* out, const float* x, const float* gradient, long long count, float epsilon,
                            float lo, float hi) {
    variants[gradsign_cpu_isa()].sign_step(out, x, gradient, count, epsilon, lo, hi);
}

void gradsign_cpu_sgd_momentum(float* parameters, float* velocity, const float* gradient, long long count,
                               float learning_rate, float momentum, float weight_decay) {
    variants[gradsign_cpu_isa()].sgd_momentum(parameters, velocity, gradient, count, learning_rate, momentum,
                                              weight_decay);
}

void gradsign_cpu_projected_sign_step(float* out, const float* x, const float* origin, const float* gradient,
                                      long long count, float alpha, float epsilon, float lo, float hi) {
    variants[gradsign_cpu_isa()].projected_sign_step(out, x, origin, gradient, count, alpha, epsilon, lo, hi);
}

long long gradsign_cpu_first_non_finite(const float* values, long long count) {
    return variants[gradsign_cpu_isa()].first_non_finite(values, count);
}

void gradsign_cpu_max_pool2d_forward(float* y, int* argmax, const float* x, int planes, int height, int width,
                                     int kernel_height, int kernel_width, int stride_height, int stride_width) {
    variants[gradsign_cpu_isa()].max_pool2d_forward(y, argmax, x, planes, height, width, kernel_height, kernel_width,
                                                    stride_height, stride_width);
}

void gradsign_cpu_max_pool2d_backward(float* dx, const float* dy, const int* argmax, int planes, int height, int width,
                                      int kernel_height, int kernel_width, int stride_height, int stride_width) {
    variants[gradsign_cpu_isa()].max_pool2d_backward(dx, dy, argmax, planes, height, width, kernel_height,
                                                     kernel_width, stride_height, stride_width);
}

void gradsign_cpu_avg_pool2d_forward(float* y, const float* x, int planes, int height, int width, int kernel_height,
                                     int kernel_width, int stride_height, int stride_width) {
    variants[gradsign_cpu_isa()].avg_pool2d_forward(y, x, planes, height, width, kernel_height, kernel_width,
                                                    stride_height, stride_width);
}

void gradsign_cpu_avg_pool2d_backward(float* dx, const float* dy, int planes, int height, int width,
                                      int kernel_height, int kernel_width, int stride_height, int stride_width) {
    variants[gradsign_cpu_isa()].avg_pool2d_backward(dx, dy, planes, height, width, kernel_height, kernel_width,
                                                     stride_height, stride_width);
}

void gradsign_cpu_conv2d_padded(float* out, const float* in_padded, const float* weights_t, const float* bias,
                                int in_channels, int out_channels, int kernel_height, int kernel_width,
                                int out_height, int out_width, int activation, int row_from, int row_to) {
    variants[gradsign_cpu_isa()].conv2d_padded(out, in_padded, weights_t, bias, in_channels, out_channels,
                                               kernel_height, kernel_width, out_height, out_width, activation, row_from,
                                               row_to);
}

void gradsign_cpu_conv2d_pad(float* in_padded, const float* x, int channels, int height, int width, int top, int left,
                             int padded_height, int padded_width) {
    variants[gradsign_cpu_isa()].conv2d_pad(in_padded, x, channels, height, width, top, left, padded_height,
                                            padded_width);
}

void gradsign_cpu_conv2d_weights(float* weights_t, const float* weights, int out_channels, int in_channels,
                                 int kernel_height, int kernel_width, int flip, int channel_from, int channel_to) {
    variants[gradsign_cpu_isa()].conv2d_weights(weights_t, weights, out_channels, in_channels, kernel_height,
                                                kernel_width, flip, channel_from, channel_to);
}

void gradsign_cpu_conv2d_bias_gradient(float* dbias, const float* dy, int batch, int channels, int plane,
                                       int channel_from, int channel_to) {
    variants[gradsign_cpu_isa()].conv2d_bias_gradient(dbias, dy, batch, channels, plane, channel_from, channel_to);
}

void gradsign_cpu_conv2d_weights_gradient(float* dweights, const float* dy, const float* x, float* scratch, int batch,
                                          int in_channels, int height, int width, int out_channels, int kernel_height,
                                          int kernel_width, int pad_height, int pad_width, int k_from, int k_to) {
    variants[gradsign_cpu_isa()].conv2d_weights_gradient(dweights, dy, x, scratch, batch, in_channels, height, width,
                                                         out_channels, kernel_height, kernel_width, pad_height,
                                                         pad_width, k_from, k_to);
}

void gradsign_cpu_pack(float* packed, const float* b, int ldb, int transposed, int k, int n) {
    variants[gradsign_cpu_isa()].pack(packed, b, ldb, transposed, k, n);
}

void gradsign_cpu_packed_gemm(float* c, int ldc, const float* a, int lda, const float* packed, int k, int n, int rows,
                              const float* bias, int epilogue, const float* aux, int ld_aux, float* stepped,
                              int ld_stepped, float epsilon, float lo, float hi) {
    variants[gradsign_cpu_isa()].packed_gemm(c, ldc, a, lda, packed, k, n, rows, bias, epilogue, aux, ld_aux, stepped,
                                             ld_stepped, epsilon, lo, hi);
}

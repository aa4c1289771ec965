/* gradsign_cpu_java.h: the CPU kernels (gradsign_cpu.h) on Java arrays at element offsets, the
   form the JavaCPP binding io.gradsign.cpu.bindings.CpuKernels calls; JNI hands over each array
   from its first element. */
#ifndef GRADSIGN_CPU_JAVA_H
#define GRADSIGN_CPU_JAVA_H

#include "gradsign_cpu.h"

static inline void gradsign_cpu_dense_forward_one_at(float* y, long long y_offset, const float* weights,
                                                     long long weights_offset, const float* bias,
                                                     long long bias_offset, const float* x, long long x_offset, int in,
                                                     int row_from, int row_to) {
    gradsign_cpu_dense_forward_one(y + y_offset, weights + weights_offset, bias + bias_offset, x + x_offset, in,
                                   row_from, row_to);
}

static inline void gradsign_cpu_dense_forward_one_transposed_at(float* y, long long y_offset, const float* weights_t,
                                                                long long weights_t_offset, const float* bias,
                                                                long long bias_offset, const float* x,
                                                                long long x_offset, int in, int out, int row_from,
                                                                int row_to) {
    gradsign_cpu_dense_forward_one_transposed(y + y_offset, weights_t + weights_t_offset, bias + bias_offset,
                                              x + x_offset, in, out, row_from, row_to);
}

static inline void gradsign_cpu_dense_backward_input_transposed_at(float* dx, long long dx_offset,
                                                                   const float* weights_t, long long weights_t_offset,
                                                                   const float* dy, long long dy_offset,
                                                                   const float* below, long long below_offset, int in,
                                                                   int out, int row_from, int row_to) {
    gradsign_cpu_dense_backward_input_transposed(dx + dx_offset, weights_t + weights_t_offset, dy + dy_offset,
                                                 below + below_offset, in, out, row_from, row_to);
}

static inline void gradsign_cpu_dense_backward_input_rows_at(float* dx, long long dx_offset, const float* weights,
                                                             long long weights_offset, const float* dy,
                                                             long long dy_offset, int in, int row_from, int row_to) {
    gradsign_cpu_dense_backward_input_rows(dx + dx_offset, weights + weights_offset, dy + dy_offset, in, row_from,
                                           row_to);
}

static inline void gradsign_cpu_pack_at(float* packed, long long packed_offset, const float* b, long long b_offset,
                                        int ldb, int transposed, int k, int n) {
    gradsign_cpu_pack(packed + packed_offset, b + b_offset, ldb, transposed, k, n);
}

static inline void gradsign_cpu_packed_gemm_at(float* c, long long c_offset, int ldc, const float* a, long long a_offset,
                                               int lda, const float* packed, long long packed_offset, int k, int n,
                                               int rows, const float* bias, long long bias_offset, int epilogue,
                                               const float* aux, long long aux_offset, int ld_aux, float* stepped,
                                               long long stepped_offset, int ld_stepped, float epsilon, float lo,
                                               float hi) {
    gradsign_cpu_packed_gemm(c + c_offset, ldc, a + a_offset, lda, packed + packed_offset, k, n, rows,
                             bias ? bias + bias_offset : 0, epilogue, aux ? aux + aux_offset : 0, ld_aux,
                             stepped ? stepped + stepped_offset : 0, ld_stepped, epsilon, lo, hi);
}

static inline void gradsign_cpu_relu_at(float* y, long long y_offset, long long count) {
    gradsign_cpu_relu(y + y_offset, count);
}

static inline void gradsign_cpu_activation_gradient_at(float* dy, long long dy_offset, const float* shares,
                                                       long long shares_offset, long long share_stride,
                                                       int share_count, const float* y, long long y_offset,
                                                       int activation, long long count) {
    gradsign_cpu_activation_gradient(dy + dy_offset, shares ? shares + shares_offset : 0, share_stride, share_count,
                                     y ? y + y_offset : 0, activation, count);
}

static inline void gradsign_cpu_sgd_momentum_at(float* parameters, long long parameters_offset, float* velocity,
                                                long long velocity_offset, const float* gradient,
                                                long long gradient_offset, long long count, float learning_rate,
                                                float momentum, float weight_decay) {
    gradsign_cpu_sgd_momentum(parameters + parameters_offset, velocity + velocity_offset, gradient + gradient_offset,
                              count, learning_rate, momentum, weight_decay);
}

static inline void gradsign_cpu_sign_step_at(float* out, long long out_offset, const float* x, long long x_offset,
                                             const float* gradient, long long gradient_offset, long long count,
                                             float epsilon, float lo, float hi) {
    gradsign_cpu_sign_step(out + out_offset, x + x_offset, gradient + gradient_offset, count, epsilon, lo, hi);
}

static inline void gradsign_cpu_projected_sign_step_at(float* out, long long out_offset, const float* x,
                                                       long long x_offset, const float* origin, long long origin_offset,
                                                       const float* gradient, long long gradient_offset,
                                                       long long count, float alpha, float epsilon, float lo,
                                                       float hi) {
    gradsign_cpu_projected_sign_step(out + out_offset, x + x_offset, origin + origin_offset,
                                     gradient + gradient_offset, count, alpha, epsilon, lo, hi);
}

static inline long long gradsign_cpu_first_non_finite_at(const float* values, long long offset, long long count) {
    return gradsign_cpu_first_non_finite(values + offset, count);
}

static inline void gradsign_cpu_max_pool2d_forward_at(float* y, long long y_offset, int* argmax,
                                                      long long argmax_offset, const float* x, long long x_offset,
                                                      int planes, int height, int width, int kernel_height,
                                                      int kernel_width, int stride_height, int stride_width) {
    gradsign_cpu_max_pool2d_forward(y + y_offset, argmax + argmax_offset, x + x_offset, planes, height, width,
                                    kernel_height, kernel_width, stride_height, stride_width);
}

static inline void gradsign_cpu_max_pool2d_backward_at(float* dx, long long dx_offset, const float* dy,
                                                       long long dy_offset, const int* argmax,
                                                       long long argmax_offset, int planes, int height, int width,
                                                       int kernel_height, int kernel_width, int stride_height,
                                                       int stride_width) {
    gradsign_cpu_max_pool2d_backward(dx + dx_offset, dy + dy_offset, argmax + argmax_offset, planes, height, width,
                                     kernel_height, kernel_width, stride_height, stride_width);
}

static inline void gradsign_cpu_avg_pool2d_forward_at(float* y, long long y_offset, const float* x,
                                                      long long x_offset, int planes, int height, int width,
                                                      int kernel_height, int kernel_width, int stride_height,
                                                      int stride_width) {
    gradsign_cpu_avg_pool2d_forward(y + y_offset, x + x_offset, planes, height, width, kernel_height, kernel_width,
                                    stride_height, stride_width);
}

static inline void gradsign_cpu_avg_pool2d_backward_at(float* dx, long long dx_offset, const float* dy,
                                                       long long dy_offset, int planes, int height, int width,
                                                       int kernel_height, int kernel_width, int stride_height,
                                                       int stride_width) {
    gradsign_cpu_avg_pool2d_backward(dx + dx_offset, dy + dy_offset, planes, height, width, kernel_height,
                                     kernel_width, stride_height, stride_width);
}

static inline void gradsign_cpu_conv2d_padded_at(float* out, long long out_offset, const float* in_padded,
                                                 long long in_offset, const float* weights_t, long long weights_offset,
                                                 const float* bias, long long bias_offset, int in_channels,
                                                 int out_channels, int kernel_height, int kernel_width, int out_height,
                                                 int out_width, int activation, int row_from, int row_to) {
    gradsign_cpu_conv2d_padded(out + out_offset, in_padded + in_offset, weights_t + weights_offset,
                               bias ? bias + bias_offset : 0, in_channels, out_channels, kernel_height, kernel_width,
                               out_height, out_width, activation, row_from, row_to);
}

static inline void gradsign_cpu_conv2d_pad_at(float* in_padded, long long in_offset, const float* x, long long x_offset,
                                              int channels, int height, int width, int top, int left,
                                              int padded_height, int padded_width) {
    gradsign_cpu_conv2d_pad(in_padded + in_offset, x + x_offset, channels, height, width, top, left, padded_height,
                            padded_width);
}

static inline void gradsign_cpu_conv2d_weights_at(float* weights_t, long long weights_t_offset, const float* weights,
                                                  long long weights_offset, int out_channels, int in_channels,
                                                  int kernel_height, int kernel_width, int flip, int channel_from,
                                                  int channel_to) {
    gradsign_cpu_conv2d_weights(weights_t + weights_t_offset, weights + weights_offset, out_channels, in_channels,
                                kernel_height, kernel_width, flip, channel_from, channel_to);
}

static inline void gradsign_cpu_conv2d_bias_gradient_at(float* dbias, long long dbias_offset, const float* dy,
                                                        long long dy_offset, int batch, int channels, int plane,
                                                        int channel_from, int channel_to) {
    gradsign_cpu_conv2d_bias_gradient(dbias + dbias_offset, dy + dy_offset, batch, channels, plane, channel_from,
                                      channel_to);
}

static inline void gradsign_cpu_conv2d_weights_gradient_at(float* dweights, long long dweights_offset, const float* dy,
                                                           long long dy_offset, const float* x, long long x_offset,
                                                           float* scratch, int batch, int in_channels, int height,
                                                           int width, int out_channels, int kernel_height,
                                                           int kernel_width, int pad_height, int pad_width, int k_from,
                                                           int k_to) {
    gradsign_cpu_conv2d_weights_gradient(dweights + dweights_offset, dy + dy_offset, x + x_offset, scratch, batch,
                                         in_channels, height, width, out_channels, kernel_height, kernel_width,
                                         pad_height, pad_width, k_from, k_to);
}

/* how many floats from values[0] the next 64-byte cache line starts (0 where it starts on one): the
   CPU backend starts its large tensors there, so that the kernels' vector loads do not cross lines */
static inline int gradsign_cpu_line_offset(const float* values) {
    unsigned long long address = (unsigned long long)values;
    return (int)(((64 - (address & 63)) & 63) / sizeof(float));
}

#endif /* GRADSIGN_CPU_JAVA_H */

// conv.cuh: launchers of the 2-D convolution: forward with bias and activation fused, backward to the input, backward to the weights and bias.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// One convolution, NCHW row-major, PyTorch's conv2d (a cross-correlation, zero padding):
// x (n, c, h, w), weights (k, c, r, s), bias (k), y (n, k, p, q), with
// p = (h + 2 pad_h - r) / stride_h + 1 and q = (w + 2 pad_w - s) / stride_w + 1.
// The C API has checked it: sizes >= 0, r, s, strides >= 1, p, q >= 1, every tensor under 2^31 - 2^16
// elements (the kernels index with int) and the padded image under 2^29 rows and columns.
struct ConvShape {
    int n, c, h, w;
    int k, r, s;
    int stride_h, stride_w, pad_h, pad_w;
    int p, q;
};

// y = activation(conv(x, weights) + bias); bias null adds nothing; activation is GRADSIGN_ACTIVATION_*
cudaError_t conv2d_forward(float* y, const float* x, const float* weights, const float* bias, const ConvShape& shape,
                           int activation, cudaStream_t stream);

// dx (n, c, h, w) = the gradient at x from dy (n, k, p, q); overwritten
cudaError_t conv2d_backward_input(float* dx, const float* dy, const float* weights, const ConvShape& shape,
                                  cudaStream_t stream);

// dweights (k, c, r, s) and dbias (k) from dy (n, k, p, q) and x; both overwritten (zeros for n = 0);
// dbias null skips the bias
cudaError_t conv2d_backward_weights(float* dweights, float* dbias, const float* dy, const float* x,
                                    const ConvShape& shape, cudaStream_t stream);

}  // namespace gradsign

// pool.cuh: launchers of 2-D max and average pooling, forward and backward, and their window arithmetic.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// One pooling without padding, floor mode, NCHW row-major: x (planes = n*c, h, w), y (planes, p, q),
// p = (h - kh) / sh + 1, q = (w - kw) / sw + 1. The C API has checked it: the window and strides >= 1,
// the window within the image, x under 2^31 - 2^16 elements (the kernels index with int).
struct PoolShape {
    int planes;
    int h, w;
    int kh, kw;
    int sh, sw;
    int p, q;
};

// y = each window's maximum, argmax (planes, p, q) = its index iy * w + ix in the plane: the first
// element, replaced by a later v when v > best or v is NaN
cudaError_t max_pool2d_forward(float* y, int* argmax, const float* x, const PoolShape& shape, cudaStream_t stream);

// dx[i] = 0 + the dy of every window whose argmax is i, in row-major window order; overwritten
cudaError_t max_pool2d_backward(float* dx, const float* dy, const int* argmax, const PoolShape& shape,
                                cudaStream_t stream);

// y = (0 + the window's elements in row-major order) / (float)(kh * kw)
cudaError_t avg_pool2d_forward(float* y, const float* x, const PoolShape& shape, cudaStream_t stream);

// dx[i] = 0 + dy / (float)(kh * kw) of every window containing i, in row-major window order; overwritten
cudaError_t avg_pool2d_backward(float* dx, const float* dy, const PoolShape& shape, cudaStream_t stream);

}  // namespace gradsign

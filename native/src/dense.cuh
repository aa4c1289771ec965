// dense.cuh: launchers of the dense layer: forward with bias and activation fused, backward to the input, backward to the weights.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// The bytes of one caller's scratch for the products below that split their contraction: device
// memory, zeroed when allocated (each launch leaves it so), used by one launch at a time in launch
// order. The caller owns it; see dense.cu.
size_t dense_scratch_bytes();

// activation is GRADSIGN_ACTIVATION_NONE, _RELU, _TANH or _SIGMOID (gradsign.h)
// y (batch, out) = activation(x (batch, in) . weights^T + bias); weights (out, in) row-major; bias (out)
cudaError_t dense_forward(float* y, const float* x, const float* weights, const float* bias, int batch,
                          int in_features, int out_features, int activation, void* scratch, cudaStream_t stream);

// dx (batch, in) = dy (batch, out) . weights (out, in)
cudaError_t dense_backward_input(float* dx, const float* dy, const float* weights, int batch, int in_features,
                                 int out_features, void* scratch, cudaStream_t stream);

// dense_backward_input, then activation_backward(dx, dx, below, batch * in, activation): the same
// bits, in one kernel for a batch of up to 8; below (batch, in) is the output of the activation under
// the layer
cudaError_t dense_backward_input_activation(float* dx, const float* dy, const float* weights, const float* below,
                                            int activation, int batch, int in_features, int out_features,
                                            void* scratch, cudaStream_t stream);

// dense_backward_input, then sign_step(out, x, dx, batch * in, epsilon, lo, hi): the same bits, in one
// kernel for a batch of up to 8; out may be x
cudaError_t dense_backward_input_sign_step(float* out, const float* x, float* dx, const float* dy,
                                           const float* weights, int batch, int in_features, int out_features,
                                           float epsilon, float lo, float hi, int multiprocessors,
                                           void* scratch, cudaStream_t stream);

// dweights (out, in) = dy^T . x, and dbias (out) = sum of dy over the batch; both overwritten
cudaError_t dense_backward_weights(float* dweights, float* dbias, const float* dy, const float* x, int batch,
                                   int in_features, int out_features, void* scratch, cudaStream_t stream);

}  // namespace gradsign

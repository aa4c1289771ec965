// dense.cu: placeholder until the kernel lands; every launcher reports cudaErrorNotSupported.
#include "dense.cuh"

namespace gradsign {
cudaError_t dense_forward(float*, const float*, const float*, const float*, int, int, int, int, cudaStream_t) { return cudaErrorNotSupported; }
cudaError_t dense_backward_input(float*, const float*, const float*, int, int, int, cudaStream_t) { return cudaErrorNotSupported; }
cudaError_t dense_backward_weights(float*, float*, const float*, const float*, int, int, int, cudaStream_t) { return cudaErrorNotSupported; }
}  // namespace gradsign

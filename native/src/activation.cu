// activation.cu: placeholder until the kernel lands; every launcher reports cudaErrorNotSupported.
#include "activation.cuh"

namespace gradsign {
cudaError_t activation_backward(float*, const float*, const float*, size_t, int, cudaStream_t) { return cudaErrorNotSupported; }
}  // namespace gradsign

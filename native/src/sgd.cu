// sgd.cu: placeholder until the kernel lands; every launcher reports cudaErrorNotSupported.
#include "sgd.cuh"

namespace gradsign {
cudaError_t sgd_momentum(float*, float*, const float*, size_t, float, float, cudaStream_t) { return cudaErrorNotSupported; }
}  // namespace gradsign

// check.cuh: the one checked path for CUDA calls; failures become status codes with a message.
#pragma once

#include "cuda_compat.cuh"

namespace gradsign {

// records "<call> at <file>:<line>: <cuda message> (<cuda name>)" for gradsign_last_error_message()
// and returns the status to hand back through the C API
int record_failure(int status, const char* operation, const char* file, int line, const char* detail);

}  // namespace gradsign

// returns from the enclosing C API function with the CUDA status when the call fails
#define GRADSIGN_CHECK(call)                                                                   \
    do {                                                                                       \
        cudaError_t status_ = (call);                                                          \
        if (status_ != cudaSuccess) {                                                          \
            return gradsign::record_failure(static_cast<int>(status_), #call, __FILE__,        \
                                            __LINE__, cudaGetErrorString(status_));            \
        }                                                                                      \
    } while (0)

// cuda_compat.cuh: one kernel source for nvcc and for the CPU emulation (GRADSIGN_EMULATION).
#pragma once

#ifdef GRADSIGN_EMULATION
#include "cuda_emu.h"
#else
#include <cuda_runtime.h>
#include <utility>

// kernels are launched through this helper, never with <<<...>>> directly, so that the emulation
// build can provide its own launch_kernel with the same signature
template <typename... KernelArgs, typename... Args>
cudaError_t launch_kernel(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t shared_bytes,
                          cudaStream_t stream, Args&&... args) {
    // drop the error an earlier call left behind (a cudaMalloc that ran out of memory sets it too,
    // and it stays until read), so that what this returns is this launch's own
    cudaGetLastError();
    kernel<<<grid, block, shared_bytes, stream>>>(std::forward<Args>(args)...);
    return cudaGetLastError();
}

#define GRADSIGN_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

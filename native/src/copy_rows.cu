// copy_rows.cu: row j of a gather/scatter list copied between batches (compacting unbroken samples, writing results back, best-so-far).
#include "copy_rows.cuh"

namespace gradsign {

namespace {

constexpr int kCopyRowsBlockSize = 256;
constexpr unsigned kCopyRowsMaxRowBlocks = 65535;
constexpr unsigned kCopyRowsMaxColumnBlocks = 64;

// blockIdx.y strides over the list's entries, x over a row's floats; no two entries write one row and
// no entry reads a row another writes (checked in Java), so the copies are independent. 8 bytes per float.
__global__ void __launch_bounds__(kCopyRowsBlockSize) copy_rows_kernel(float* destination,
                                                                       const int* __restrict__ destination_rows,
                                                                       const float* source,
                                                                       const int* __restrict__ source_rows,
                                                                       size_t count,
                                                                       size_t row_length) {
    for (size_t j = blockIdx.y; j < count; j += gridDim.y) {
        float* to = destination + static_cast<size_t>(destination_rows[j]) * row_length;
        const float* from = source + static_cast<size_t>(source_rows[j]) * row_length;
        const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
        for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < row_length; i += stride) {
            to[i] = from[i];
        }
    }
}

}  // namespace

cudaError_t copy_rows(float* destination, const int* destination_rows, const float* source, const int* source_rows,
                      size_t count, size_t row_length, cudaStream_t stream) {
    if (count == 0 || row_length == 0) return cudaSuccess;
    size_t columns = (row_length + kCopyRowsBlockSize - 1) / kCopyRowsBlockSize;
    if (columns > kCopyRowsMaxColumnBlocks) columns = kCopyRowsMaxColumnBlocks;
    const size_t rows = count < kCopyRowsMaxRowBlocks ? count : kCopyRowsMaxRowBlocks;
    return launch_kernel(copy_rows_kernel, dim3(static_cast<unsigned>(columns), static_cast<unsigned>(rows)),
                         dim3(kCopyRowsBlockSize), 0, stream, destination, destination_rows, source, source_rows,
                         count, row_length);
}

}  // namespace gradsign

// copy_rows.cu: row j of a gather/scatter list copied between batches (compacting unbroken samples, writing results back, best-so-far).
#include "copy_rows.cuh"

namespace gradsign {

namespace {

constexpr int kCopyRowsBlockSize = 256;
constexpr unsigned kCopyRowsMaxColumnBlocks = 64;
// entries per launch: two lists of 480 int32 and the other arguments stay within the 4 KB of a
// kernel's parameters
constexpr int kRowsPerLaunch = 480;

// one launch's share of the lists, passed by value
struct RowList {
    int destination[kRowsPerLaunch];
    int source[kRowsPerLaunch];
};

// blockIdx.y is the list's entry, x strides over a row's floats; no two entries write one row and no
// entry reads a row another writes (checked in Java), so the copies are independent. 8 bytes per float.
__global__ void __launch_bounds__(kCopyRowsBlockSize) copy_rows_kernel(float* destination, const float* source,
                                                                       RowList rows, size_t row_length) {
    float* to = destination + static_cast<size_t>(rows.destination[blockIdx.y]) * row_length;
    const float* from = source + static_cast<size_t>(rows.source[blockIdx.y]) * row_length;
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < row_length; i += stride) {
        to[i] = from[i];
    }
}

}  // namespace

cudaError_t copy_rows(float* destination, const int* destination_rows, const float* source, const int* source_rows,
                      size_t count, size_t row_length, cudaStream_t stream) {
    if (count == 0 || row_length == 0) return cudaSuccess;
    size_t columns = (row_length + kCopyRowsBlockSize - 1) / kCopyRowsBlockSize;
    if (columns > kCopyRowsMaxColumnBlocks) columns = kCopyRowsMaxColumnBlocks;
    RowList rows;
    for (size_t first = 0; first < count; first += kRowsPerLaunch) {
        const size_t n = count - first < static_cast<size_t>(kRowsPerLaunch) ? count - first : kRowsPerLaunch;
        for (size_t j = 0; j < n; j++) {
            rows.destination[j] = destination_rows[first + j];
            rows.source[j] = source_rows[first + j];
        }
        const cudaError_t status = launch_kernel(copy_rows_kernel,
                                                 dim3(static_cast<unsigned>(columns), static_cast<unsigned>(n)),
                                                 dim3(kCopyRowsBlockSize), 0, stream, destination, source, rows,
                                                 row_length);
        if (status != cudaSuccess) return status;
    }
    return cudaSuccess;
}

}  // namespace gradsign

// copy_rows.cuh: launcher of the row gather/scatter between two batches.
#pragma once

#include <cstddef>

#include "cuda_compat.cuh"

namespace gradsign {

// destination, source: row-major batches of rows of row_length device floats; destination_rows,
// source_rows: (count) int32 in HOST memory. Row destination_rows[j] of destination = row source_rows[j]
// of source, for j < count. The lists travel by value in the kernels' launch parameters, a few hundred
// entries per launch (no device allocation, no copy, no synchronisation: the launches are asynchronous
// like any other). The caller has checked the indices and that no written row is read by another j.
cudaError_t copy_rows(float* destination, const int* destination_rows, const float* source, const int* source_rows,
                      size_t count, size_t row_length, cudaStream_t stream);

}  // namespace gradsign

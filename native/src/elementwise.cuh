// elementwise.cuh: how the element-wise launchers split count floats into scalar head, float4 body and scalar tail, and size their grid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "cuda_compat.cuh"

namespace gradsign {

constexpr int kElementwiseBlockSize = 256;
// these launchers get no SM count from their caller: 1024 blocks of 256 threads fill an H100 (132 SMs,
// 2048 threads each) about once over, and the grid-stride loops cover whatever is left
constexpr size_t kElementwiseMaxBlocks = 1024;

// elements [0, head) and [head + 4 * vector_count, count) go one float at a time, the rest as float4
struct VectorSplit {
    size_t head;
    size_t vector_count;
};

// float4 accesses need every pointer at the same offset within 16 bytes (then a scalar head of up to
// 3 floats reaches the first aligned element); otherwise everything goes scalar (head = count)
inline VectorSplit vector_split(size_t count, std::initializer_list<const void*> pointers) {
    const uintptr_t misalignment = reinterpret_cast<uintptr_t>(*pointers.begin()) & 15u;
    bool shared = misalignment % sizeof(float) == 0;
    for (const void* pointer : pointers) shared = shared && (reinterpret_cast<uintptr_t>(pointer) & 15u) == misalignment;
    if (!shared) return {count, 0};
    size_t head = ((16u - misalignment) & 15u) / sizeof(float);
    if (head > count) head = count;
    return {head, (count - head) / 4};
}

// how many floats the float4 body leaves to scalar code: the head and the tail
__host__ __device__ __forceinline__ size_t scalar_element_count(size_t count, size_t vector_count) {
    return count - 4 * vector_count;
}

// the index of the k-th of those floats: k itself in the head, past the float4 body in the tail
__host__ __device__ __forceinline__ size_t scalar_element(size_t k, size_t head, size_t vector_count) {
    return k < head ? k : k + 4 * vector_count;
}

// one thread per float4 or leftover float, at most max_blocks blocks
inline dim3 elementwise_grid(size_t count, const VectorSplit& split, size_t max_blocks = kElementwiseMaxBlocks) {
    const size_t work = split.vector_count + scalar_element_count(count, split.vector_count);
    size_t blocks = (work + kElementwiseBlockSize - 1) / kElementwiseBlockSize;
    if (blocks > max_blocks) blocks = max_blocks;
    return dim3(static_cast<unsigned>(blocks));
}

}  // namespace gradsign

// elementwise.cuh: the one element-wise kernel (scalar head, float4 body, scalar tail, grid-stride) and its launcher; a kernel file brings its rule for one element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>

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

// how a rule uses an operand: reads it, writes it without reading, or reads it and writes it back
enum class Access { kRead, kWrite, kReadWrite };

// whether an operand may be another operand of the same launch (an in-place step). Only operands
// that overlap no other carry __restrict__, which lets the compiler read them through the read-only
// cache and keep loads of one element ahead of stores of another. In place is harmless otherwise:
// each element is read and then written by the same thread.
enum class Overlap { kNone, kInPlace };

template <Access kAccess, Overlap kOverlap>
struct Operand {
    static constexpr Access access = kAccess;
    using Element = std::conditional_t<kAccess == Access::kRead, const float, float>;
    // __restrict__ only where device code is compiled: g++ (the host pass, and the emulation) keeps a
    // top-level __restrict__ in the substituted parameter types of a kernel specialization and then
    // cannot take its address for launch_kernel. The kernel's mangled name, which host and device
    // passes must agree on, names Operand<access, overlap> and not this type, so both passes match.
#ifdef __CUDA_ARCH__
    using Pointer = std::conditional_t<kOverlap == Overlap::kNone, Element* __restrict__, Element*>;
#else
    using Pointer = Element*;
#endif
    Pointer pointer;
};

template <Overlap kOverlap = Overlap::kNone>
Operand<Access::kRead, kOverlap> read_only(const float* pointer) {
    return {pointer};
}

template <Overlap kOverlap = Overlap::kNone>
Operand<Access::kWrite, kOverlap> write_only(float* pointer) {
    return {pointer};
}

template <Overlap kOverlap = Overlap::kNone>
Operand<Access::kReadWrite, kOverlap> read_write(float* pointer) {
    return {pointer};
}

namespace elementwise_detail {

// an operand only written is not loaded: the rule assigns its lane before anything reads it
template <typename Operand, typename Pointer>
__device__ __forceinline__ float4 load4(Pointer pointer, size_t i) {
    if constexpr (Operand::access == Access::kWrite) {
        return float4{};
    } else {
        return reinterpret_cast<const float4*>(pointer)[i];
    }
}

template <typename Operand, typename Pointer>
__device__ __forceinline__ void store4(Pointer pointer, size_t i, const float4& value) {
    if constexpr (Operand::access != Access::kRead) reinterpret_cast<float4*>(pointer)[i] = value;
}

template <typename Operand, typename Pointer>
__device__ __forceinline__ float load(Pointer pointer, size_t i) {
    if constexpr (Operand::access == Access::kWrite) {
        return 0.0f;
    } else {
        return pointer[i];
    }
}

template <typename Operand, typename Pointer>
__device__ __forceinline__ void store(Pointer pointer, size_t i, float value) {
    if constexpr (Operand::access != Access::kRead) pointer[i] = value;
}

// a read operand reaches the rule as a value, a written one as a float& to assign
template <typename Operand>
__device__ __forceinline__ decltype(auto) argument(float& lane) {
    if constexpr (Operand::access == Access::kRead) {
        return static_cast<float>(lane);
    } else {
        return static_cast<float&>(lane);
    }
}

template <typename Rule, typename... Operands, size_t... kIndex>
__device__ __forceinline__ void run(const Rule& rule,
                                    size_t count,
                                    size_t head,
                                    size_t vector_count,
                                    std::index_sequence<kIndex...>,
                                    typename Operands::Pointer... pointers) {
    const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
    const size_t thread = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;

    for (size_t i = thread; i < vector_count; i += stride) {
        float4 lanes[] = {load4<Operands>(pointers + head, i)...};
        rule(argument<Operands>(lanes[kIndex].x)...);
        rule(argument<Operands>(lanes[kIndex].y)...);
        rule(argument<Operands>(lanes[kIndex].z)...);
        rule(argument<Operands>(lanes[kIndex].w)...);
        (store4<Operands>(pointers + head, i, lanes[kIndex]), ...);
    }

    for (size_t k = thread; k < scalar_element_count(count, vector_count); k += stride) {
        const size_t i = scalar_element(k, head, vector_count);
        float values[] = {load<Operands>(pointers, i)...};
        rule(argument<Operands>(values[kIndex])...);
        (store<Operands>(pointers, i, values[kIndex]), ...);
    }
}

}  // namespace elementwise_detail

// every operand is count floats; elements [0, head) and [head + 4 * vector_count, count) go one float
// at a time, the rest as float4 (all operands 16-byte aligned at element head). The rule is called
// once per element with the operands in order: a read one as a float, a written one as a float&.
// The rule is __grid_constant__: read where it lies in parameter memory, as scalar parameters are;
// copied into registers instead, it cost the sign step 3 more registers on sm_90.
template <typename Rule, typename... Operands>
__global__ void elementwise_kernel(const __grid_constant__ Rule rule,
                                   size_t count,
                                   size_t head,
                                   size_t vector_count,
                                   typename Operands::Pointer... pointers) {
    elementwise_detail::run<Rule, Operands...>(rule, count, head, vector_count,
                                               std::index_sequence_for<Operands...>{}, pointers...);
}

// rule(operands[i]...) for every i in [0, count), one thread per float4 or leftover float, at most
// max_blocks blocks; operands from read_only, write_only and read_write
template <typename Rule, typename... Operands>
cudaError_t launch_elementwise(const Rule& rule, size_t count, size_t max_blocks, cudaStream_t stream,
                               Operands... operands) {
    if (count == 0) return cudaSuccess;
    const VectorSplit split = vector_split(count, {operands.pointer...});
    return launch_kernel(elementwise_kernel<Rule, Operands...>, elementwise_grid(count, split, max_blocks),
                         dim3(kElementwiseBlockSize), 0, stream, rule, count, split.head, split.vector_count,
                         operands.pointer...);
}

}  // namespace gradsign

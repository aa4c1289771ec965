// dense.cu: the dense layer's three matrix products on one tiled GEMM kernel (bias and activation fused,
// the contraction split when the tiles are few), few-rows kernels for batches of 1 to 8 images (the
// backward one with the gradient step's element-wise epilogues), and the bias gradient.
#include "dense.cuh"

#include <cstddef>

#include "activation.cuh"
#include "gradsign.h"
#include "sign_step.cuh"

namespace gradsign {

namespace {

// A block computes a 64x64 tile of the output; its 256 threads each own a 4x4 micro-tile held in
// registers. The contraction goes 16 deep per step through shared memory, double-buffered, so one
// barrier per step suffices and the next step's global loads overlap this step's arithmetic.
constexpr int kTile = 64;
constexpr int kTileDepth = 16;
constexpr int kMicroTile = 4;
constexpr int kThreads = (kTile / kMicroTile) * (kTile / kMicroTile);
constexpr int kLoadsPerThread = kTile * kTileDepth / kThreads;
// rows of a shared tile are padded by 4 floats: the k-contiguous operand is stored transposed,
// and without padding its 16 k of one row would all land in one bank (64 floats apart); 4 keeps
// every row 16-byte aligned for the float4 reads
constexpr int kTileStride = kTile + 4;

static_assert(kThreads == 256, "one micro-tile per thread");
static_assert(kThreads % kTileDepth == 0 && kThreads % kTile == 0, "whole rows per load pass");

// both operands as [k][row of the operand], two buffers each: 17 KiB
struct alignas(16) ProductTiles {
    float a[2][kTileDepth][kTileStride];
    float b[2][kTileDepth][kTileStride];
};

// the forward epilogue's activation, the rule of activation_forward (activation.cuh)
__device__ __forceinline__ float activate(float v, int activation) { return activation_forward_one(v, activation); }

// One operand of the product, seen as (rows, depth). With k_contiguous its element (r, k) is at
// data[r * ld + k], otherwise at data[k * ld + r]. Each thread reads kLoadsPerThread elements of
// the tile at (row0, k0), consecutive threads along the contiguous dimension so that a warp reads
// whole segments; elements outside the operand read as 0, which adds nothing to the sums.
template <bool k_contiguous>
__device__ __forceinline__ void load_tile(float (&staged)[kLoadsPerThread],
                                          const float* __restrict__ data,
                                          int ld,
                                          int rows,
                                          int depth,
                                          int row0,
                                          int k0) {
    const int thread = static_cast<int>(threadIdx.x);
#pragma unroll
    for (int i = 0; i < kLoadsPerThread; ++i) {
        const int r = k_contiguous ? thread / kTileDepth + i * (kThreads / kTileDepth) : thread % kTile;
        const int k = k_contiguous ? thread % kTileDepth : thread / kTile + i * (kThreads / kTile);
        const int row = row0 + r;
        const int kk = k0 + k;
        float value = 0.0f;
        if (row < rows && kk < depth) {
            value = k_contiguous ? data[static_cast<size_t>(row) * ld + kk] : data[static_cast<size_t>(kk) * ld + row];
        }
        staged[i] = value;
    }
}

// the same elements as load_tile, into the shared tile as [k][r]
template <bool k_contiguous>
__device__ __forceinline__ void store_tile(float (&tile)[kTileDepth][kTileStride],
                                           const float (&staged)[kLoadsPerThread]) {
    const int thread = static_cast<int>(threadIdx.x);
#pragma unroll
    for (int i = 0; i < kLoadsPerThread; ++i) {
        const int r = k_contiguous ? thread / kTileDepth + i * (kThreads / kTileDepth) : thread % kTile;
        const int k = k_contiguous ? thread % kTileDepth : thread / kTile + i * (kThreads / kTile);
        tile[k][r] = staged[i];
    }
}

// A product of few tiles splits its contraction: blockIdx.z takes every split's share of the 16-deep
// steps, writes its partial tile to the scratch below, and the last block of a tile to arrive sums the
// partials in split order (so the result does not depend on which arrives last) before the epilogue.
// The split is chosen from the shape alone, never from the GPU, so every GPU (and the emulation)
// gives the same bits for a shape. For the MLP at batch 64 this turns 8 blocks walking 49 steps into
// 64 to 104 blocks walking 4 to 6.
constexpr int kSplitTargetBlocks = 128;
constexpr int kMaxSplits = 8;
constexpr int kMinStepsPerSplit = 4;
// tiles x splits of partial tiles, 64 x 64 floats each: 4 MiB of device memory in a caller's scratch
constexpr int kSplitSlots = 256;

// The scratch belongs to its caller (the Java backend hands each concurrent caller its own), never to
// the process: two host threads launching products at once (each its own backend, or one backend on
// the emulation, which runs a launch on its caller's thread) would otherwise mix their partials. Within
// one scratch, launches must run one at a time in launch order, as they do on the legacy default
// stream; each tile's arrival count is back at 0 when its kernel ends.
struct SplitScratch {
    unsigned* arrivals;  // kSplitSlots counters, zero between launches
    float* partials;     // kSplitSlots partial tiles
};

constexpr size_t kSplitArrivalBytes = 1024;  // kSplitSlots counters, padded to 1 KiB
static_assert(kSplitSlots * sizeof(unsigned) <= kSplitArrivalBytes, "arrival counters overflow their bytes");

SplitScratch split_scratch(void* base) {
    char* bytes = static_cast<char*>(base);
    return SplitScratch{reinterpret_cast<unsigned*>(bytes), reinterpret_cast<float*>(bytes + kSplitArrivalBytes)};
}

// c (rows, columns), row-major, = activation(sum over k of a(row, k) * b(column, k) + bias[column]).
// a is (rows, depth) and b is (columns, depth), each laid out as load_tile says; bias (columns) or
// null for none. The grid puts the larger tile count on x (grid.y is limited to 65535);
// rows_on_x says which. All three products of the dense layer are this kernel:
//   forward          y (batch, out)  = x (batch, in) . weights (out, in)^T   a = x,  b = weights, both k-contiguous
//   backward input   dx (batch, in)  = dy (batch, out) . weights (out, in)   a = dy k-contiguous, b = weights
//   backward weights dw (out, in)    = dy (batch, out)^T . x (batch, in)     a = dy, b = x, both row-contiguous
// With gridDim.z > 1, block z runs steps [z * steps_per_split, (z + 1) * steps_per_split) of the
// contraction, as the split above says.
template <bool a_k_contiguous, bool b_k_contiguous>
__global__ void __launch_bounds__(kThreads) dense_product_kernel(float* __restrict__ c,
                                                                 const float* __restrict__ a,
                                                                 const float* __restrict__ b,
                                                                 const float* __restrict__ bias,
                                                                 int rows,
                                                                 int columns,
                                                                 int depth,
                                                                 int lda,
                                                                 int ldb,
                                                                 int activation,
                                                                 int rows_on_x,
                                                                 int steps_per_split,
                                                                 SplitScratch scratch) {
    __shared__ ProductTiles tiles;
    __shared__ unsigned split_last;

    const int row0 = static_cast<int>(rows_on_x ? blockIdx.x : blockIdx.y) * kTile;
    const int column0 = static_cast<int>(rows_on_x ? blockIdx.y : blockIdx.x) * kTile;
    // a warp is 2 micro-tile rows by 16 micro-tile columns: its a reads are 2 broadcasts, its b
    // reads 256 contiguous bytes, and its stores 2 runs of 64 consecutive floats
    const int micro_row = static_cast<int>(threadIdx.x) / (kTile / kMicroTile) * kMicroTile;
    const int micro_column = static_cast<int>(threadIdx.x) % (kTile / kMicroTile) * kMicroTile;

    float sum[kMicroTile][kMicroTile];
#pragma unroll
    for (int i = 0; i < kMicroTile; ++i) {
#pragma unroll
        for (int j = 0; j < kMicroTile; ++j) sum[i][j] = 0.0f;
    }

    const int all_steps = (depth + kTileDepth - 1) / kTileDepth;
    const int first_step = static_cast<int>(blockIdx.z) * steps_per_split;
    const int steps = first_step >= all_steps ? 0 : min(steps_per_split, all_steps - first_step);
    const int k_first = first_step * kTileDepth;
    float staged_a[kLoadsPerThread];
    float staged_b[kLoadsPerThread];
    if (steps > 0) {
        load_tile<a_k_contiguous>(staged_a, a, lda, rows, depth, row0, k_first);
        load_tile<b_k_contiguous>(staged_b, b, ldb, columns, depth, column0, k_first);
        store_tile<a_k_contiguous>(tiles.a[0], staged_a);
        store_tile<b_k_contiguous>(tiles.b[0], staged_b);
    }
    __syncthreads();

    for (int step = 0; step < steps; ++step) {
        const int current = step & 1;
        const bool more = step + 1 < steps;
        // the next step's global loads are issued first and land in registers while this step computes
        if (more) {
            const int k0 = k_first + (step + 1) * kTileDepth;
            load_tile<a_k_contiguous>(staged_a, a, lda, rows, depth, row0, k0);
            load_tile<b_k_contiguous>(staged_b, b, ldb, columns, depth, column0, k0);
        }
#pragma unroll
        for (int k = 0; k < kTileDepth; ++k) {
            const float4 a4 = *reinterpret_cast<const float4*>(&tiles.a[current][k][micro_row]);
            const float4 b4 = *reinterpret_cast<const float4*>(&tiles.b[current][k][micro_column]);
            const float av[kMicroTile] = {a4.x, a4.y, a4.z, a4.w};
            const float bv[kMicroTile] = {b4.x, b4.y, b4.z, b4.w};
#pragma unroll
            for (int i = 0; i < kMicroTile; ++i) {
#pragma unroll
                for (int j = 0; j < kMicroTile; ++j) sum[i][j] += av[i] * bv[j];
            }
        }
        // the other buffer was last read in the previous step, before the barrier that ended it
        if (more) {
            store_tile<a_k_contiguous>(tiles.a[current ^ 1], staged_a);
            store_tile<b_k_contiguous>(tiles.b[current ^ 1], staged_b);
        }
        __syncthreads();
    }

    if (gridDim.z > 1) {
        const unsigned tile = blockIdx.y * gridDim.x + blockIdx.x;
        float* partial = scratch.partials + (static_cast<size_t>(tile) * gridDim.z + blockIdx.z) * kTile * kTile;
#pragma unroll
        for (int i = 0; i < kMicroTile; ++i) {
#pragma unroll
            for (int j = 0; j < kMicroTile; ++j) partial[(micro_row + i) * kTile + micro_column + j] = sum[i][j];
        }
        // this block's partials are visible to the whole device before its arrival counts
        __threadfence();
        __syncthreads();
        if (threadIdx.x == 0) split_last = atomicAdd(&scratch.arrivals[tile], 1u) == gridDim.z - 1 ? 1u : 0u;
        __syncthreads();
        if (split_last == 0) return;
        __threadfence();
        // volatile: past the L1 cache, which does not see other blocks' writes
        const volatile float* partials = scratch.partials + static_cast<size_t>(tile) * gridDim.z * kTile * kTile;
#pragma unroll
        for (int i = 0; i < kMicroTile; ++i) {
#pragma unroll
            for (int j = 0; j < kMicroTile; ++j) {
                float total = 0.0f;
                for (unsigned z = 0; z < gridDim.z; ++z) {
                    const size_t at = static_cast<size_t>(z) * kTile * kTile + (micro_row + i) * kTile;
                    total += partials[at + micro_column + j];
                }
                sum[i][j] = total;
            }
        }
        if (threadIdx.x == 0) scratch.arrivals[tile] = 0;
    }

    float column_bias[kMicroTile];
#pragma unroll
    for (int j = 0; j < kMicroTile; ++j) {
        const int column = column0 + micro_column + j;
        column_bias[j] = bias != nullptr && column < columns ? bias[column] : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < kMicroTile; ++i) {
        const int row = row0 + micro_row + i;
        if (row >= rows) break;
        float* c_row = c + static_cast<size_t>(row) * columns;
#pragma unroll
        for (int j = 0; j < kMicroTile; ++j) {
            const int column = column0 + micro_column + j;
            if (column < columns) c_row[column] = activate(sum[i][j] + column_bias[j], activation);
        }
    }
}

// the launcher of dense_product_kernel; an empty output launches nothing, an empty contraction
// (depth 0) still writes activation(bias), or zeros
template <bool a_k_contiguous, bool b_k_contiguous>
cudaError_t launch_dense_product(float* c, const float* a, const float* b, const float* bias, int rows, int columns,
                                 int depth, int lda, int ldb, int activation, void* scratch, cudaStream_t stream) {
    if (rows <= 0 || columns <= 0) return cudaSuccess;
    const unsigned row_tiles = static_cast<unsigned>((rows + kTile - 1) / kTile);
    const unsigned column_tiles = static_cast<unsigned>((columns + kTile - 1) / kTile);
    const bool rows_on_x = row_tiles > column_tiles;
    const int steps = depth > 0 ? (depth + kTileDepth - 1) / kTileDepth : 0;
    const unsigned tiles = row_tiles * column_tiles;
    int splits = 1;
    if (tiles <= kSplitSlots / 2) {
        splits = static_cast<int>((kSplitTargetBlocks + tiles - 1) / tiles);
        splits = min(splits, kMaxSplits);
        splits = min(splits, steps / kMinStepsPerSplit);
        splits = min(splits, static_cast<int>(kSplitSlots / tiles));
        splits = max(splits, 1);
    }
    // no split without steps of its own
    const int steps_per_split = splits > 1 ? (steps + splits - 1) / splits : (steps > 0 ? steps : 1);
    if (splits > 1) splits = (steps + steps_per_split - 1) / steps_per_split;
    const dim3 grid(rows_on_x ? row_tiles : column_tiles, rows_on_x ? column_tiles : row_tiles,
                    static_cast<unsigned>(splits));
    return launch_kernel(dense_product_kernel<a_k_contiguous, b_k_contiguous>, grid, dim3(kThreads), 0, stream,
                         c, a, b, bias, rows, columns, depth < 0 ? 0 : depth, lda, ldb, activation,
                         rows_on_x ? 1 : 0, steps_per_split, split_scratch(scratch));
}

// Few rows (a batch of at most kFewRows images): the tiled kernel would start a handful of blocks,
// each walking the whole contraction in 16-deep steps, so its time is that walk's latency. These two
// kernels spread the contraction over many threads instead and read each weight once.
constexpr int kFewRows = 8;
// forward: a warp per output column, kFewRowsWarps columns per block
constexpr int kFewRowsWarps = 8;
// backward to the input: a block covers 32 columns, its kFewRowsGroups rows of threads share the contraction
constexpr int kFewRowsColumns = 32;
constexpr int kFewRowsGroups = 32;

static_assert(kFewRows <= kFewRowsGroups, "the final sums take one group of threads per row");

// sum[r] += a[r * depth + k] * weight_at(k) for r < kRows and k = first, first + stride, ... below
// depth, in that order. Four k's weights are loaded before the first is used: a thread's time here is
// the latency of its loads (the weights come from L2), and this keeps four in flight instead of one.
// The row count is a template argument (the launchers instantiate 1 to kFewRows): with a run-time
// count, every row's loads and multiply-adds are issued and then predicated off, which for one image
// is eight times the instructions.
template <int kRows, typename WeightAt>
__device__ __forceinline__ void accumulate_rows(float (&sum)[kRows], const float* __restrict__ a, int depth,
                                                int first, int stride, WeightAt weight_at) {
    int k = first;
    for (; k + 3 * stride < depth; k += 4 * stride) {
        float w[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) w[j] = weight_at(k + j * stride);
#pragma unroll
        for (int j = 0; j < 4; ++j) {
#pragma unroll
            for (int r = 0; r < kRows; ++r) sum[r] += a[static_cast<size_t>(r) * depth + k + j * stride] * w[j];
        }
    }
    for (; k < depth; k += stride) {
        const float w = weight_at(k);
#pragma unroll
        for (int r = 0; r < kRows; ++r) sum[r] += a[static_cast<size_t>(r) * depth + k] * w;
    }
}

// c (kRows, columns) = activation(a (kRows, depth) . b (columns, depth)^T + bias), both operands
// k-contiguous (lda = ldb = depth). The lanes of a warp read consecutive k of one weight row, 128
// contiguous bytes per pass, and meet in a butterfly of shuffles; every lane ends with the same sums
// and lane 0 writes them.
template <int kRows>
__global__ void __launch_bounds__(kFewRowsWarps * 32)
few_rows_forward_kernel(float* __restrict__ c,
                        const float* __restrict__ a,
                        const float* __restrict__ b,
                        const float* __restrict__ bias,
                        int columns,
                        int depth,
                        int activation) {
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int column = static_cast<int>(blockIdx.x) * kFewRowsWarps + static_cast<int>(threadIdx.x) / 32;
    // a whole warp leaves together: the kernel has no block barrier
    if (column >= columns) return;
    const float* b_row = b + static_cast<size_t>(column) * depth;

    float sum[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) sum[r] = 0.0f;
    accumulate_rows<kRows>(sum, a, depth, lane, 32, [b_row](int k) { return b_row[k]; });
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
#pragma unroll
        for (int offset = 16; offset > 0; offset /= 2) sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], offset);
    }
    if (lane != 0) return;
    const float column_bias = bias != nullptr ? bias[column] : 0.0f;
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
        c[static_cast<size_t>(r) * columns + column] = activate(sum[r] + column_bias, activation);
    }
}

// What the backward kernel does with each sum before it is stored, so that the element-wise step
// that follows the product in a gradient step costs no launch of its own. Each is the rule of that
// step's own kernel applied to the same value, so the result is the same bits.
struct BackwardEpilogue {
    // with an activation: c = activation_backward_one(sum, below), below (rows, columns) being the
    // output of the activation under the layer (what activation_backward does to c in place)
    const float* below;
    int activation;
    // with step_out: c = sum as it is, and step_out = sign_step_one(step_x, sum, ...) (sign_step of
    // step_x by c); step_out may be step_x
    float* step_out;
    const float* step_x;
    float epsilon;
    float lo;
    float hi;
};

// c (kRows, columns) = a (kRows, depth) . b, where b(column, k) = b[k * ldb + column] (the weights
// (depth, ldb) read down their columns), then the epilogue. Thread (x, y) of a block takes column x
// and every kFewRowsGroups-th k from y: a warp reads 128 contiguous bytes of a weight row per pass.
// The groups' partial sums meet in shared memory, and group r writes row r.
template <int kRows>
__global__ void __launch_bounds__(kFewRowsColumns * kFewRowsGroups)
few_rows_backward_kernel(float* __restrict__ c,
                         const float* __restrict__ a,
                         const float* __restrict__ b,
                         int columns,
                         int depth,
                         int ldb,
                         BackwardEpilogue epilogue) {
    // one padding column keeps the final reads down a column in different banks: 4 to 33 KiB
    __shared__ float partial[kFewRowsGroups][kRows][kFewRowsColumns + 1];

    const int x = static_cast<int>(threadIdx.x);
    const int y = static_cast<int>(threadIdx.y);
    const int column = static_cast<int>(blockIdx.x) * kFewRowsColumns + x;
    float sum[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) sum[r] = 0.0f;
    if (column < columns) {
        const float* b_column = b + column;
        accumulate_rows<kRows>(sum, a, depth, y, kFewRowsGroups,
                               [b_column, ldb](int k) { return b_column[static_cast<size_t>(k) * ldb]; });
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r) partial[y][r][x] = sum[r];
    __syncthreads();

    if (y >= kRows || column >= columns) return;
    float total = 0.0f;
#pragma unroll
    for (int g = 0; g < kFewRowsGroups; ++g) total += partial[g][y][x];
    const size_t i = static_cast<size_t>(y) * columns + column;
    if (epilogue.activation != GRADSIGN_ACTIVATION_NONE) {
        total = activation_backward_one(total, epilogue.below[i], epilogue.activation);
    }
    c[i] = total;
    if (epilogue.step_out != nullptr) {
        epilogue.step_out[i] = sign_step_one(epilogue.step_x[i], total, epilogue.epsilon, epilogue.lo, epilogue.hi);
    }
}

// the few-rows kernels for rows in [1, kFewRows], each with its row count compiled in
template <int kRows>
cudaError_t launch_few_rows_forward(float* c, const float* a, const float* b, const float* bias, int rows,
                                    int columns, int depth, int activation, cudaStream_t stream) {
    if (rows != kRows) {
        if constexpr (kRows > 1) return launch_few_rows_forward<kRows - 1>(c, a, b, bias, rows, columns, depth,
                                                                             activation, stream);
        return cudaErrorInvalidValue;
    }
    const unsigned blocks = static_cast<unsigned>((columns + kFewRowsWarps - 1) / kFewRowsWarps);
    return launch_kernel(few_rows_forward_kernel<kRows>, dim3(blocks), dim3(kFewRowsWarps * 32), 0, stream, c, a, b,
                         bias, columns, depth, activation);
}

template <int kRows>
cudaError_t launch_few_rows_backward(float* c, const float* a, const float* b, int rows, int columns, int depth,
                                     int ldb, const BackwardEpilogue& epilogue, cudaStream_t stream) {
    if (rows != kRows) {
        if constexpr (kRows > 1) return launch_few_rows_backward<kRows - 1>(c, a, b, rows, columns, depth, ldb,
                                                                              epilogue, stream);
        return cudaErrorInvalidValue;
    }
    const unsigned blocks = static_cast<unsigned>((columns + kFewRowsColumns - 1) / kFewRowsColumns);
    return launch_kernel(few_rows_backward_kernel<kRows>, dim3(blocks), dim3(kFewRowsColumns, kFewRowsGroups), 0,
                         stream, c, a, b, columns, depth, ldb, epilogue);
}

constexpr int kSumColumns = 32;
constexpr int kSumRowGroups = 8;

// sums (columns) = sum over r of values (rows, columns), row-major. A block covers 32 columns, a
// warp reads 128 contiguous bytes of a row, and 8 warps take every 8th row; their partial sums meet
// in shared memory. rows 0 writes zeros.
__global__ void __launch_bounds__(kSumColumns * kSumRowGroups) column_sum_kernel(float* __restrict__ sums,
                                                                                 const float* __restrict__ values,
                                                                                 int rows,
                                                                                 int columns) {
    // one padding column keeps the final reads down a column in different banks
    __shared__ float partial[kSumRowGroups][kSumColumns + 1];

    const int column = static_cast<int>(blockIdx.x) * kSumColumns + static_cast<int>(threadIdx.x);
    float sum = 0.0f;
    if (column < columns) {
        for (int r = static_cast<int>(threadIdx.y); r < rows; r += kSumRowGroups) {
            sum += values[static_cast<size_t>(r) * columns + column];
        }
    }
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();

    if (threadIdx.y != 0 || column >= columns) return;
    float total = 0.0f;
#pragma unroll
    for (int g = 0; g < kSumRowGroups; ++g) total += partial[g][threadIdx.x];
    sums[column] = total;
}

}  // namespace

size_t dense_scratch_bytes() { return kSplitArrivalBytes + sizeof(float) * kSplitSlots * kTile * kTile; }

cudaError_t dense_forward(float* y, const float* x, const float* weights, const float* bias, int batch,
                          int in_features, int out_features, int activation, void* scratch, cudaStream_t stream) {
    if (batch > 0 && batch <= kFewRows && out_features > 0) {
        return launch_few_rows_forward<kFewRows>(y, x, weights, bias, batch, out_features,
                                                 in_features < 0 ? 0 : in_features, activation, stream);
    }
    // a = x (batch, in), b = weights (out, in): both contract over their contiguous dimension
    return launch_dense_product<true, true>(y, x, weights, bias, batch, out_features, in_features, in_features,
                                            in_features, activation, scratch, stream);
}

namespace {

// dx = dy . weights, then the epilogue: in the few-rows kernel where it applies, else by the tiled
// product and the element-wise kernel of the epilogue's step
cudaError_t backward_input(float* dx, const float* dy, const float* weights, int batch, int in_features,
                           int out_features, const BackwardEpilogue& epilogue, int multiprocessors,
                           void* scratch, cudaStream_t stream) {
    if (batch > 0 && batch <= kFewRows && in_features > 0) {
        return launch_few_rows_backward<kFewRows>(dx, dy, weights, batch, in_features,
                                                  out_features < 0 ? 0 : out_features, in_features, epilogue, stream);
    }
    // a = dy (batch, out) contracts over its rows' contiguous out; b(i, o) = weights[o * in + i]
    cudaError_t status = launch_dense_product<true, false>(dx, dy, weights, nullptr, batch, in_features, out_features,
                                                           out_features, in_features, GRADSIGN_ACTIVATION_NONE, scratch, stream);
    if (status != cudaSuccess || batch <= 0 || in_features <= 0) return status;
    const size_t count = static_cast<size_t>(batch) * in_features;
    if (epilogue.activation != GRADSIGN_ACTIVATION_NONE) {
        status = activation_backward(dx, dx, epilogue.below, count, epilogue.activation, stream);
        if (status != cudaSuccess) return status;
    }
    if (epilogue.step_out != nullptr) {
        status = sign_step(epilogue.step_out, epilogue.step_x, dx, count, epilogue.epsilon, epilogue.lo, epilogue.hi,
                           multiprocessors, stream);
    }
    return status;
}

}  // namespace

cudaError_t dense_backward_input(float* dx, const float* dy, const float* weights, int batch, int in_features,
                                 int out_features, void* scratch, cudaStream_t stream) {
    // without a sign step the multiprocessor count (which sizes the sign step's grid) is not used
    const BackwardEpilogue none{nullptr, GRADSIGN_ACTIVATION_NONE, nullptr, nullptr, 0.0f, 0.0f, 0.0f};
    return backward_input(dx, dy, weights, batch, in_features, out_features, none, 1, scratch, stream);
}

cudaError_t dense_backward_input_activation(float* dx, const float* dy, const float* weights, const float* below,
                                            int activation, int batch, int in_features, int out_features,
                                            void* scratch, cudaStream_t stream) {
    // no sign step here either: the multiprocessor count is not used
    const BackwardEpilogue through{below, activation, nullptr, nullptr, 0.0f, 0.0f, 0.0f};
    return backward_input(dx, dy, weights, batch, in_features, out_features, through, 1, scratch, stream);
}

cudaError_t dense_backward_input_sign_step(float* out, const float* x, float* dx, const float* dy,
                                           const float* weights, int batch, int in_features, int out_features,
                                           float epsilon, float lo, float hi, int multiprocessors,
                                           void* scratch, cudaStream_t stream) {
    const BackwardEpilogue step{nullptr, GRADSIGN_ACTIVATION_NONE, out, x, epsilon, lo, hi};
    return backward_input(dx, dy, weights, batch, in_features, out_features, step, multiprocessors, scratch, stream);
}

cudaError_t dense_backward_weights(float* dweights, float* dbias, const float* dy, const float* x, int batch,
                                   int in_features, int out_features, void* scratch, cudaStream_t stream) {
    // a(o, n) = dy[n * out + o], b(i, n) = x[n * in + i]: the contraction runs over the batch, the
    // strided dimension of both; batch 0 writes zeros
    cudaError_t status = launch_dense_product<false, false>(dweights, dy, x, nullptr, out_features, in_features,
                                                            batch, out_features, in_features,
                                                            GRADSIGN_ACTIVATION_NONE, scratch, stream);
    if (status != cudaSuccess || dbias == nullptr || out_features <= 0) return status;
    const unsigned blocks = static_cast<unsigned>((out_features + kSumColumns - 1) / kSumColumns);
    return launch_kernel(column_sum_kernel, dim3(blocks), dim3(kSumColumns, kSumRowGroups), 0, stream, dbias, dy,
                         batch < 0 ? 0 : batch, out_features);
}

}  // namespace gradsign

// conv.cu: the 2-D convolution's three products as implicit GEMMs on one tiled kernel (each operand
// tile gathered from the NCHW tensors as it is loaded: no im2col buffer, no scratch), and the bias gradient.
#include "conv.cuh"

#include "activation.cuh"
#include "divisor.cuh"
#include "gradsign.h"

namespace gradsign {

namespace {

// Each product is C (rows, columns) = A (rows, depth) . B (columns, depth)^T:
//   forward          y   rows n*p*q output pixels, columns k, depth c*r*s   A = im2col(x),   B = weights
//   backward input   dx  rows n*h*w input pixels,  columns c, depth k*r*s   A = dy gathered, B = weights, transposed
//   backward weights dw  rows c*r*s taps,          columns k, depth n*p*q   A = im2col(x)^T, B = dy
// (the backward pass to the input at a stride above 1: one such product per phase, see GradientPhase).
// The rows of C lie side by side in memory (the pixels of a plane, the taps of a weight row; a phase's
// pixels stride_w apart), so a warp's threads run along rows when they store. Every sum is a fixed
// function of the shape (tiles, steps and groups are chosen from it alone): the same bits on every run.

// the contraction goes this deep per step through shared memory
constexpr int kDepthStep = 16;
// each thread holds a 4x4 micro-tile of C in registers
constexpr int kMicroTile = 4;

// A block computes kRows x kColumns of C. Its threads form kGroups groups, one micro-tile each per
// thread; group g takes the depth steps g, g + kGroups, ... with shared tiles of its own (double
// buffered: one barrier per step, the next step's global loads in flight during this step's
// arithmetic), and the groups' sums are added in group order at the end.
template <int kRowsTile, int kColumnsTile, int kGroupCount>
struct Tiling {
    static constexpr int kRows = kRowsTile;
    static constexpr int kColumns = kColumnsTile;
    static constexpr int kGroups = kGroupCount;
    static constexpr int kGroupThreads = (kRows / kMicroTile) * (kColumns / kMicroTile);
    static constexpr int kThreads = kGroupThreads * kGroups;
};
// the dense kernel's tiles, where there are enough of them to fill the GPU
using WideTiling = Tiling<64, 64, 1>;
// a product of few tiles (a small batch, few channels): four times the blocks, and four groups
// along the contraction in each, instead of a handful of blocks walking all of it
using NarrowTiling = Tiling<32, 32, 4>;
// 64x64 tiles from this many on: two blocks for each of an H100's 132 SMs, about
constexpr long long kWideTilesEnough = 256;

static_assert(WideTiling::kThreads == 256 && NarrowTiling::kThreads == 256, "256 threads per block");

// How a group's threads share the loads of one operand tile (kTileRows x kDepthStep), each thread
// loading kLoads elements. Along rows: 16 consecutive threads take 16 consecutive rows at one depth
// (output pixels side by side in an image row are side by side in memory); along depth: 16
// consecutive threads take 16 consecutive depths of one row.
template <bool kAlongRows, int kTileRows, int kGroupThreads>
struct Lanes {
    static constexpr int kLanes = 16;
    static constexpr int kBands = kGroupThreads / kLanes;
    static constexpr int kRowsPerThread = kAlongRows ? kTileRows / kLanes : kTileRows / kBands;
    static constexpr int kDepthsPerThread = kAlongRows ? kDepthStep / kBands : 1;
    static constexpr int kLoads = kRowsPerThread * kDepthsPerThread;
    static_assert(kDepthStep == kLanes && kDepthStep % kBands == 0 && kTileRows % kLanes == 0 &&
                      kTileRows % kBands == 0 && kLoads * kGroupThreads == kTileRows * kDepthStep,
                  "every element of the tile loaded once");

    __device__ static int row(int thread, int i) {
        return kAlongRows ? thread % kLanes + kLanes * i : thread / kLanes + kBands * i;
    }
    __device__ static int depth(int thread, int j) {
        return kAlongRows ? thread / kLanes + kBands * j : thread % kLanes;
    }
};

// A coordinate no bounds check passes: rows past the last and depths past the contraction carry it,
// so that their elements read as 0 (which adds nothing) without a flag of their own. Coordinates
// stay within +-2^29 (the C API's limit on the padded image), so sums of two never overflow.
constexpr int kOutside = -(1 << 30);

// the shape and the divisors of its index splits, made once per launch
struct ConvIndex {
    ConvShape shape;
    Divisor output_plane;    // p * q: an output pixel's image
    Divisor output_columns;  // q: its row
    Divisor kernel_area;     // r * s: a tap's channel
    Divisor kernel_columns;  // s: its row in the kernel
};

ConvIndex conv_index(const ConvShape& shape) {
    return {shape, Divisor(shape.p * shape.q), Divisor(shape.q), Divisor(shape.r * shape.s), Divisor(shape.s)};
}

// An operand is a view (rows, depth) of a tensor: row_at and depth_at split an index into what its
// element's address and bounds need (once per tile row for the whole contraction, once per step for
// the depth), load combines the two into the element, or 0 outside the tensor.

// where an output pixel's window starts in x: base is the offset of (image, channel 0, y0, x0)
struct Window {
    int base;
    int y0;
    int x0;
};

// a tap (channel, dy, dx) of the kernel: offset is its offset from a window's base
struct Tap {
    int offset;
    int dy;
    int dx;
};

__device__ __forceinline__ Window window_at(const ConvIndex& index, int pixel, int pixels) {
    if (pixel >= pixels) return {0, kOutside, 0};
    const ConvShape& shape = index.shape;
    const int image = index.output_plane.quotient(pixel);
    const int rest = pixel - image * index.output_plane.value;
    const int oy = index.output_columns.quotient(rest);
    const int ox = rest - oy * shape.q;
    const int y0 = oy * shape.stride_h - shape.pad_h;
    const int x0 = ox * shape.stride_w - shape.pad_w;
    return {image * shape.c * shape.h * shape.w + y0 * shape.w + x0, y0, x0};
}

__device__ __forceinline__ Tap tap_at(const ConvIndex& index, int tap, int taps) {
    if (tap >= taps) return {0, kOutside, 0};
    const ConvShape& shape = index.shape;
    const int channel = index.kernel_area.quotient(tap);
    const int rest = tap - channel * index.kernel_area.value;
    const int dy = index.kernel_columns.quotient(rest);
    const int dx = rest - dy * shape.s;
    return {(channel * shape.h + dy) * shape.w + dx, dy, dx};
}

// x at a window's tap, 0 in the padding
__device__ __forceinline__ float image_at(const float* __restrict__ x, const ConvShape& shape, const Window& window,
                                          const Tap& tap) {
    const int iy = window.y0 + tap.dy;
    const int ix = window.x0 + tap.dx;
    if (static_cast<unsigned>(iy) >= static_cast<unsigned>(shape.h) ||
        static_cast<unsigned>(ix) >= static_cast<unsigned>(shape.w)) {
        return 0.0f;
    }
    return x[window.base + tap.offset];
}

// im2col(x) (n*p*q, c*r*s): A of the forward pass
struct ImagePatchRows {
    static constexpr bool kAlongRows = true;
    using Row = Window;
    using Depth = Tap;
    const float* x;
    ConvIndex index;
    int pixels;
    int taps;

    __device__ Row row_at(int row) const { return window_at(index, row, pixels); }
    __device__ Depth depth_at(int depth) const { return tap_at(index, depth, taps); }
    __device__ float load(const Row& row, const Depth& depth) const { return image_at(x, index.shape, row, depth); }
};

// im2col(x)^T (c*r*s, n*p*q): A of the backward pass to the weights
struct ImagePatchColumns {
    static constexpr bool kAlongRows = false;
    using Row = Tap;
    using Depth = Window;
    const float* x;
    ConvIndex index;
    int taps;
    int pixels;

    __device__ Row row_at(int row) const { return tap_at(index, row, taps); }
    __device__ Depth depth_at(int depth) const { return window_at(index, depth, pixels); }
    __device__ float load(const Row& row, const Depth& depth) const { return image_at(x, index.shape, depth, row); }
};

// The backward pass to the input, by phase. Output pixel oy puts tap ty on input row
// iy = oy * stride_h - pad_h + ty, so input row iy takes dy only through the taps ty = iy + pad_h
// (mod stride_h). The input rows iy0, iy0 + stride_h, ... (iy0 < stride_h) form a phase: the taps
// ty0, ty0 + stride_h, ... with ty0 = (iy0 + pad_h) % stride_h, and the j-th row of the phase under
// the t-th tap reads output row a0 + j - t, a0 = (iy0 + pad_h) / stride_h; the same across. Each
// phase is a product of its own over its taps alone, so no step multiplies a tap that lands on no
// output pixel. Unit strides make one phase: the whole image and every tap.
struct GradientPhase {
    int iy0, ix0;               // its first input pixel
    int rows, columns;          // its input pixels of a plane: iy = iy0 + j * stride_h, j < rows
    int ty0, tx0;               // its first tap
    int tap_rows, tap_columns;  // its taps: ty = ty0 + t * stride_h, t < tap_rows
    int a0, b0;                 // its pixel (j, i) under its tap (t, u) reads dy at (a0 + j - t, b0 + i - u)
};

// the pixels congruent to start modulo stride in [0, size), and their taps in [0, kernel)
struct PhaseAxis {
    int start, count, tap0, tap_count, output0;
};

PhaseAxis phase_axis(int start, int size, int kernel, int stride, int pad) {
    const int tap0 = (start + pad) % stride;
    return {start, start < size ? (size - 1 - start) / stride + 1 : 0, tap0,
            tap0 < kernel ? (kernel - 1 - tap0) / stride + 1 : 0, (start + pad) / stride};
}

GradientPhase gradient_phase(const ConvShape& shape, int iy0, int ix0) {
    const PhaseAxis y = phase_axis(iy0, shape.h, shape.r, shape.stride_h, shape.pad_h);
    const PhaseAxis x = phase_axis(ix0, shape.w, shape.s, shape.stride_w, shape.pad_w);
    return {y.start, x.start, y.count, x.count, y.tap0, x.tap0, y.tap_count, x.tap_count, y.output0, x.output0};
}

// dy gathered for one phase of the backward pass to the input (n*rows*columns, k*tap_rows*tap_columns):
// element ((image, j, i), (channel, t, u)) is dy[image, channel, a0 + j - t, b0 + i - u], 0 outside dy
struct OutputGradientGather {
    static constexpr bool kAlongRows = true;
    // base: offset of (image, channel 0) in dy; y, x: a0 + j, b0 + i
    struct Row {
        int base;
        int y;
        int x;
    };
    // offset: of the channel's plane; dy, dx: the tap (t, u)
    struct Depth {
        int offset;
        int dy;
        int dx;
    };
    const float* dy;
    int p, q;
    int image_size;  // k * p * q: one image of dy
    int a0, b0;
    Divisor phase_plane;    // rows * columns: a pixel's image
    Divisor phase_columns;  // columns: its row in the phase
    Divisor channel_taps;   // tap_rows * tap_columns: a tap's channel
    Divisor tap_columns;    // its row among the phase's taps
    int pixels;
    int taps;

    OutputGradientGather(const float* output_gradient, const ConvShape& shape, const GradientPhase& phase)
        : dy(output_gradient),
          p(shape.p),
          q(shape.q),
          image_size(shape.k * shape.p * shape.q),
          a0(phase.a0),
          b0(phase.b0),
          phase_plane(phase.rows * phase.columns),
          phase_columns(phase.columns),
          channel_taps(phase.tap_rows * phase.tap_columns),
          tap_columns(phase.tap_columns),
          pixels(shape.n * phase.rows * phase.columns),
          taps(shape.k * phase.tap_rows * phase.tap_columns) {}

    __device__ Row row_at(int row) const {
        if (row >= pixels) return {0, kOutside, 0};
        const int image = phase_plane.quotient(row);
        const int rest = row - image * phase_plane.value;
        const int j = phase_columns.quotient(rest);
        const int i = rest - j * phase_columns.value;
        return {image * image_size, a0 + j, b0 + i};
    }
    __device__ Depth depth_at(int depth) const {
        // -kOutside: y - dy below 0 for every row
        if (depth >= taps) return {0, -kOutside, 0};
        const int channel = channel_taps.quotient(depth);
        const int rest = depth - channel * channel_taps.value;
        const int t = tap_columns.quotient(rest);
        return {channel * p * q, t, rest - t * tap_columns.value};
    }
    __device__ float load(const Row& row, const Depth& depth) const {
        const int oy = row.y - depth.dy;
        const int ox = row.x - depth.dx;
        if (static_cast<unsigned>(oy) >= static_cast<unsigned>(p) ||
            static_cast<unsigned>(ox) >= static_cast<unsigned>(q)) {
            return 0.0f;
        }
        return dy[row.base + depth.offset + oy * q + ox];
    }
};

// element (row, depth) at data[row * row_stride + (depth / depth_inner) * depth_outer_stride +
// depth % depth_inner]: the weights (k, c*r*s) of the forward pass, the weights as (c, k*r*s) of the
// backward pass to the input, dy as (k, n*p*q) of the backward pass to the weights
struct StridedOperand {
    static constexpr bool kAlongRows = false;
    struct Row {
        int offset;
        bool inside;
    };
    struct Depth {
        int offset;
        bool inside;
    };
    const float* data;
    int rows;
    int depth;
    int row_stride;
    Divisor depth_inner;
    int depth_outer_stride;

    __device__ Row row_at(int row) const { return {row * row_stride, row < rows}; }
    __device__ Depth depth_at(int d) const {
        const int outer = depth_inner.quotient(d);
        return {outer * depth_outer_stride + (d - outer * depth_inner.value), d < depth};
    }
    __device__ float load(const Row& row, const Depth& d) const {
        return row.inside && d.inside ? data[row.offset + d.offset] : 0.0f;
    }
};

// the weights as (c, k*tap_rows*tap_columns) for one phase of the backward pass to the input: element
// (channel, (o, t, u)) is weights[o, channel, ty0 + t * stride_h, tx0 + u * stride_w]
struct PhaseWeights {
    static constexpr bool kAlongRows = false;
    struct Row {
        int offset;
        bool inside;
    };
    struct Depth {
        int offset;
        bool inside;
    };
    const float* weights;
    int rows;               // c
    int depth;              // k * tap_rows * tap_columns
    int row_stride;         // r * s: from one input channel's taps to the next
    int channel_stride;     // c * r * s: from one output channel's weights to the next
    int first_tap;          // ty0 * s + tx0
    int tap_row_stride;     // stride_h * s
    int tap_column_stride;  // stride_w
    Divisor channel_taps;   // tap_rows * tap_columns: a tap's output channel
    Divisor tap_columns;    // its row among the phase's taps

    PhaseWeights(const float* kernel_weights, const ConvShape& shape, const GradientPhase& phase)
        : weights(kernel_weights),
          rows(shape.c),
          depth(shape.k * phase.tap_rows * phase.tap_columns),
          row_stride(shape.r * shape.s),
          channel_stride(shape.c * shape.r * shape.s),
          first_tap(phase.ty0 * shape.s + phase.tx0),
          tap_row_stride(shape.stride_h * shape.s),
          tap_column_stride(shape.stride_w),
          channel_taps(phase.tap_rows * phase.tap_columns),
          tap_columns(phase.tap_columns) {}

    __device__ Row row_at(int row) const { return {row * row_stride, row < rows}; }
    __device__ Depth depth_at(int d) const {
        const int channel = channel_taps.quotient(d);
        const int rest = d - channel * channel_taps.value;
        const int t = tap_columns.quotient(rest);
        const int u = rest - t * tap_columns.value;
        return {channel * channel_stride + first_tap + t * tap_row_stride + u * tap_column_stride, d < depth};
    }
    __device__ float load(const Row& row, const Depth& d) const {
        return row.inside && d.inside ? weights[row.offset + d.offset] : 0.0f;
    }
};

// Where C goes: element (row, column) at out[row_offset(row) + column * column_stride], as
// activation(sum + bias[column]) (bias null: sum + 0). Here row_offset(row) is
// (row / row_divisor) * row_outer_stride + row % row_divisor.
struct ProductOutput {
    float* out;
    const float* bias;
    int activation;
    Divisor row_divisor;
    int row_outer_stride;
    int column_stride;

    __device__ int row_offset(int row) const {
        const int outer = row_divisor.quotient(row);
        return outer * row_outer_stride + (row - outer * row_divisor.value);
    }
};

// dx of one phase of the backward pass to the input: row (image, j, i), column channel at
// dx[image, channel, iy0 + j * stride_h, ix0 + i * stride_w]; no bias, no activation
struct PhaseOutput {
    static constexpr const float* bias = nullptr;
    static constexpr int activation = GRADSIGN_ACTIVATION_NONE;
    float* out;
    int column_stride;        // h * w
    int image_stride;         // c * h * w
    int first_pixel;          // iy0 * w + ix0
    int pixel_row_stride;     // stride_h * w
    int pixel_column_stride;  // stride_w
    Divisor phase_plane;      // rows * columns: a pixel's image
    Divisor phase_columns;    // columns: its row in the phase

    PhaseOutput(float* dx, const ConvShape& shape, const GradientPhase& phase)
        : out(dx),
          column_stride(shape.h * shape.w),
          image_stride(shape.c * shape.h * shape.w),
          first_pixel(phase.iy0 * shape.w + phase.ix0),
          pixel_row_stride(shape.stride_h * shape.w),
          pixel_column_stride(shape.stride_w),
          phase_plane(phase.rows * phase.columns),
          phase_columns(phase.columns) {}

    __device__ int row_offset(int row) const {
        const int image = phase_plane.quotient(row);
        const int rest = row - image * phase_plane.value;
        const int j = phase_columns.quotient(rest);
        const int i = rest - j * phase_columns.value;
        return image * image_stride + first_pixel + j * pixel_row_stride + i * pixel_column_stride;
    }
};

// one group's shared tiles, both operands as [depth][row], each row padded by 4 floats (as the
// dense kernel's: spreads the depth-lane stores over banks, keeps rows 16-byte aligned for float4)
template <class Tiles>
struct alignas(16) GroupTiles {
    float a[2][kDepthStep][Tiles::kRows + 4];
    float b[2][kDepthStep][Tiles::kColumns + 4];
};

// the sums of groups 1 and up, [group - 1][element of the micro-tile][thread], for group 0 to add,
// in the memory of the tiles (no longer read by then): WideTiling 17 KiB, NarrowTiling 36 KiB
template <class Tiles>
union ProductShared {
    GroupTiles<Tiles> groups[Tiles::kGroups];
    float sums[Tiles::kGroups > 1 ? Tiles::kGroups - 1 : 1][kMicroTile * kMicroTile][Tiles::kGroupThreads];
};

// the thread's elements of one operand tile, from depth0 on, into registers
template <class L, class Operand>
__device__ __forceinline__ void gather(float (&staged)[L::kLoads], const Operand& operand,
                                       const typename Operand::Row (&rows)[L::kRowsPerThread], int thread,
                                       int depth0) {
#pragma unroll
    for (int j = 0; j < L::kDepthsPerThread; ++j) {
        const typename Operand::Depth depth = operand.depth_at(depth0 + L::depth(thread, j));
#pragma unroll
        for (int i = 0; i < L::kRowsPerThread; ++i) staged[j * L::kRowsPerThread + i] = operand.load(rows[i], depth);
    }
}

// the same elements into the shared tile, as [depth][row]
template <class L, int kStride>
__device__ __forceinline__ void place(float (&tile)[kDepthStep][kStride], const float (&staged)[L::kLoads],
                                      int thread) {
#pragma unroll
    for (int j = 0; j < L::kDepthsPerThread; ++j) {
#pragma unroll
        for (int i = 0; i < L::kRowsPerThread; ++i) {
            tile[L::depth(thread, j)][L::row(thread, i)] = staged[j * L::kRowsPerThread + i];
        }
    }
}

// C = A . B^T into output, as the comment at the top says. Block b computes the tile at row tile
// b % row_tiles and column tile b / row_tiles: consecutive blocks share their B tile (the weights
// of the two passes that read them), which then comes from L2.
template <class Tiles, class Output, class A, class B>
__global__ void __launch_bounds__(Tiles::kThreads) conv_product_kernel(Output output,
                                                                       A a,
                                                                       B b,
                                                                       int rows,
                                                                       int columns,
                                                                       int depth,
                                                                       int row_tiles) {
    using LanesA = Lanes<A::kAlongRows, Tiles::kRows, Tiles::kGroupThreads>;
    using LanesB = Lanes<B::kAlongRows, Tiles::kColumns, Tiles::kGroupThreads>;
    __shared__ ProductShared<Tiles> shared;

    const int group = static_cast<int>(threadIdx.x) / Tiles::kGroupThreads;
    const int thread = static_cast<int>(threadIdx.x) % Tiles::kGroupThreads;
    const int row0 = static_cast<int>(blockIdx.x) % row_tiles * Tiles::kRows;
    const int column0 = static_cast<int>(blockIdx.x) / row_tiles * Tiles::kColumns;
    // a warp is 8 (or 16) micro-tiles along rows by 4 (or 2) along columns: its A reads are 128 (256)
    // contiguous bytes, its B reads broadcasts
    const int micro_row = thread % (Tiles::kRows / kMicroTile) * kMicroTile;
    const int micro_column = thread / (Tiles::kRows / kMicroTile) * kMicroTile;

    // the row halves of this thread's loads, fixed for the whole contraction
    typename A::Row a_rows[LanesA::kRowsPerThread];
#pragma unroll
    for (int i = 0; i < LanesA::kRowsPerThread; ++i) a_rows[i] = a.row_at(row0 + LanesA::row(thread, i));
    typename B::Row b_rows[LanesB::kRowsPerThread];
#pragma unroll
    for (int i = 0; i < LanesB::kRowsPerThread; ++i) b_rows[i] = b.row_at(column0 + LanesB::row(thread, i));

    float sum[kMicroTile][kMicroTile];
#pragma unroll
    for (int i = 0; i < kMicroTile; ++i) {
#pragma unroll
        for (int j = 0; j < kMicroTile; ++j) sum[i][j] = 0.0f;
    }

    GroupTiles<Tiles>& tiles = shared.groups[group];
    const int steps = (depth + kDepthStep - 1) / kDepthStep;
    // every group passes every barrier: rounds of one step per group, the last maybe partial
    const int rounds = (steps + Tiles::kGroups - 1) / Tiles::kGroups;
    float staged_a[LanesA::kLoads];
    float staged_b[LanesB::kLoads];
    if (group < steps) {
        gather<LanesA>(staged_a, a, a_rows, thread, group * kDepthStep);
        gather<LanesB>(staged_b, b, b_rows, thread, group * kDepthStep);
        place<LanesA>(tiles.a[0], staged_a, thread);
        place<LanesB>(tiles.b[0], staged_b, thread);
    }
    __syncthreads();

    for (int round = 0; round < rounds; ++round) {
        const int current = round & 1;
        const int step = round * Tiles::kGroups + group;
        const int next = step + Tiles::kGroups;
        // the next step's global loads are issued first and land in registers while this step computes
        if (next < steps) {
            gather<LanesA>(staged_a, a, a_rows, thread, next * kDepthStep);
            gather<LanesB>(staged_b, b, b_rows, thread, next * kDepthStep);
        }
        if (step < steps) {
#pragma unroll
            for (int k = 0; k < kDepthStep; ++k) {
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
        }
        // the other buffer was last read in the previous round, before the barrier that ended it
        if (next < steps) {
            place<LanesA>(tiles.a[current ^ 1], staged_a, thread);
            place<LanesB>(tiles.b[current ^ 1], staged_b, thread);
        }
        __syncthreads();
    }

    if constexpr (Tiles::kGroups > 1) {
        // the last barrier above ended every read of the tiles, whose memory this reuses
        if (group > 0) {
#pragma unroll
            for (int e = 0; e < kMicroTile * kMicroTile; ++e) {
                shared.sums[group - 1][e][thread] = sum[e / kMicroTile][e % kMicroTile];
            }
        }
        __syncthreads();
        if (group > 0) return;
#pragma unroll
        for (int g = 0; g < Tiles::kGroups - 1; ++g) {
#pragma unroll
            for (int e = 0; e < kMicroTile * kMicroTile; ++e) {
                sum[e / kMicroTile][e % kMicroTile] += shared.sums[g][e][thread];
            }
        }
    }

    int column_offset[kMicroTile];
    float column_bias[kMicroTile];
#pragma unroll
    for (int j = 0; j < kMicroTile; ++j) {
        const int column = column0 + micro_column + j;
        column_offset[j] = column < columns ? column * output.column_stride : -1;
        column_bias[j] = output.bias != nullptr && column < columns ? output.bias[column] : 0.0f;
    }
#pragma unroll
    for (int i = 0; i < kMicroTile; ++i) {
        const int row = row0 + micro_row + i;
        if (row >= rows) break;
        const int row_offset = output.row_offset(row);
#pragma unroll
        for (int j = 0; j < kMicroTile; ++j) {
            if (column_offset[j] < 0) continue;
            output.out[row_offset + column_offset[j]] =
                activation_forward_one(sum[i][j] + column_bias[j], output.activation);
        }
    }
}

template <class Tiles, class Output, class A, class B>
cudaError_t launch_tiled_product(const Output& output, const A& a, const B& b, int rows, int columns, int depth,
                                 cudaStream_t stream) {
    const int row_tiles = (rows + Tiles::kRows - 1) / Tiles::kRows;
    const int column_tiles = (columns + Tiles::kColumns - 1) / Tiles::kColumns;
    // at most one block per element of C, which the C API keeps under 2^31
    const unsigned blocks = static_cast<unsigned>(row_tiles) * static_cast<unsigned>(column_tiles);
    return launch_kernel(conv_product_kernel<Tiles, Output, A, B>, dim3(blocks), dim3(Tiles::kThreads), 0, stream,
                         output, a, b, rows, columns, depth, row_tiles);
}

// the tiling by the number of 64x64 tiles, the shape alone; an empty C launches nothing, an empty
// contraction writes activation(bias), or zeros
template <class Output, class A, class B>
cudaError_t launch_product(const Output& output, const A& a, const B& b, int rows, int columns, int depth,
                           cudaStream_t stream) {
    if (rows <= 0 || columns <= 0) return cudaSuccess;
    const long long wide_tiles = static_cast<long long>((rows + WideTiling::kRows - 1) / WideTiling::kRows) *
                                 ((columns + WideTiling::kColumns - 1) / WideTiling::kColumns);
    if (wide_tiles >= kWideTilesEnough) {
        return launch_tiled_product<WideTiling>(output, a, b, rows, columns, depth, stream);
    }
    return launch_tiled_product<NarrowTiling>(output, a, b, rows, columns, depth, stream);
}

constexpr int kBiasThreads = 256;

// dbias (k) = sum of dy (n, k, plane) over n and the plane: a block per channel, its threads taking
// every kBiasThreads-th element of the channel's n planes, then a tree in shared memory (a fixed
// order, no atomics). n = 0 writes zeros.
__global__ void __launch_bounds__(kBiasThreads) bias_gradient_kernel(float* __restrict__ dbias,
                                                                     const float* __restrict__ dy,
                                                                     int n,
                                                                     int channels,
                                                                     Divisor plane) {
    __shared__ float partial[kBiasThreads];
    const int channel = static_cast<int>(blockIdx.x);
    const int count = n * plane.value;
    float sum = 0.0f;
    for (int i = static_cast<int>(threadIdx.x); i < count; i += kBiasThreads) {
        const int image = plane.quotient(i);
        sum += dy[(image * channels + channel) * plane.value + (i - image * plane.value)];
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int width = kBiasThreads / 2; width > 0; width /= 2) {
        if (static_cast<int>(threadIdx.x) < width) partial[threadIdx.x] += partial[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) dbias[channel] = partial[0];
}

}  // namespace

cudaError_t conv2d_forward(float* y, const float* x, const float* weights, const float* bias, const ConvShape& shape,
                           int activation, cudaStream_t stream) {
    const int plane = shape.p * shape.q;
    const int pixels = shape.n * plane;
    const int taps = shape.c * shape.r * shape.s;
    // y[image, channel, pixel of the plane]
    const ProductOutput output{y, bias, activation, Divisor(plane), shape.k * plane, plane};
    const ImagePatchRows a{x, conv_index(shape), pixels, taps};
    // weights (k, c*r*s), one row per output channel
    const StridedOperand b{weights, shape.k, taps, taps, Divisor(taps), 0};
    return launch_product(output, a, b, pixels, shape.k, taps, stream);
}

cudaError_t conv2d_backward_input(float* dx, const float* dy, const float* weights, const ConvShape& shape,
                                  cudaStream_t stream) {
    if (shape.stride_h == 1 && shape.stride_w == 1) {
        const int plane = shape.h * shape.w;
        const int kernel_area = shape.r * shape.s;
        const OutputGradientGather a(dy, shape, gradient_phase(shape, 0, 0));
        // dx[image, channel, pixel of the plane]
        const ProductOutput output{dx, nullptr, GRADSIGN_ACTIVATION_NONE, Divisor(plane), shape.c * plane, plane};
        // weights[o, channel, tap] as (c, k*r*s): row channel, depth (o, tap)
        const StridedOperand b{weights, shape.c, a.taps, kernel_area, Divisor(kernel_area), shape.c * kernel_area};
        return launch_product(output, a, b, a.pixels, shape.c, a.taps, stream);
    }
    // one launch per phase that some tap reaches, at most min(r, stride_h) * min(s, stride_w) of them.
    // A stride larger than the kernel leaves phases that no tap reaches: their dx is 0, set for all
    // of them by one memset that the phases with taps then overwrite
    const int phase_rows = shape.stride_h < shape.h ? shape.stride_h : shape.h;
    const int phase_columns = shape.stride_w < shape.w ? shape.stride_w : shape.w;
    bool untouched = false;
    for (int iy0 = 0; iy0 < phase_rows; ++iy0) {
        for (int ix0 = 0; ix0 < phase_columns; ++ix0) {
            const GradientPhase phase = gradient_phase(shape, iy0, ix0);
            untouched = untouched || phase.tap_rows == 0 || phase.tap_columns == 0;
        }
    }
    if (untouched && shape.n > 0 && shape.c > 0) {
        const size_t floats = static_cast<size_t>(shape.n) * shape.c * shape.h * shape.w;
        const cudaError_t status = cudaMemsetAsync(dx, 0, floats * sizeof(float), stream);
        if (status != cudaSuccess) return status;
    }
    for (int iy0 = 0; iy0 < phase_rows; ++iy0) {
        for (int ix0 = 0; ix0 < phase_columns; ++ix0) {
            const GradientPhase phase = gradient_phase(shape, iy0, ix0);
            if (phase.tap_rows == 0 || phase.tap_columns == 0) continue;
            const OutputGradientGather a(dy, shape, phase);
            const cudaError_t status = launch_product(PhaseOutput(dx, shape, phase), a,
                                                      PhaseWeights(weights, shape, phase), a.pixels, shape.c, a.taps,
                                                      stream);
            if (status != cudaSuccess) return status;
        }
    }
    return cudaSuccess;
}

cudaError_t conv2d_backward_weights(float* dweights, float* dbias, const float* dy, const float* x,
                                    const ConvShape& shape, cudaStream_t stream) {
    const int plane = shape.p * shape.q;
    const int pixels = shape.n * plane;
    const int taps = shape.c * shape.r * shape.s;
    // dweights[channel, tap]: rows are taps, a row of C is a column of dweights (one output channel's)
    const ProductOutput output{dweights, nullptr, GRADSIGN_ACTIVATION_NONE, Divisor(taps), 0, taps};
    const ImagePatchColumns a{x, conv_index(shape), taps, pixels};
    // dy[image, channel, pixel] as (k, n*p*q)
    const StridedOperand b{dy, shape.k, pixels, plane, Divisor(plane), shape.k * plane};
    cudaError_t status = launch_product(output, a, b, taps, shape.k, pixels, stream);
    if (status != cudaSuccess || dbias == nullptr || shape.k <= 0) return status;
    return launch_kernel(bias_gradient_kernel, dim3(static_cast<unsigned>(shape.k)), dim3(kBiasThreads), 0, stream,
                         dbias, dy, shape.n, shape.k, Divisor(plane));
}

}  // namespace gradsign

// pool.cu: 2-D max and average pooling, a thread per output element forward and a gather per input
// element backward (no atomics: every sum is in a fixed order, the bits of the CPU twin).
#include "pool.cuh"

#include "divisor.cuh"
#include "elementwise.cuh"

namespace gradsign {

namespace {

// the windows (rows first..last, the same across) that contain input row i: window o covers rows
// [o * stride, o * stride + size)
struct WindowRange {
    int first;
    int last;
};

__device__ __forceinline__ WindowRange windows_over(int i, int size, const Divisor& stride, int outputs) {
    const int first = i < size ? 0 : stride.quotient(i - size) + 1;
    const int last = min(stride.quotient(i), outputs - 1);
    return {first, last};
}

// the shape and the divisors of its index splits: an element's plane (plane: the elements of one, y's
// forward, x's backward), its row (columns: q forward, w backward), and the strides
struct PoolIndex {
    PoolShape shape;
    Divisor plane;
    Divisor columns;
    Divisor stride_h;
    Divisor stride_w;
};

PoolIndex forward_index(const PoolShape& shape) {
    return {shape, Divisor(shape.p * shape.q), Divisor(shape.q), Divisor(shape.sh), Divisor(shape.sw)};
}

PoolIndex backward_index(const PoolShape& shape) {
    return {shape, Divisor(shape.h * shape.w), Divisor(shape.w), Divisor(shape.sh), Divisor(shape.sw)};
}

// one thread per element of y (planes, p, q), grid-stride; the threads of a warp take neighbouring
// windows, so their reads of x overlap or lie side by side
__global__ void max_pool2d_forward_kernel(float* __restrict__ y,
                                          int* __restrict__ argmax,
                                          const float* __restrict__ x,
                                          PoolIndex index,
                                          int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const PoolShape& shape = index.shape;
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int o = static_cast<int>(at);
        const int plane = index.plane.quotient(o);
        const int rest = o - plane * index.plane.value;
        const int oy = index.columns.quotient(rest);
        const int ox = rest - oy * shape.q;
        const float* in = x + plane * shape.h * shape.w;
        const int first = oy * shape.sh * shape.w + ox * shape.sw;
        float best = in[first];
        int best_index = first;
        for (int dy = 0; dy < shape.kh; ++dy) {
            const int row = first + dy * shape.w;
            for (int dx = 0; dx < shape.kw; ++dx) {
                // the first element against itself changes nothing (a NaN replaces itself)
                const float v = in[row + dx];
                if (v > best || v != v) {
                    best = v;
                    best_index = row + dx;
                }
            }
        }
        y[o] = best;
        argmax[o] = best_index;
    }
}

// one thread per element of dx (planes, h, w): the windows over it, row-major, each adding its dy
// where its argmax is this element
__global__ void max_pool2d_backward_kernel(float* __restrict__ dx,
                                           const float* __restrict__ dy,
                                           const int* __restrict__ argmax,
                                           PoolIndex index,
                                           int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const PoolShape& shape = index.shape;
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int i = static_cast<int>(at);
        const int plane = index.plane.quotient(i);
        const int in_plane = i - plane * index.plane.value;
        const int iy = index.columns.quotient(in_plane);
        const int ix = in_plane - iy * shape.w;
        const WindowRange rows = windows_over(iy, shape.kh, index.stride_h, shape.p);
        const WindowRange columns = windows_over(ix, shape.kw, index.stride_w, shape.q);
        const int base = plane * shape.p * shape.q;
        float sum = 0.0f;
        for (int oy = rows.first; oy <= rows.last; ++oy) {
            for (int ox = columns.first; ox <= columns.last; ++ox) {
                const int o = base + oy * shape.q + ox;
                if (argmax[o] == in_plane) sum += dy[o];
            }
        }
        dx[i] = sum;
    }
}

__global__ void avg_pool2d_forward_kernel(float* __restrict__ y, const float* __restrict__ x, PoolIndex index,
                                          int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const PoolShape& shape = index.shape;
    const float area = static_cast<float>(shape.kh * shape.kw);
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int o = static_cast<int>(at);
        const int plane = index.plane.quotient(o);
        const int rest = o - plane * index.plane.value;
        const int oy = index.columns.quotient(rest);
        const int ox = rest - oy * shape.q;
        const float* in = x + plane * shape.h * shape.w + oy * shape.sh * shape.w + ox * shape.sw;
        float sum = 0.0f;
        for (int dy = 0; dy < shape.kh; ++dy) {
            for (int dx = 0; dx < shape.kw; ++dx) sum += in[dy * shape.w + dx];
        }
        y[o] = sum / area;
    }
}

__global__ void avg_pool2d_backward_kernel(float* __restrict__ dx, const float* __restrict__ dy, PoolIndex index,
                                           int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const PoolShape& shape = index.shape;
    const float area = static_cast<float>(shape.kh * shape.kw);
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int i = static_cast<int>(at);
        const int plane = index.plane.quotient(i);
        const int in_plane = i - plane * index.plane.value;
        const int iy = index.columns.quotient(in_plane);
        const int ix = in_plane - iy * shape.w;
        const WindowRange rows = windows_over(iy, shape.kh, index.stride_h, shape.p);
        const WindowRange columns = windows_over(ix, shape.kw, index.stride_w, shape.q);
        const float* g = dy + plane * shape.p * shape.q;
        float sum = 0.0f;
        for (int oy = rows.first; oy <= rows.last; ++oy) {
            // each term divided on its own, as the rule says: not the sum divided once
            for (int ox = columns.first; ox <= columns.last; ++ox) sum += g[oy * shape.q + ox] / area;
        }
        dx[i] = sum;
    }
}

// a thread per element, at most kElementwiseMaxBlocks blocks of kElementwiseBlockSize
dim3 pool_grid(int count) {
    long long blocks = (static_cast<long long>(count) + kElementwiseBlockSize - 1) / kElementwiseBlockSize;
    if (blocks > static_cast<long long>(kElementwiseMaxBlocks)) blocks = static_cast<long long>(kElementwiseMaxBlocks);
    return dim3(static_cast<unsigned>(blocks));
}

int output_count(const PoolShape& shape) { return shape.planes * shape.p * shape.q; }

int input_count(const PoolShape& shape) { return shape.planes * shape.h * shape.w; }

}  // namespace

cudaError_t max_pool2d_forward(float* y, int* argmax, const float* x, const PoolShape& shape, cudaStream_t stream) {
    const int count = output_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(max_pool2d_forward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, y,
                         argmax, x, forward_index(shape), count);
}

cudaError_t max_pool2d_backward(float* dx, const float* dy, const int* argmax, const PoolShape& shape,
                                cudaStream_t stream) {
    const int count = input_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(max_pool2d_backward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, dx, dy,
                         argmax, backward_index(shape), count);
}

cudaError_t avg_pool2d_forward(float* y, const float* x, const PoolShape& shape, cudaStream_t stream) {
    const int count = output_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(avg_pool2d_forward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, y, x,
                         forward_index(shape), count);
}

cudaError_t avg_pool2d_backward(float* dx, const float* dy, const PoolShape& shape, cudaStream_t stream) {
    const int count = input_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(avg_pool2d_backward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, dx, dy,
                         backward_index(shape), count);
}

}  // namespace gradsign

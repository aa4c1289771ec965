// pool.cu: 2-D max and average pooling, a thread per output element forward and a gather per input
// element backward (no atomics: every sum is in a fixed order, the bits of the CPU twin).
#include "pool.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

// the windows (rows first..last, the same across) that contain input row i: window o covers rows
// [o * stride, o * stride + size)
struct WindowRange {
    int first;
    int last;
};

__device__ __forceinline__ WindowRange windows_over(int i, int size, int stride, int outputs) {
    const int first = i < size ? 0 : (i - size) / stride + 1;
    const int last = min(i / stride, outputs - 1);
    return {first, last};
}

// one thread per element of y (planes, p, q), grid-stride; the threads of a warp take neighbouring
// windows, so their reads of x overlap or lie side by side
__global__ void max_pool2d_forward_kernel(float* __restrict__ y,
                                          int* __restrict__ argmax,
                                          const float* __restrict__ x,
                                          PoolShape shape,
                                          int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const int outputs = shape.p * shape.q;
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int o = static_cast<int>(at);
        const int plane = o / outputs;
        const int rest = o - plane * outputs;
        const int oy = rest / shape.q;
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
                                           PoolShape shape,
                                           int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const int inputs = shape.h * shape.w;
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int i = static_cast<int>(at);
        const int plane = i / inputs;
        const int index = i - plane * inputs;
        const int iy = index / shape.w;
        const int ix = index - iy * shape.w;
        const WindowRange rows = windows_over(iy, shape.kh, shape.sh, shape.p);
        const WindowRange columns = windows_over(ix, shape.kw, shape.sw, shape.q);
        const int base = plane * shape.p * shape.q;
        float sum = 0.0f;
        for (int oy = rows.first; oy <= rows.last; ++oy) {
            for (int ox = columns.first; ox <= columns.last; ++ox) {
                const int o = base + oy * shape.q + ox;
                if (argmax[o] == index) sum += dy[o];
            }
        }
        dx[i] = sum;
    }
}

__global__ void avg_pool2d_forward_kernel(float* __restrict__ y, const float* __restrict__ x, PoolShape shape,
                                          int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const int outputs = shape.p * shape.q;
    const float area = static_cast<float>(shape.kh * shape.kw);
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int o = static_cast<int>(at);
        const int plane = o / outputs;
        const int rest = o - plane * outputs;
        const int oy = rest / shape.q;
        const int ox = rest - oy * shape.q;
        const float* in = x + plane * shape.h * shape.w + oy * shape.sh * shape.w + ox * shape.sw;
        float sum = 0.0f;
        for (int dy = 0; dy < shape.kh; ++dy) {
            for (int dx = 0; dx < shape.kw; ++dx) sum += in[dy * shape.w + dx];
        }
        y[o] = sum / area;
    }
}

__global__ void avg_pool2d_backward_kernel(float* __restrict__ dx, const float* __restrict__ dy, PoolShape shape,
                                           int count) {
    // 64-bit steps: the last one may pass 2^31
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    const int inputs = shape.h * shape.w;
    const float area = static_cast<float>(shape.kh * shape.kw);
    for (long long at = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; at < count; at += stride) {
        const int i = static_cast<int>(at);
        const int plane = i / inputs;
        const int index = i - plane * inputs;
        const int iy = index / shape.w;
        const int ix = index - iy * shape.w;
        const WindowRange rows = windows_over(iy, shape.kh, shape.sh, shape.p);
        const WindowRange columns = windows_over(ix, shape.kw, shape.sw, shape.q);
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
                         argmax, x, shape, count);
}

cudaError_t max_pool2d_backward(float* dx, const float* dy, const int* argmax, const PoolShape& shape,
                                cudaStream_t stream) {
    const int count = input_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(max_pool2d_backward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, dx, dy,
                         argmax, shape, count);
}

cudaError_t avg_pool2d_forward(float* y, const float* x, const PoolShape& shape, cudaStream_t stream) {
    const int count = output_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(avg_pool2d_forward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, y, x,
                         shape, count);
}

cudaError_t avg_pool2d_backward(float* dx, const float* dy, const PoolShape& shape, cudaStream_t stream) {
    const int count = input_count(shape);
    if (count <= 0) return cudaSuccess;
    return launch_kernel(avg_pool2d_backward_kernel, pool_grid(count), dim3(kElementwiseBlockSize), 0, stream, dx, dy,
                         shape, count);
}

}  // namespace gradsign

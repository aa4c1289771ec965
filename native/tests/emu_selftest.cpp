// emu_selftest.cpp: standalone checks that the CUDA emulation layer (native/emu) behaves like CUDA where gradsign relies on it.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "cuda_emu.h"

static int g_passed = 0;
static int g_failed = 0;

static void check(bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "PASS" : "FAIL", what.c_str());
    std::fflush(stdout);
    (ok ? g_passed : g_failed)++;
}

static std::string err_str(cudaError_t e) { return cudaGetErrorName(e); }

// ----------------------------------------------------------------------------------------------------------
// Kernels
// ----------------------------------------------------------------------------------------------------------
__global__ void index_kernel(unsigned* out) {
    unsigned threads = blockDim.x * blockDim.y * blockDim.z;
    unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    unsigned* o = out + 12 * (block * threads + t);
    o[0] = threadIdx.x; o[1] = threadIdx.y; o[2] = threadIdx.z;
    o[3] = blockIdx.x;  o[4] = blockIdx.y;  o[5] = blockIdx.z;
    o[6] = blockDim.x;  o[7] = blockDim.y;  o[8] = blockDim.z;
    o[9] = gridDim.x;   o[10] = gridDim.y;  o[11] = gridDim.z;
}

// Without a working barrier, thread t would read s[n-1-t] before its owner wrote it.
__global__ void reverse_static_kernel(const float* __restrict__ in, float* __restrict__ out) {
    __shared__ float s[1024];
    unsigned n = blockDim.x, t = threadIdx.x, base = blockIdx.x * n;
    s[t] = in[base + t];
    __syncthreads();
    out[base + t] = s[n - 1 - t];
}

__global__ void reverse_dynamic_kernel(const float* in, float* out, int* misaligned) {
    GRADSIGN_DYNAMIC_SHARED(float, s);
    if (reinterpret_cast<uintptr_t>(s) % 16 != 0) atomicAdd(misaligned, 1);
    unsigned n = blockDim.x, t = threadIdx.x, base = blockIdx.x * n;
    s[t] = in[base + t];
    __syncthreads();
    out[base + t] = s[n - 1 - t];
}

__global__ __launch_bounds__(1024) void block_sum_kernel(const float* in, float* out) {
    __shared__ float s[1024];
    unsigned n = blockDim.x, t = threadIdx.x;
    s[t] = in[blockIdx.x * n + t];
    __syncthreads();
    unsigned p = 1;
    while (p < n) p <<= 1;
    for (unsigned stride = p / 2; stride > 0; stride >>= 1) {
        if (t < stride && t + stride < n) s[t] += s[t + stride];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = s[0];
}

// Butterfly: every lane of a full warp ends with the warp's sum.
__global__ void warp_xor_kernel(const float* in, float* out) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = in[i];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    out[i] = v;
}

// Guarded shfl_down reduction: correct for partial warps too (lane 0 holds the sum of the active lanes).
__global__ void warp_down_kernel(const int* in, int* out, int* own_value_ok) {
    unsigned t = threadIdx.x, lane = t % 32, warp_base = t - lane;
    unsigned active = min(32u, blockDim.x - warp_base);
    int v = in[blockIdx.x * blockDim.x + t];
    for (unsigned o = 16; o > 0; o >>= 1) {
        int other = __shfl_down_sync(0xffffffffu, v, o);
        if (lane + o < active) v += other;
    }
    if (lane == 0) out[blockIdx.x * 32 + t / 32] = v;
    // Documented emulation choice: reading a lane that does not exist returns the caller's own value.
    int probe = __shfl_sync(0xffffffffu, 1000 + static_cast<int>(lane), 31);
    int expect = active == 32 ? 1031 : 1000 + static_cast<int>(lane);
    if (probe != expect) atomicAdd(own_value_ok, 1);
    unsigned ballot = __ballot_sync(0xffffffffu, lane % 2 == 0);
    unsigned expect_ballot = 0;
    for (unsigned l = 0; l < active; l += 2) expect_ballot |= 1u << l;
    if (ballot != expect_ballot) atomicAdd(own_value_ok, 1);
    if (!__any_sync(0xffffffffu, lane == 0) || __all_sync(0xffffffffu, lane == 1)) atomicAdd(own_value_ok, 1);
    if (!__all_sync(0xffffffffu, 1)) atomicAdd(own_value_ok, 1);
}

__global__ void count_kernel(int* counter) { atomicAdd(counter, 1); }

__global__ void read_at_kernel(const float* p, long index, float* out) { out[0] = p[index]; }
__global__ void write_at_kernel(float* p, long index) { p[index] = 42.0f; }

__global__ void scale_kernel(const float* in, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = in[i] * 2.0f + 1.0f;
}

__global__ void half_exit_kernel(float* out) {
    if (threadIdx.x % 2 == 1) return;  // UB in CUDA: the barrier below is not reached by every thread
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}

__device__ int deep_recursion(int depth, volatile char* sink) {
    volatile char frame[2048];
    frame[0] = static_cast<char>(depth);
    frame[2047] = frame[0];
    if (depth == 0) return frame[2047];
    int r = deep_recursion(depth - 1, sink) + frame[0];
    *sink = frame[5];
    return r;
}
__global__ void overflow_kernel(int* out, int depth) {
    volatile char sink;
    out[0] = deep_recursion(depth, &sink);
}

__global__ void fault_after_barrier_kernel(const float* p, float* out, unsigned bad_thread) {
    __shared__ float s[256];
    s[threadIdx.x] = p[threadIdx.x];
    __syncthreads();
    // One thread reads one past the end (the guard page) while the others are parked at the next barrier.
    float v = threadIdx.x == bad_thread ? p[256] : s[255 - threadIdx.x];
    __syncthreads();
    out[threadIdx.x] = v;
}

__global__ void warp_vs_block_deadlock_kernel(float* out) {
    if (threadIdx.x % 32 < 16)
        __syncwarp();  // waits for lanes 16..31, which wait at __syncthreads instead
    else
        __syncthreads();
    out[threadIdx.x] = 1.0f;
}

__global__ void raw_read_kernel(const int* p, int* out) { out[threadIdx.x] = p[threadIdx.x]; }

__global__ void ws_kernel(int* out) {
    out[0] = warpSize;
    out[1] = __float_as_int(__expf(0.0f)) == __float_as_int(1.0f);
    out[2] = static_cast<int>(__fdividef(6.0f, 3.0f));
    out[3] = static_cast<int>(rsqrtf(4.0f) * 4.0f);
    out[4] = __ldg(out);
    int m = 5;
    atomicMax(&m, 9);
    atomicMax(&m, 3);
    out[5] = m;
    float4 f4 = make_float4(1, 2, 3, 4);
    out[6] = static_cast<int>(f4.w) + static_cast<int>(alignof(float4)) * 10 + static_cast<int>(alignof(float2)) * 1000;
}

// ----------------------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------------------
template <typename T>
static T* dev_alloc(size_t n) {
    T* p = nullptr;
    cudaError_t e = cudaMalloc(&p, n * sizeof(T));
    if (e != cudaSuccess) std::printf("cudaMalloc failed: %s\n", cudaGetErrorString(e));
    return p;
}

static void test_indices() {
    struct Cfg {
        dim3 g, b;
        const char* name;
    } cfgs[] = {{dim3(3), dim3(70), "1D grid 3 x block 70"},
                {dim3(2, 3), dim3(8, 4), "2D grid (2,3) x block (8,4)"},
                {dim3(2, 2, 3), dim3(4, 3, 2), "3D grid (2,2,3) x block (4,3,2)"}};
    for (const Cfg& c : cfgs) {
        size_t threads = size_t(c.b.x) * c.b.y * c.b.z, blocks = size_t(c.g.x) * c.g.y * c.g.z;
        size_t n = threads * blocks * 12;
        unsigned* d = dev_alloc<unsigned>(n);
        cudaError_t e = launch_kernel(index_kernel, c.g, c.b, 0, nullptr, d);
        std::vector<unsigned> h(n);
        cudaMemcpy(h.data(), d, n * sizeof(unsigned), cudaMemcpyDeviceToHost);
        bool ok = e == cudaSuccess;
        for (unsigned bz = 0; bz < c.g.z; ++bz)
            for (unsigned by = 0; by < c.g.y; ++by)
                for (unsigned bx = 0; bx < c.g.x; ++bx)
                    for (unsigned tz = 0; tz < c.b.z; ++tz)
                        for (unsigned ty = 0; ty < c.b.y; ++ty)
                            for (unsigned tx = 0; tx < c.b.x; ++tx) {
                                size_t blk = (bz * c.g.y + by) * c.g.x + bx;
                                size_t t = (tz * c.b.y + ty) * c.b.x + tx;
                                const unsigned* o = &h[12 * (blk * threads + t)];
                                unsigned want[12] = {tx, ty, tz, bx, by, bz, c.b.x, c.b.y, c.b.z, c.g.x, c.g.y, c.g.z};
                                if (std::memcmp(o, want, sizeof want) != 0) ok = false;
                            }
        check(ok, std::string("built-in index variables, ") + c.name);
        cudaFree(d);
    }
}

static void test_barriers() {
    for (unsigned n : {1u, 32u, 33u, 256u, 1024u}) {
        const unsigned blocks = 3;
        std::vector<float> h(n * blocks);
        for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<float>(i + 1);
        float* in = dev_alloc<float>(h.size());
        float* out = dev_alloc<float>(h.size());
        float* sums = dev_alloc<float>(blocks);
        int* mis = dev_alloc<int>(1);
        cudaMemcpy(in, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice);
        cudaMemset(mis, 0, sizeof(int));

        cudaError_t e = launch_kernel(reverse_static_kernel, dim3(blocks), dim3(n), 0, nullptr, in, out);
        std::vector<float> r(h.size());
        cudaMemcpy(r.data(), out, r.size() * sizeof(float), cudaMemcpyDeviceToHost);
        bool ok = e == cudaSuccess;
        for (unsigned b = 0; b < blocks; ++b)
            for (unsigned t = 0; t < n; ++t)
                if (r[b * n + t] != h[b * n + (n - 1 - t)]) ok = false;
        check(ok, "__shared__ reverse with __syncthreads, block " + std::to_string(n));

        cudaMemset(out, 0, r.size() * sizeof(float));
        e = launch_kernel(reverse_dynamic_kernel, dim3(blocks), dim3(n), n * sizeof(float), nullptr, in, out, mis);
        cudaMemcpy(r.data(), out, r.size() * sizeof(float), cudaMemcpyDeviceToHost);
        int misaligned = -1;
        cudaMemcpy(&misaligned, mis, sizeof(int), cudaMemcpyDeviceToHost);
        ok = e == cudaSuccess && misaligned == 0;
        for (unsigned b = 0; b < blocks; ++b)
            for (unsigned t = 0; t < n; ++t)
                if (r[b * n + t] != h[b * n + (n - 1 - t)]) ok = false;
        check(ok, "dynamic shared memory reverse (16-byte aligned), block " + std::to_string(n));

        e = launch_kernel(block_sum_kernel, dim3(blocks), dim3(n), 0, nullptr, in, sums);
        std::vector<float> s(blocks);
        cudaMemcpy(s.data(), sums, blocks * sizeof(float), cudaMemcpyDeviceToHost);
        ok = e == cudaSuccess;
        for (unsigned b = 0; b < blocks; ++b) {
            double want = 0;
            for (unsigned t = 0; t < n; ++t) want += h[b * n + t];
            if (s[b] != static_cast<float>(want)) ok = false;
        }
        check(ok, "block-wide shared-memory tree reduction, block " + std::to_string(n));
        cudaFree(in);
        cudaFree(out);
        cudaFree(sums);
        cudaFree(mis);
    }
}

static void test_warps() {
    {
        const unsigned n = 128, blocks = 2;
        std::vector<float> h(n * blocks);
        for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<float>(i % 7 + 1);
        float* in = dev_alloc<float>(h.size());
        float* out = dev_alloc<float>(h.size());
        cudaMemcpy(in, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice);
        cudaError_t e = launch_kernel(warp_xor_kernel, dim3(blocks), dim3(n), 0, nullptr, in, out);
        std::vector<float> r(h.size());
        cudaMemcpy(r.data(), out, r.size() * sizeof(float), cudaMemcpyDeviceToHost);
        bool ok = e == cudaSuccess;
        for (size_t w = 0; w < h.size() / 32; ++w) {
            float want = 0;
            for (size_t l = 0; l < 32; ++l) want += h[w * 32 + l];
            for (size_t l = 0; l < 32; ++l)
                if (r[w * 32 + l] != want) ok = false;
        }
        check(ok, "__shfl_xor_sync butterfly reduction (every lane has the warp sum)");
        cudaFree(in);
        cudaFree(out);
    }
    for (unsigned n : {32u, 40u, 96u, 1000u}) {
        const unsigned blocks = 2, warps = (n + 31) / 32;
        std::vector<int> h(n * blocks);
        for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<int>(i * 3 % 11);
        int* in = dev_alloc<int>(h.size());
        int* out = dev_alloc<int>(32 * blocks);
        int* bad = dev_alloc<int>(1);
        cudaMemcpy(in, h.data(), h.size() * sizeof(int), cudaMemcpyHostToDevice);
        cudaMemset(bad, 0, sizeof(int));
        cudaError_t e = launch_kernel(warp_down_kernel, dim3(blocks), dim3(n), 0, nullptr, in, out, bad);
        std::vector<int> r(32 * blocks);
        cudaMemcpy(r.data(), out, r.size() * sizeof(int), cudaMemcpyDeviceToHost);
        int nbad = -1;
        cudaMemcpy(&nbad, bad, sizeof(int), cudaMemcpyDeviceToHost);
        bool ok = e == cudaSuccess;
        for (unsigned b = 0; b < blocks; ++b)
            for (unsigned w = 0; w < warps; ++w) {
                int want = 0;
                for (unsigned t = w * 32; t < std::min(n, w * 32 + 32); ++t) want += h[b * n + t];
                if (r[b * 32 + w] != want) ok = false;
            }
        check(ok, "__shfl_down_sync reduction, block " + std::to_string(n));
        check(e == cudaSuccess && nbad == 0,
              "__shfl_sync from a missing lane returns own value; __ballot/__any/__all_sync, block " + std::to_string(n));
        cudaFree(in);
        cudaFree(out);
        cudaFree(bad);
    }
}

static void test_invalid_configs() {
    int* counter = dev_alloc<int>(1);
    cudaMemset(counter, 0, sizeof(int));
    cudaGetLastError();
    struct Case {
        dim3 g, b;
        size_t shmem;
        cudaError_t want;
        const char* name;
    } cases[] = {
        {dim3(1), dim3(1025), 0, cudaErrorInvalidConfiguration, "1025 threads per block"},
        {dim3(1), dim3(1, 1, 65), 0, cudaErrorInvalidConfiguration, "block.z = 65"},
        {dim3(1), dim3(64, 32), 0, cudaErrorInvalidConfiguration, "block 64x32 (2048 threads)"},
        {dim3(0), dim3(32), 0, cudaErrorInvalidConfiguration, "zero grid"},
        {dim3(1), dim3(0), 0, cudaErrorInvalidConfiguration, "zero block"},
        {dim3(1, 65536), dim3(32), 0, cudaErrorInvalidConfiguration, "grid.y = 65536"},
        {dim3(0x80000000u), dim3(32), 0, cudaErrorInvalidConfiguration, "grid.x = 2^31"},
        {dim3(1), dim3(32), 48 * 1024 + 1, cudaErrorInvalidValue, "48 KiB + 1 dynamic shared memory"},
    };
    for (const Case& c : cases) {
        cudaError_t e = launch_kernel(count_kernel, c.g, c.b, c.shmem, nullptr, counter);
        cudaError_t last = cudaGetLastError();
        cudaError_t after = cudaGetLastError();
        check(e == c.want && last == c.want && after == cudaSuccess,
              std::string("invalid launch rejected: ") + c.name + " -> " + err_str(e));
    }
    int ran = -1;
    cudaMemcpy(&ran, counter, sizeof(int), cudaMemcpyDeviceToHost);
    check(ran == 0, "rejected launches did not run the kernel");
    cudaError_t e = launch_kernel(count_kernel, dim3(1), dim3(32), 48 * 1024, nullptr, counter);
    cudaMemcpy(&ran, counter, sizeof(int), cudaMemcpyDeviceToHost);
    check(e == cudaSuccess && ran == 32, "48 KiB dynamic shared memory accepted");
    cudaStream_t s;
    cudaStreamCreate(&s);
    e = launch_kernel(count_kernel, dim3(2), dim3(16), 0, s, counter);
    cudaStreamSynchronize(s);
    cudaMemcpy(&ran, counter, sizeof(int), cudaMemcpyDeviceToHost);
    check(e == cudaSuccess && ran == 64 && cudaStreamDestroy(s) == cudaSuccess, "launch on a created stream");
    e = launch_kernel(count_kernel, dim3(1), dim3(1), 0, s, counter);
    check(e == cudaErrorInvalidResourceHandle && cudaGetLastError() == e, "launch on a destroyed stream rejected");
    cudaFree(counter);
}

static void test_memory_errors() {
    float* out = dev_alloc<float>(1);
    {
        float* a = dev_alloc<float>(1024);
        cudaMemset(a, 0, 1024 * sizeof(float));
        cudaError_t e = launch_kernel(read_at_kernel, dim3(1), dim3(1), 0, nullptr, a, 1024L, out);
        cudaError_t last = cudaGetLastError();
        check(e == cudaErrorIllegalAddress && last == e,
              "read one past the end of a 1024-float allocation -> " + err_str(e) + " (" + emu::last_error_detail() + ")");
        cudaFree(a);
    }
    {
        float* a = dev_alloc<float>(1000);
        cudaError_t e = launch_kernel(write_at_kernel, dim3(1), dim3(1), 0, nullptr, a, 1000L);
        check(e == cudaErrorIllegalAddress && cudaGetLastError() == e,
              "write one past the end of a 1000-float allocation (canary) -> " + err_str(e));
        e = launch_kernel(write_at_kernel, dim3(1), dim3(1), 0, nullptr, a, 1024L);
        check(e == cudaErrorIllegalAddress, "write into the guard page after a 1000-float allocation -> " + err_str(e));
        e = launch_kernel(write_at_kernel, dim3(1), dim3(1), 0, nullptr, a, -1L);
        check(e == cudaErrorIllegalAddress, "write one before the start of an allocation (canary) -> " + err_str(e));
        check(cudaFree(a) == cudaSuccess, "allocation freed after repaired canary");
        e = launch_kernel(read_at_kernel, dim3(1), dim3(1), 0, nullptr, a, 0L, out);
        check(e == cudaErrorIllegalAddress, "read of freed memory (quarantine) -> " + err_str(e));
    }
    {
        cudaError_t e = launch_kernel(read_at_kernel, dim3(1), dim3(1), 0, nullptr, (const float*)nullptr, 3L, out);
        check(e == cudaErrorIllegalAddress, "null pointer read in a kernel -> " + err_str(e));
        int* o = dev_alloc<int>(1);
        // Under a JVM with libjsig preloaded the JVM's handler (no SA_ONSTACK) runs first and cannot run on an
        // overflowed fiber stack, so this one case is fatal there; EMU_SELFTEST_SKIP_STACK_OVERFLOW skips it.
        if (!std::getenv("EMU_SELFTEST_SKIP_STACK_OVERFLOW")) {
            e = launch_kernel(overflow_kernel, dim3(1), dim3(1), 0, nullptr, o, 100000);
            check(e == cudaErrorIllegalAddress, "fiber stack overflow -> " + err_str(e));
        }
        cudaFree(o);
    }
    {
        // The process survived; a correct launch still works and nothing is sticky.
        cudaGetLastError();
        const int n = 1000;
        std::vector<float> h(n);
        std::iota(h.begin(), h.end(), 0.0f);
        float* in = dev_alloc<float>(n);
        float* o = dev_alloc<float>(n);
        cudaMemcpy(in, h.data(), n * sizeof(float), cudaMemcpyHostToDevice);
        cudaError_t e = launch_kernel(scale_kernel, dim3(4), dim3(256), 0, nullptr, in, o, n);
        std::vector<float> r(n);
        cudaError_t c = cudaMemcpy(r.data(), o, n * sizeof(float), cudaMemcpyDeviceToHost);
        bool ok = e == cudaSuccess && c == cudaSuccess && cudaGetLastError() == cudaSuccess;
        for (int i = 0; i < n; ++i)
            if (r[i] != h[i] * 2 + 1) ok = false;
        check(ok, "correct launch after illegal-address launches works (errors are not sticky)");
        cudaFree(in);
        cudaFree(o);
    }
    cudaFree(out);
}

// --- signal chaining -------------------------------------------------------------------------------------
static void* g_foreign_page = nullptr;
static volatile void* g_foreign_fault_addr = nullptr;
static volatile int g_foreign_faults = 0;
static struct sigaction g_foreign_prev;
static void foreign_handler(int sig, siginfo_t* info, void* uc) {
    char* page = static_cast<char*>(g_foreign_page);
    char* a = static_cast<char*>(info->si_addr);
    if (a >= page && a < page + getpagesize()) {
        g_foreign_faults = g_foreign_faults + 1;
        g_foreign_fault_addr = info->si_addr;
        mprotect(page, getpagesize(), PROT_READ | PROT_WRITE);
        return;
    }
    // Not ours either (e.g. a JVM's own SIGSEGV when this test runs inside a JVM): pass it on.
    if (g_foreign_prev.sa_flags & SA_SIGINFO) {
        if (g_foreign_prev.sa_sigaction) g_foreign_prev.sa_sigaction(sig, info, uc);
    } else if (g_foreign_prev.sa_handler != SIG_DFL && g_foreign_prev.sa_handler != SIG_IGN) {
        g_foreign_prev.sa_handler(sig);
    } else {
        sigaction(sig, &g_foreign_prev, nullptr);
    }
}

static void test_signal_chaining() {
    long ps = getpagesize();
    g_foreign_faults = 0;
    g_foreign_fault_addr = nullptr;
    g_foreign_page = mmap(nullptr, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static_cast<int*>(g_foreign_page)[5] = 1234;
    mprotect(g_foreign_page, ps, PROT_NONE);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = foreign_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_foreign_prev);

    int* out = dev_alloc<int>(8);
    cudaError_t e = launch_kernel(raw_read_kernel, dim3(1), dim3(8), 0, nullptr,
                                  static_cast<const int*>(g_foreign_page), out);
    int h[8] = {0};
    cudaMemcpy(h, out, sizeof h, cudaMemcpyDeviceToHost);
    check(e == cudaSuccess && g_foreign_faults == 1 && g_foreign_fault_addr == g_foreign_page && h[5] == 1234,
          "SIGSEGV outside our guard pages is chained to the previously installed handler (" +
              std::to_string(g_foreign_faults) + " call)");
    struct sigaction now;
    sigaction(SIGSEGV, nullptr, &now);
    check(now.sa_sigaction == foreign_handler, "previous SIGSEGV handler restored after the launch");
    sigaction(SIGSEGV, &g_foreign_prev, nullptr);
    cudaFree(out);
    munmap(g_foreign_page, ps);
}

static void test_memcpy_checks() {
    const size_t n = 100;
    float* d = dev_alloc<float>(n);
    std::vector<float> h(n + 10, 1.0f);
    check(reinterpret_cast<uintptr_t>(d) % 256 == 0, "cudaMalloc pointer is 256-byte aligned");
    check(cudaMemcpy(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess, "memcpy HtoD in range");
    check(cudaMemcpy(d + 10, h.data(), (n - 10) * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess,
          "memcpy HtoD to interior pointer in range");
    cudaError_t e = cudaMemcpy(d, h.data(), (n + 1) * sizeof(float), cudaMemcpyHostToDevice);
    check(e == cudaErrorInvalidValue && cudaGetLastError() == e, "memcpy HtoD one element too long -> " + err_str(e));
    e = cudaMemcpy(h.data(), d + 1, n * sizeof(float), cudaMemcpyDeviceToHost);
    check(e == cudaErrorInvalidValue, "memcpy DtoH range past the end -> " + err_str(e));
    e = cudaMemcpy(h.data(), h.data() + 1, 4, cudaMemcpyDeviceToHost);
    check(e == cudaErrorInvalidValue, "memcpy DtoH from a host pointer -> " + err_str(e));
    float* d2 = dev_alloc<float>(n);
    check(cudaMemcpy(d2, d, n * sizeof(float), cudaMemcpyDeviceToDevice) == cudaSuccess, "memcpy DtoD in range");
    check(cudaMemcpy(d2, d, n * sizeof(float), cudaMemcpyDefault) == cudaSuccess, "memcpy Default DtoD");
    e = cudaMemcpy(d2 + 50, d, n * sizeof(float), cudaMemcpyDeviceToDevice);
    check(e == cudaErrorInvalidValue, "memcpy DtoD overrunning destination -> " + err_str(e));
    check(cudaMemset(d, 0, n * sizeof(float)) == cudaSuccess, "memset in range");
    e = cudaMemset(d, 0, n * sizeof(float) + 1);
    check(e == cudaErrorInvalidValue, "memset one byte too long -> " + err_str(e));
    e = cudaMemset(h.data(), 0, 4);
    check(e == cudaErrorInvalidValue, "memset of host memory -> " + err_str(e));
    e = cudaMemsetAsync(d, 0, 4, nullptr);
    check(e == cudaSuccess, "memsetAsync on default stream");
    e = cudaMemcpy(d, h.data(), 4, static_cast<cudaMemcpyKind>(7));
    check(e == cudaErrorInvalidMemcpyDirection, "memcpy with a bad kind -> " + err_str(e));

    int local = 0;
    e = cudaFree(&local);
    check(e == cudaErrorInvalidValue && cudaGetLastError() == e, "cudaFree of a host pointer -> " + err_str(e));
    e = cudaFree(d + 1);
    check(e == cudaErrorInvalidValue, "cudaFree of an interior pointer -> " + err_str(e));
    check(cudaFree(d) == cudaSuccess, "cudaFree of a live allocation");
    e = cudaFree(d);
    check(e == cudaErrorInvalidValue, "double cudaFree -> " + err_str(e));
    check(cudaFree(nullptr) == cudaSuccess, "cudaFree(nullptr) is a no-op");
    void* z = reinterpret_cast<void*>(1);
    check(cudaMalloc(&z, 0) == cudaSuccess && z == nullptr, "cudaMalloc of 0 bytes gives nullptr and cudaSuccess");
    cudaFree(d2);

    // Damage detected by a host-side API call (not only after a launch).
    float* c = dev_alloc<float>(10);
    reinterpret_cast<char*>(c)[40] = 0;  // first slack byte after the data
    e = cudaDeviceSynchronize();
    check(e == cudaErrorIllegalAddress, "canary damage reported by cudaDeviceSynchronize -> " + err_str(e));
    check(cudaDeviceSynchronize() == cudaSuccess, "canary damage is reported once (not sticky)");
    reinterpret_cast<char*>(c)[41] = 0;
    e = cudaFree(c);
    check(e == cudaErrorIllegalAddress, "canary damage reported by cudaFree (allocation still freed) -> " + err_str(e));
    cudaGetLastError();
}

static void test_misc_api() {
    int count = 0, dev = -1, v = 0;
    cudaDeviceProp prop;
    bool ok = cudaGetDeviceCount(&count) == cudaSuccess && count == 1 && cudaSetDevice(0) == cudaSuccess &&
              cudaGetDevice(&dev) == cudaSuccess && dev == 0 && cudaGetDeviceProperties(&prop, 0) == cudaSuccess &&
              prop.major == 9 && prop.minor == 0 && prop.warpSize == 32 && prop.maxThreadsPerBlock == 1024 &&
              prop.multiProcessorCount == 2 && std::strstr(prop.name, "emulation") != nullptr &&
              cudaDriverGetVersion(&v) == cudaSuccess && v >= 12000;
    check(ok, std::string("device queries (") + prop.name + ")");
    check(cudaSetDevice(1) == cudaErrorInvalidDevice && cudaGetLastError() == cudaErrorInvalidDevice,
          "cudaSetDevice(1) -> cudaErrorInvalidDevice");
    size_t fr = 0, tot = 0;
    check(cudaMemGetInfo(&fr, &tot) == cudaSuccess && fr <= tot && tot > 0, "cudaMemGetInfo");
    check(std::strcmp(cudaGetErrorString(cudaErrorIllegalAddress), "an illegal memory access was encountered") == 0 &&
              std::strcmp(cudaGetErrorName(cudaErrorInvalidConfiguration), "cudaErrorInvalidConfiguration") == 0 &&
              cudaErrorIllegalAddress == 700 && cudaErrorLaunchFailure == 719 && cudaErrorInvalidConfiguration == 9,
          "error strings and CUDA's numeric error values");
    int* o = dev_alloc<int>(8);
    cudaMemset(o, 0, 8 * sizeof(int));
    cudaError_t e = launch_kernel(ws_kernel, dim3(1), dim3(1), 0, nullptr, o);
    int h[8];
    cudaMemcpy(h, o, sizeof h, cudaMemcpyDeviceToHost);
    check(e == cudaSuccess && h[0] == 32 && h[1] == 1 && h[2] == 2 && h[3] == 2 && h[4] == 32 && h[5] == 9 &&
              h[6] == 4 + 160 + 8000,
          "warpSize, math intrinsics, __ldg, atomicMax, vector type alignment");
    cudaFree(o);
    cudaEvent_t a, b;
    float ms = -1;
    check(cudaEventCreate(&a) == cudaSuccess && cudaEventCreate(&b) == cudaSuccess && cudaEventRecord(a) == cudaSuccess &&
              cudaEventRecord(b) == cudaSuccess && cudaEventSynchronize(b) == cudaSuccess &&
              cudaEventElapsedTime(&ms, a, b) == cudaSuccess && ms >= 0 && cudaEventDestroy(a) == cudaSuccess &&
              cudaEventDestroy(b) == cudaSuccess,
          "events");
}

static void test_deadlock() {
    float* out = dev_alloc<float>(64);
    auto t0 = std::chrono::steady_clock::now();
    cudaError_t e = launch_kernel(half_exit_kernel, dim3(2), dim3(64), 0, nullptr, out);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    check(e == cudaErrorLaunchFailure && cudaGetLastError() == e,
          "barrier deadlock (half the threads exit) reported as " + err_str(e) + " in " + std::to_string(ms) +
              " ms (" + emu::last_error_detail() + ")");
    float* out2 = dev_alloc<float>(64);
    e = launch_kernel(warp_vs_block_deadlock_kernel, dim3(1), dim3(64), 0, nullptr, out2);
    check(e == cudaErrorLaunchFailure, "warp/block barrier mismatch reported as " + err_str(e) + " (" +
                                           emu::last_error_detail() + ")");
    cudaFree(out2);
    cudaFree(out);
}

static void test_fault_with_parked_fibers() {
    float* p = dev_alloc<float>(256);
    float* out = dev_alloc<float>(256);
    cudaMemset(p, 0, 256 * sizeof(float));
    cudaError_t e = launch_kernel(fault_after_barrier_kernel, dim3(3), dim3(256), 0, nullptr, p, out, 100u);
    check(e == cudaErrorIllegalAddress, "fault in thread 100 while 255 threads wait at a barrier -> " + err_str(e) +
                                            " (" + emu::last_error_detail() + ")");
    e = launch_kernel(fault_after_barrier_kernel, dim3(3), dim3(256), 0, nullptr, p, out, 1000u);
    check(e == cudaSuccess, "same kernel without the fault afterwards -> " + err_str(e));
    cudaFree(p);
    cudaFree(out);
}

static void test_big_launch() {
    const int blocks = 4096, threads = 256, n = blocks * threads;
    std::vector<float> h(n);
    for (int i = 0; i < n; ++i) h[i] = static_cast<float>(i % 1000);
    float* in = dev_alloc<float>(n);
    float* out = dev_alloc<float>(n);
    float* sums = dev_alloc<float>(blocks);
    cudaMemcpy(in, h.data(), n * sizeof(float), cudaMemcpyHostToDevice);
    auto t0 = std::chrono::steady_clock::now();
    cudaError_t e = launch_kernel(scale_kernel, dim3(blocks), dim3(threads), 0, nullptr, in, out, n);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::vector<float> r(n);
    cudaMemcpy(r.data(), out, n * sizeof(float), cudaMemcpyDeviceToHost);
    bool ok = e == cudaSuccess;
    for (int i = 0; i < n; ++i)
        if (r[i] != h[i] * 2 + 1) ok = false;
    check(ok, "grid 4096 x 256 (1,048,576 threads, no barrier) took " + std::to_string(ms) + " ms");

    t0 = std::chrono::steady_clock::now();
    e = launch_kernel(block_sum_kernel, dim3(blocks), dim3(threads), 0, nullptr, in, sums);
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::vector<float> s(blocks);
    cudaMemcpy(s.data(), sums, blocks * sizeof(float), cudaMemcpyDeviceToHost);
    ok = e == cudaSuccess;
    for (int b = 0; b < blocks; ++b) {
        double want = 0;
        for (int t = 0; t < threads; ++t) want += h[b * threads + t];
        if (s[b] != static_cast<float>(want)) ok = false;
    }
    check(ok, "grid 4096 x 256 with 9 __syncthreads per thread took " + std::to_string(ms) + " ms");

    t0 = std::chrono::steady_clock::now();
    e = launch_kernel(warp_xor_kernel, dim3(blocks), dim3(threads), 0, nullptr, in, out);
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    check(e == cudaSuccess, "grid 4096 x 256 with 5 warp shuffles per thread took " + std::to_string(ms) + " ms");
    cudaFree(in);
    cudaFree(out);
    cudaFree(sums);
}

static void test_concurrent_launches() {
    const int nthreads = 4;
    std::vector<int> ok(nthreads, 0);
    std::vector<std::thread> ts;
    for (int k = 0; k < nthreads; ++k) {
        ts.emplace_back([k, &ok] {
            const unsigned n = 256, blocks = 64;
            std::vector<float> h(n * blocks);
            for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<float>((i + k) % 13);
            float* in = dev_alloc<float>(h.size());
            float* out = dev_alloc<float>(h.size());
            cudaMemcpy(in, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice);
            bool good = true;
            for (int rep = 0; rep < 5; ++rep) {
                if (launch_kernel(reverse_static_kernel, dim3(blocks), dim3(n), 0, nullptr, in, out) != cudaSuccess)
                    good = false;
                if (k == 0 && launch_kernel(write_at_kernel, dim3(1), dim3(1), 0, nullptr, out, long(n * blocks)) !=
                                  cudaErrorIllegalAddress)
                    good = false;
            }
            std::vector<float> r(h.size());
            cudaMemcpy(r.data(), out, r.size() * sizeof(float), cudaMemcpyDeviceToHost);
            for (unsigned b = 0; b < blocks; ++b)
                for (unsigned t = 0; t < n; ++t)
                    if (r[b * n + t] != h[b * n + n - 1 - t]) good = false;
            cudaFree(in);
            cudaFree(out);
            ok[k] = good;
        });
    }
    for (auto& t : ts) t.join();
    check(std::accumulate(ok.begin(), ok.end(), 0) == nthreads,
          "4 OS threads launching barrier kernels concurrently (one also faulting)");
}

int main() {
    g_passed = g_failed = 0;
    test_indices();
    test_barriers();
    test_warps();
    test_invalid_configs();
    test_memory_errors();
    test_signal_chaining();
    test_memcpy_checks();
    test_misc_api();
    test_deadlock();
    test_fault_with_parked_fibers();
    test_big_launch();
    test_concurrent_launches();
    check(emu::live_allocation_count() == 0 && emu::live_allocation_bytes() == 0,
          "no leaked device allocations (count " + std::to_string(emu::live_allocation_count()) + ", bytes " +
              std::to_string(emu::live_allocation_bytes()) + ")");
    std::printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

// cuda_emu.h: CPU emulation of the CUDA subset used by gradsign kernels and host code (g++ builds with GRADSIGN_EMULATION).
//
// Execution model (see cuda_emu.cpp for the details):
//  * launch_kernel runs the kernel synchronously on the calling OS thread: blocks one after another, the
//    threads of a block as cooperative fibers. A fiber keeps running further threads of the block until one
//    of them waits (__syncthreads, warp shuffles, __syncwarp); only then is another fiber started, so
//    barrier-free kernels cost one fiber per block.
//  * threadIdx/blockIdx/blockDim/gridDim are per-OS-thread variables that the emulation rewrites whenever it
//    switches to another emulated thread; __shared__ is `static thread_local`, which is one block's shared
//    memory because a block's fibers all live on one OS thread and blocks of a launch never overlap.
//  * Device memory is host memory with PROT_NONE guard pages and canaries; a kernel touching a guard page
//    is aborted with cudaErrorIllegalAddress instead of crashing the process (the library lives in a JVM).
#pragma once

#include <math.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#ifndef GRADSIGN_EMULATION
#define GRADSIGN_EMULATION 1
#endif

// ---------------------------------------------------------------------------------------------------------
// Qualifiers
// ---------------------------------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __managed__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __grid_constant__
// __noinline__ is deliberately not defined: libstdc++ spells __attribute__((__noinline__)) and would break.
// One block's fibers share one OS thread, so a thread-local static is exactly "one copy per running block".
#define __shared__ static thread_local
#define GRADSIGN_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(::emu::dynamic_shared_memory())

// ---------------------------------------------------------------------------------------------------------
// Vector types (alignment as in CUDA's vector_types.h, so struct layouts and vectorised loads agree)
// ---------------------------------------------------------------------------------------------------------
struct uint3 {
    unsigned int x, y, z;
};
struct int3 {
    int x, y, z;
};
struct float3 {
    float x, y, z;
};
struct alignas(8) float2 {
    float x, y;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(8) int2 {
    int x, y;
};
struct alignas(16) int4 {
    int x, y, z, w;
};
struct alignas(8) uint2 {
    unsigned int x, y;
};
struct alignas(16) uint4 {
    unsigned int x, y, z, w;
};
struct alignas(16) double2 {
    double x, y;
};

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};

inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return uint3{x, y, z}; }
inline int3 make_int3(int x, int y, int z) { return int3{x, y, z}; }
inline float3 make_float3(float x, float y, float z) { return float3{x, y, z}; }
inline float2 make_float2(float x, float y) { return float2{x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline int2 make_int2(int x, int y) { return int2{x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return int4{x, y, z, w}; }
inline uint2 make_uint2(unsigned int x, unsigned int y) { return uint2{x, y}; }
inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w) { return uint4{x, y, z, w}; }
inline double2 make_double2(double x, double y) { return double2{x, y}; }

// ---------------------------------------------------------------------------------------------------------
// Built-in variables. __thread (not thread_local) so that reading them never goes through a TLS wrapper call.
// ---------------------------------------------------------------------------------------------------------
extern __thread uint3 threadIdx;
extern __thread uint3 blockIdx;
extern __thread dim3 blockDim;
extern __thread dim3 gridDim;
constexpr int warpSize = 32;

// ---------------------------------------------------------------------------------------------------------
// Runtime API types
// ---------------------------------------------------------------------------------------------------------
enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInitializationError = 3,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidSymbol = 13,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorInsufficientDriver = 35,
    cudaErrorInvalidDeviceFunction = 98,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorNotReady = 600,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchOutOfResources = 701,
    cudaErrorLaunchTimeout = 702,
    cudaErrorAssert = 710,
    cudaErrorLaunchFailure = 719,
    cudaErrorNotSupported = 801,
    cudaErrorUnknown = 999
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4
};

struct CUstream_st;
typedef struct CUstream_st* cudaStream_t;
struct CUevent_st;
typedef struct CUevent_st* cudaEvent_t;

#define cudaStreamLegacy ((cudaStream_t)0x1)
#define cudaStreamPerThread ((cudaStream_t)0x2)
#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02

struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    size_t sharedMemPerBlock;
    int regsPerBlock;
    int warpSize;
    size_t memPitch;
    int maxThreadsPerBlock;
    int maxThreadsDim[3];
    int maxGridSize[3];
    int clockRate;
    size_t totalConstMem;
    int major;
    int minor;
    int multiProcessorCount;
    int integrated;
    int canMapHostMemory;
    int computeMode;
    int concurrentKernels;
    int ECCEnabled;
    int pciBusID;
    int pciDeviceID;
    int pciDomainID;
    int asyncEngineCount;
    int unifiedAddressing;
    int memoryClockRate;
    int memoryBusWidth;
    int l2CacheSize;
    int maxThreadsPerMultiProcessor;
    size_t sharedMemPerMultiprocessor;
    int regsPerMultiprocessor;
    int managedMemory;
    size_t sharedMemPerBlockOptin;
    int maxBlocksPerMultiProcessor;
};

// ---------------------------------------------------------------------------------------------------------
// Runtime API functions (CUDA's names and signatures; everything is synchronous)
// ---------------------------------------------------------------------------------------------------------
extern "C" {
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);

cudaError_t cudaMalloc(void** devPtr, size_t size);
cudaError_t cudaFree(void* devPtr);
cudaError_t cudaMallocHost(void** ptr, size_t size);
cudaError_t cudaFreeHost(void* ptr);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind,
                            cudaStream_t stream = 0);
cudaError_t cudaMemset(void* devPtr, int value, size_t count);
cudaError_t cudaMemsetAsync(void* devPtr, int value, size_t count, cudaStream_t stream = 0);
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);

cudaError_t cudaStreamCreate(cudaStream_t* pStream);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamQuery(cudaStream_t stream);
cudaError_t cudaDeviceSynchronize(void);

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = 0);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventQuery(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp* prop, int device);
cudaError_t cudaDeviceReset(void);
cudaError_t cudaDriverGetVersion(int* driverVersion);
cudaError_t cudaRuntimeGetVersion(int* runtimeVersion);
}

// Typed overloads that CUDA's cuda_runtime.h also offers, so `cudaMalloc(&float_ptr, n)` compiles in both builds.
template <typename T>
inline cudaError_t cudaMalloc(T** devPtr, size_t size) {
    return ::cudaMalloc(reinterpret_cast<void**>(devPtr), size);
}
template <typename T>
inline cudaError_t cudaMallocHost(T** ptr, size_t size) {
    return ::cudaMallocHost(reinterpret_cast<void**>(ptr), size);
}
// __constant__/__device__ symbols are ordinary host globals here.
template <typename T>
inline cudaError_t cudaMemcpyToSymbol(T& symbol, const void* src, size_t count, size_t offset = 0,
                                      cudaMemcpyKind kind = cudaMemcpyHostToDevice) {
    (void)kind;
    if (offset + count > sizeof(T) || (src == nullptr && count != 0)) return cudaErrorInvalidValue;
    if (count != 0) std::memcpy(reinterpret_cast<char*>(&symbol) + offset, src, count);
    return cudaSuccess;
}
template <typename T>
inline cudaError_t cudaMemcpyFromSymbol(void* dst, const T& symbol, size_t count, size_t offset = 0,
                                        cudaMemcpyKind kind = cudaMemcpyDeviceToHost) {
    (void)kind;
    if (offset + count > sizeof(T) || (dst == nullptr && count != 0)) return cudaErrorInvalidValue;
    if (count != 0) std::memcpy(dst, reinterpret_cast<const char*>(&symbol) + offset, count);
    return cudaSuccess;
}

// ---------------------------------------------------------------------------------------------------------
// Emulation-only API
// ---------------------------------------------------------------------------------------------------------
namespace emu {
// Number / total requested bytes of live cudaMalloc allocations (for leak tests).
size_t live_allocation_count();
size_t live_allocation_bytes();
// The current launch's dynamic shared memory (backs GRADSIGN_DYNAMIC_SHARED); nullptr outside a launch.
void* dynamic_shared_memory();
// Human-readable detail about the last failed launch / canary check on this OS thread ("" if none):
// which block/thread faulted, the faulting address, the deadlock situation. Error codes stay CUDA's.
const char* last_error_detail();

namespace detail {
using InvokeFn = void (*)(void* closure);
cudaError_t validate_launch(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream);
cudaError_t run_launch(dim3 grid, dim3 block, size_t shared_bytes, InvokeFn invoke, void* closure);
void block_barrier();
void warp_barrier(unsigned mask);
uint64_t warp_exchange(unsigned mask, uint64_t bits, unsigned src_lane);
unsigned warp_ballot(unsigned mask, int predicate);
unsigned warp_active_mask();

inline unsigned lane_id() {
    return (threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) & 31u;
}
template <typename T>
inline uint64_t to_bits(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle of types up to 8 bytes only");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <typename T>
inline T from_bits(uint64_t b) {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}
}  // namespace detail
}  // namespace emu

// ---------------------------------------------------------------------------------------------------------
// Launch (replaces kernel<<<grid, block, shared_bytes, stream>>>(args...))
// ---------------------------------------------------------------------------------------------------------
template <typename... KArgs, typename... Args>
cudaError_t launch_kernel(void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream,
                          Args&&... args) {
    static_assert(sizeof...(KArgs) == sizeof...(Args), "launch_kernel: argument count differs from the kernel's");
    // Implicit convertibility only, so the emulated build rejects what nvcc's launch would reject.
    static_assert((std::is_convertible<Args&&, KArgs>::value && ...),
                  "launch_kernel: an argument does not convert implicitly to the kernel's parameter type");
    // as the nvcc build's launch_kernel: an error an earlier call left behind is dropped, not reported here
    cudaGetLastError();
    cudaError_t err = emu::detail::validate_launch(grid, block, shared_bytes, stream);
    if (err != cudaSuccess) return err;
    struct Closure {
        void (*fn)(KArgs...);
        std::tuple<std::decay_t<KArgs>...> args;
    };
    // Arguments are converted to the kernel's parameter types and copied once, as CUDA does at launch time.
    Closure closure{kernel, std::tuple<std::decay_t<KArgs>...>(static_cast<KArgs>(std::forward<Args>(args))...)};
    auto invoke = [](void* p) {
        Closure* c = static_cast<Closure*>(p);
        std::apply(c->fn, c->args);
    };
    return emu::detail::run_launch(grid, block, shared_bytes, invoke, &closure);
}

// ---------------------------------------------------------------------------------------------------------
// Synchronisation and warp intrinsics
// ---------------------------------------------------------------------------------------------------------
// The asm memory clobbers keep the compiler from caching shared-memory values across a barrier.
inline void __syncthreads() {
    asm volatile("" ::: "memory");
    emu::detail::block_barrier();
    asm volatile("" ::: "memory");
}
inline void __syncwarp(unsigned mask = 0xffffffffu) {
    asm volatile("" ::: "memory");
    emu::detail::warp_barrier(mask);
    asm volatile("" ::: "memory");
}
inline void __threadfence() { asm volatile("" ::: "memory"); }
inline void __threadfence_block() { asm volatile("" ::: "memory"); }
inline void __threadfence_system() { asm volatile("" ::: "memory"); }
inline unsigned __activemask() { return emu::detail::warp_active_mask(); }

// Lanes that do not exist, have exited, or are excluded by the mask do not contribute: reading from such a
// lane returns the caller's own value (CUDA leaves that value undefined).
template <typename T>
inline T __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize) {
    unsigned lane = emu::detail::lane_id();
    unsigned w = static_cast<unsigned>(width);
    unsigned src = (lane & ~(w - 1u)) + (static_cast<unsigned>(srcLane) & (w - 1u));
    return emu::detail::from_bits<T>(emu::detail::warp_exchange(mask, emu::detail::to_bits(var), src));
}
template <typename T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
    unsigned lane = emu::detail::lane_id();
    unsigned base = lane & ~(static_cast<unsigned>(width) - 1u);
    unsigned src = (lane >= base + delta) ? lane - delta : lane;
    return emu::detail::from_bits<T>(emu::detail::warp_exchange(mask, emu::detail::to_bits(var), src));
}
template <typename T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
    unsigned lane = emu::detail::lane_id();
    unsigned base = lane & ~(static_cast<unsigned>(width) - 1u);
    unsigned src = (lane + delta < base + static_cast<unsigned>(width)) ? lane + delta : lane;
    return emu::detail::from_bits<T>(emu::detail::warp_exchange(mask, emu::detail::to_bits(var), src));
}
template <typename T>
inline T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize) {
    unsigned lane = emu::detail::lane_id();
    unsigned base = lane & ~(static_cast<unsigned>(width) - 1u);
    unsigned src = lane ^ static_cast<unsigned>(laneMask);
    if (src >= base + static_cast<unsigned>(width)) src = lane;  // later groups are not visible (CUDA rule)
    return emu::detail::from_bits<T>(emu::detail::warp_exchange(mask, emu::detail::to_bits(var), src));
}
inline unsigned __ballot_sync(unsigned mask, int predicate) { return emu::detail::warp_ballot(mask, predicate); }
inline int __any_sync(unsigned mask, int predicate) { return emu::detail::warp_ballot(mask, predicate) != 0; }
inline int __all_sync(unsigned mask, int predicate) {
    // Lanes that do not take part count as "true", as on hardware.
    unsigned active = emu::detail::warp_ballot(mask, 1);
    unsigned yes = emu::detail::warp_ballot(mask, predicate);
    return yes == active;
}

// ---------------------------------------------------------------------------------------------------------
// Atomics: __atomic builtins because launches on different OS threads may run at the same time.
// ---------------------------------------------------------------------------------------------------------
inline int atomicAdd(int* a, int v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned* a, unsigned v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
    return __atomic_fetch_add(a, v, __ATOMIC_RELAXED);
}
template <typename F>
inline F emu_atomic_float_op(F* a, F v, int op) {
    using U = std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>;
    U* ua = reinterpret_cast<U*>(a);
    U old = __atomic_load_n(ua, __ATOMIC_RELAXED);
    for (;;) {
        F oldf;
        std::memcpy(&oldf, &old, sizeof(F));
        F nf = op == 0 ? oldf + v : (op == 1 ? (oldf > v ? oldf : v) : (oldf < v ? oldf : v));
        U nu;
        std::memcpy(&nu, &nf, sizeof(F));
        if (__atomic_compare_exchange_n(ua, &old, nu, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return oldf;
    }
}
inline float atomicAdd(float* a, float v) { return emu_atomic_float_op(a, v, 0); }
inline double atomicAdd(double* a, double v) { return emu_atomic_float_op(a, v, 0); }
inline int atomicSub(int* a, int v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicSub(unsigned* a, unsigned v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
template <typename T>
inline T emu_atomic_minmax(T* a, T v, bool is_max) {
    T old = __atomic_load_n(a, __ATOMIC_RELAXED);
    while ((is_max ? v > old : v < old) &&
           !__atomic_compare_exchange_n(a, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}
inline int atomicMax(int* a, int v) { return emu_atomic_minmax(a, v, true); }
inline unsigned atomicMax(unsigned* a, unsigned v) { return emu_atomic_minmax(a, v, true); }
inline unsigned long long atomicMax(unsigned long long* a, unsigned long long v) { return emu_atomic_minmax(a, v, true); }
inline int atomicMin(int* a, int v) { return emu_atomic_minmax(a, v, false); }
inline unsigned atomicMin(unsigned* a, unsigned v) { return emu_atomic_minmax(a, v, false); }
inline unsigned long long atomicMin(unsigned long long* a, unsigned long long v) { return emu_atomic_minmax(a, v, false); }
inline int atomicExch(int* a, int v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicExch(unsigned* a, unsigned v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicExch(unsigned long long* a, unsigned long long v) {
    return __atomic_exchange_n(a, v, __ATOMIC_RELAXED);
}
inline float atomicExch(float* a, float v) {
    uint32_t n;
    std::memcpy(&n, &v, 4);
    uint32_t o = __atomic_exchange_n(reinterpret_cast<uint32_t*>(a), n, __ATOMIC_RELAXED);
    float r;
    std::memcpy(&r, &o, 4);
    return r;
}
template <typename T>
inline T emu_atomic_cas(T* a, T compare, T val) {
    __atomic_compare_exchange_n(a, &compare, val, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return compare;  // holds the old value whether or not the exchange happened
}
inline int atomicCAS(int* a, int c, int v) { return emu_atomic_cas(a, c, v); }
inline unsigned atomicCAS(unsigned* a, unsigned c, unsigned v) { return emu_atomic_cas(a, c, v); }
inline unsigned long long atomicCAS(unsigned long long* a, unsigned long long c, unsigned long long v) {
    return emu_atomic_cas(a, c, v);
}
inline int atomicOr(int* a, int v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicOr(unsigned* a, unsigned v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }
inline int atomicAnd(int* a, int v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicAnd(unsigned* a, unsigned v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }

// ---------------------------------------------------------------------------------------------------------
// Math and bit intrinsics (the plain ones such as expf/fminf come from <math.h>)
// ---------------------------------------------------------------------------------------------------------
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline float __powf(float x, float y) { return powf(x, y); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
inline float __fsqrt_rn(float x) { return sqrtf(x); }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
// double arithmetic rounded one operation at a time (the emulation compiles with -ffp-contract=off)
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __dsqrt_rn(double x) { return sqrt(x); }
inline float __double2float_rn(double x) { return static_cast<float>(x); }
inline long long __double_as_longlong(double x) { long long r; std::memcpy(&r, &x, 8); return r; }
inline double __longlong_as_double(long long x) { double r; std::memcpy(&r, &x, 8); return r; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : (x == x ? x : 0.0f)); }
inline int __float2int_rn(float x) { return static_cast<int>(lrintf(x)); }
inline int __float2int_rz(float x) { return static_cast<int>(x); }
inline int __float_as_int(float x) { int r; std::memcpy(&r, &x, 4); return r; }
inline unsigned __float_as_uint(float x) { unsigned r; std::memcpy(&r, &x, 4); return r; }
inline float __int_as_float(int x) { float r; std::memcpy(&r, &x, 4); return r; }
inline float __uint_as_float(unsigned x) { float r; std::memcpy(&r, &x, 4); return r; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline unsigned __brev(unsigned x) {
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    return (x >> 16) | (x << 16);
}
template <typename T>
inline T __ldg(const T* p) { return *p; }

// CUDA declares these min/max overloads in the global namespace for host and device code alike.
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline unsigned min(int a, unsigned b) { return min(static_cast<unsigned>(a), b); }
inline unsigned max(int a, unsigned b) { return max(static_cast<unsigned>(a), b); }
inline unsigned min(unsigned a, int b) { return min(a, static_cast<unsigned>(b)); }
inline unsigned max(unsigned a, int b) { return max(a, static_cast<unsigned>(b)); }
inline long min(long a, long b) { return a < b ? a : b; }
inline long max(long a, long b) { return a > b ? a : b; }
inline unsigned long min(unsigned long a, unsigned long b) { return a < b ? a : b; }
inline unsigned long max(unsigned long a, unsigned long b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline unsigned long long min(unsigned long long a, unsigned long long b) { return a < b ? a : b; }
inline unsigned long long max(unsigned long long a, unsigned long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }
inline double min(double a, double b) { return fmin(a, b); }
inline double max(double a, double b) { return fmax(a, b); }

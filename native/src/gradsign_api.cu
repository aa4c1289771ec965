// gradsign_api.cu: the C API of gradsign.h over the CUDA runtime (real or emulated).
#include "gradsign.h"

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstring>

#include "check.cuh"
#include "activation.cuh"
#include "apgd_step.cuh"
#include "conv.cuh"
#include "copy_rows.cuh"
#include "cw_adam_step.cuh"
#include "cw_margin.cuh"
#include "dense.cuh"
#include "dlr_loss.cuh"
#include "l2_step.cuh"
#include "momentum_sign_step.cuh"
#include "pool.cuh"
#include "projected_sign_step.cuh"
#include "sgd.cuh"
#include "combine.cuh"
#include "l2_normalize.cuh"
#include "random.cuh"
#include "sample_norms.cuh"
#include "sign_step.cuh"
#include "softmax_cross_entropy.cuh"
#include "softmax_divergence.cuh"

#ifndef GRADSIGN_CUDA_ARCHITECTURES
#define GRADSIGN_CUDA_ARCHITECTURES "unknown"
#endif

namespace gradsign {

namespace {

thread_local char last_error_message[1024] = "";

// multiprocessor counts per device, looked up once: the sign step sizes its grid by them
constexpr int kMaxDevices = 64;
std::atomic<int> multiprocessor_cache[kMaxDevices];

int fail_argument(const char* operation, const char* what) {
    return record_failure(GRADSIGN_ERROR_INVALID_ARGUMENT, operation, __FILE__, __LINE__, what);
}

int multiprocessors_of_current_device() {
    int device = 0;
    if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= kMaxDevices) return 1;
    int cached = multiprocessor_cache[device].load(std::memory_order_relaxed);
    if (cached > 0) return cached;
    cudaDeviceProp properties;
    if (cudaGetDeviceProperties(&properties, device) != cudaSuccess) return 1;
    multiprocessor_cache[device].store(properties.multiProcessorCount, std::memory_order_relaxed);
    return properties.multiProcessorCount;
}

}  // namespace

int record_failure(int status, const char* operation, const char* file, int line, const char* detail) {
    const char* base = std::strrchr(file, '/');
    std::snprintf(last_error_message, sizeof(last_error_message), "%s at %s:%d: %s (%s)", operation,
                  base ? base + 1 : file, line, detail, gradsign_status_name(status));
    return status;
}

}  // namespace gradsign

using gradsign::record_failure;

namespace {

template <typename T>
T* device(gradsign_address address) {
    return reinterpret_cast<T*>(address);
}

bool valid_activation(int activation) {
    return activation == GRADSIGN_ACTIVATION_NONE || activation == GRADSIGN_ACTIVATION_RELU ||
           activation == GRADSIGN_ACTIVATION_TANH || activation == GRADSIGN_ACTIVATION_SIGMOID;
}

bool valid_shape(int batch, int in_features, int out_features) {
    return batch >= 0 && in_features >= 0 && out_features >= 0;
}

// the conv and pool kernels index with int (with room for rounding a size up to whole tiles), and
// offset coordinates by up to 2^30 (conv.cu's kOutside)
constexpr long long kMaxElements = (1LL << 31) - (1LL << 16);
constexpr long long kMaxPaddedSide = 1LL << 29;

// nullptr where the kernels can run this convolution (filling shape), else what is wrong with it
const char* conv_shape_problem(int n, int c, int h, int w, int k, int r, int s, int stride_h, int stride_w, int pad_h,
                               int pad_w, gradsign::ConvShape& shape) {
    if (n < 0 || c < 0 || h < 0 || w < 0 || k < 0) return "negative size";
    if (r < 1 || s < 1 || stride_h < 1 || stride_w < 1) return "kernel size or stride below 1";
    if (pad_h < 0 || pad_w < 0) return "negative padding";
    const long long padded_h = h + 2LL * pad_h, padded_w = w + 2LL * pad_w;
    if (padded_h < r || padded_w < s) return "kernel larger than the padded image";
    if (padded_h >= kMaxPaddedSide || padded_w >= kMaxPaddedSide) return "padded image of 2^29 rows or columns";
    const long long p = (padded_h - r) / stride_h + 1, q = (padded_w - s) / stride_w + 1;
    if (1LL * n * c * h * w > kMaxElements || 1LL * n * k * p * q > kMaxElements || 1LL * k * c * r * s > kMaxElements) {
        return "a tensor of 2^31 - 2^16 elements or more";
    }
    shape = gradsign::ConvShape{n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w, static_cast<int>(p),
                                static_cast<int>(q)};
    return nullptr;
}

// the same for a pooling
const char* pool_shape_problem(int n, int c, int h, int w, int kh, int kw, int sh, int sw, gradsign::PoolShape& shape) {
    if (n < 0 || c < 0 || h < 0 || w < 0) return "negative size";
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1) return "window size or stride below 1";
    if (kh > h || kw > w) return "window larger than the image";
    if (1LL * n * c * h * w > kMaxElements) return "a tensor of 2^31 - 2^16 elements or more";
    shape = gradsign::PoolShape{n * c, h, w, kh, kw, sh, sw, (h - kh) / sh + 1, (w - kw) / sw + 1};
    return nullptr;
}

}  // namespace

extern "C" {

const char* gradsign_status_name(int status) {
    switch (status) {
        case GRADSIGN_OK: return "GRADSIGN_OK";
        case GRADSIGN_ERROR_INVALID_ARGUMENT: return "GRADSIGN_ERROR_INVALID_ARGUMENT";
        case GRADSIGN_ERROR_NO_CUDA: return "GRADSIGN_ERROR_NO_CUDA";
        default: return cudaGetErrorName(static_cast<cudaError_t>(status));
    }
}

const char* gradsign_last_error_message(void) { return gradsign::last_error_message; }

const char* gradsign_build_info(void) {
    static char info[256];
    static std::atomic<bool> ready{false};
    if (!ready.load()) {
#ifdef GRADSIGN_WITHOUT_CUDA
        std::snprintf(info, sizeof(info), "built without CUDA (nvcc was not found at build time)");
#else
        int runtime = 0, driver = 0;
        cudaRuntimeGetVersion(&runtime);
        cudaDriverGetVersion(&driver);
        std::snprintf(info, sizeof(info), "%s runtime %d.%d, driver %d.%d, built for %s",
#ifdef GRADSIGN_EMULATION
                      "CUDA emulation on the CPU,",
#else
                      "CUDA",
#endif
                      runtime / 1000, (runtime % 1000) / 10, driver / 1000, (driver % 1000) / 10,
                      GRADSIGN_CUDA_ARCHITECTURES);
#endif
        ready.store(true);
    }
    return info;
}

int gradsign_device_count(int* count) {
    if (count == nullptr) return gradsign::fail_argument("gradsign_device_count", "count is null");
    *count = 0;
#ifdef GRADSIGN_WITHOUT_CUDA
    return GRADSIGN_OK;
#else
    int devices = 0;
    cudaError_t status = cudaGetDeviceCount(&devices);
    // no driver or no device is an answer (zero devices), not a failure
    if (status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver) {
        cudaGetLastError();
        return GRADSIGN_OK;
    }
    GRADSIGN_CHECK(status);
    *count = devices;
    return GRADSIGN_OK;
#endif
}

int gradsign_device_properties(int device, char* name, long long* values) {
    if (name == nullptr || values == nullptr) {
        return gradsign::fail_argument("gradsign_device_properties", "name or values is null");
    }
    cudaDeviceProp properties;
    GRADSIGN_CHECK(cudaGetDeviceProperties(&properties, device));
    std::snprintf(name, 256, "%s", properties.name);
    values[GRADSIGN_PROPERTY_TOTAL_MEMORY] = static_cast<long long>(properties.totalGlobalMem);
    values[GRADSIGN_PROPERTY_MULTIPROCESSORS] = properties.multiProcessorCount;
    values[GRADSIGN_PROPERTY_MAJOR] = properties.major;
    values[GRADSIGN_PROPERTY_MINOR] = properties.minor;
    values[GRADSIGN_PROPERTY_MAX_THREADS_PER_BLOCK] = properties.maxThreadsPerBlock;
    values[GRADSIGN_PROPERTY_SHARED_MEMORY_PER_BLOCK] = static_cast<long long>(properties.sharedMemPerBlock);
    values[GRADSIGN_PROPERTY_WARP_SIZE] = properties.warpSize;
    values[GRADSIGN_PROPERTY_L2_CACHE] = properties.l2CacheSize;
    return GRADSIGN_OK;
}

int gradsign_set_device(int device) {
    GRADSIGN_CHECK(cudaSetDevice(device));
    return GRADSIGN_OK;
}

int gradsign_memory_info(long long* free_bytes, long long* total_bytes) {
    if (free_bytes == nullptr || total_bytes == nullptr) {
        return gradsign::fail_argument("gradsign_memory_info", "an output is null");
    }
    size_t free_memory = 0, total_memory = 0;
    GRADSIGN_CHECK(cudaMemGetInfo(&free_memory, &total_memory));
    *free_bytes = static_cast<long long>(free_memory);
    *total_bytes = static_cast<long long>(total_memory);
    return GRADSIGN_OK;
}

int gradsign_malloc(gradsign_address* address, long long bytes) {
    if (address == nullptr || bytes < 0) return gradsign::fail_argument("gradsign_malloc", "null address or negative size");
    void* pointer = nullptr;
    GRADSIGN_CHECK(cudaMalloc(&pointer, static_cast<size_t>(bytes)));
    *address = reinterpret_cast<gradsign_address>(pointer);
    return GRADSIGN_OK;
}

int gradsign_free(gradsign_address address) {
    GRADSIGN_CHECK(cudaFree(reinterpret_cast<void*>(address)));
    return GRADSIGN_OK;
}

int gradsign_copy_to_device(gradsign_address destination, const float* source, long long count) {
    if (count < 0) return gradsign::fail_argument("gradsign_copy_to_device", "negative count");
    if (count == 0) return GRADSIGN_OK;
    GRADSIGN_CHECK(cudaMemcpy(reinterpret_cast<void*>(destination), source, static_cast<size_t>(count) * sizeof(float),
                              cudaMemcpyHostToDevice));
    return GRADSIGN_OK;
}

int gradsign_copy_to_host(float* destination, gradsign_address source, long long count) {
    if (count < 0) return gradsign::fail_argument("gradsign_copy_to_host", "negative count");
    if (count == 0) return GRADSIGN_OK;
    GRADSIGN_CHECK(cudaMemcpy(destination, reinterpret_cast<const void*>(source), static_cast<size_t>(count) * sizeof(float),
                              cudaMemcpyDeviceToHost));
    return GRADSIGN_OK;
}

int gradsign_copy_on_device(gradsign_address destination, gradsign_address source, long long bytes) {
    if (bytes < 0) return gradsign::fail_argument("gradsign_copy_on_device", "negative size");
    if (bytes == 0) return GRADSIGN_OK;
    GRADSIGN_CHECK(cudaMemcpy(reinterpret_cast<void*>(destination), reinterpret_cast<const void*>(source),
                              static_cast<size_t>(bytes), cudaMemcpyDeviceToDevice));
    return GRADSIGN_OK;
}

int gradsign_memset(gradsign_address destination, int value, long long bytes) {
    if (bytes < 0) return gradsign::fail_argument("gradsign_memset", "negative size");
    if (bytes == 0) return GRADSIGN_OK;
    GRADSIGN_CHECK(cudaMemset(reinterpret_cast<void*>(destination), value, static_cast<size_t>(bytes)));
    return GRADSIGN_OK;
}

int gradsign_synchronize(void) {
    GRADSIGN_CHECK(cudaDeviceSynchronize());
    return GRADSIGN_OK;
}

int gradsign_sign_step(gradsign_address out, gradsign_address x, gradsign_address gradient, long long count,
                       float epsilon, float lo, float hi) {
    if (count < 0) return gradsign::fail_argument("gradsign_sign_step", "negative count");
    GRADSIGN_CHECK(gradsign::sign_step(reinterpret_cast<float*>(out), reinterpret_cast<const float*>(x),
                                       reinterpret_cast<const float*>(gradient), static_cast<size_t>(count),
                                       epsilon, lo, hi, gradsign::multiprocessors_of_current_device(), 0));
    return GRADSIGN_OK;
}


int gradsign_projected_sign_step(gradsign_address out, gradsign_address x, gradsign_address origin,
                                 gradsign_address gradient, long long count, float alpha, float epsilon, float lo,
                                 float hi) {
    if (count < 0) return gradsign::fail_argument("gradsign_projected_sign_step", "negative count");
    GRADSIGN_CHECK(gradsign::projected_sign_step(device<float>(out), device<const float>(x), device<const float>(origin),
                                                 device<const float>(gradient), static_cast<size_t>(count), alpha,
                                                 epsilon, lo, hi, gradsign::multiprocessors_of_current_device(), 0));
    return GRADSIGN_OK;
}

int gradsign_l2_step(gradsign_address out, gradsign_address x, gradsign_address origin, gradsign_address gradient,
                     long long batch, long long sample_size, float alpha, float epsilon, float lo, float hi) {
    if (batch < 0 || sample_size < 0) return gradsign::fail_argument("gradsign_l2_step", "negative size");
    GRADSIGN_CHECK(gradsign::l2_step(device<float>(out), device<const float>(x), device<const float>(origin),
                                     device<const float>(gradient), static_cast<size_t>(batch),
                                     static_cast<size_t>(sample_size), alpha, epsilon, lo, hi, 0));
    return GRADSIGN_OK;
}

int gradsign_momentum_sign_step(gradsign_address out, gradsign_address momentum, gradsign_address x,
                                gradsign_address origin, gradsign_address gradient, long long batch,
                                long long sample_size, float decay, float alpha, float epsilon, float lo, float hi) {
    if (batch < 0 || sample_size < 0) return gradsign::fail_argument("gradsign_momentum_sign_step", "negative size");
    GRADSIGN_CHECK(gradsign::momentum_sign_step(device<float>(out), device<float>(momentum), device<const float>(x),
                                                device<const float>(origin), device<const float>(gradient),
                                                static_cast<size_t>(batch), static_cast<size_t>(sample_size), decay,
                                                alpha, epsilon, lo, hi, 0));
    return GRADSIGN_OK;
}

int gradsign_apgd_step(gradsign_address next, gradsign_address current, gradsign_address previous,
                       gradsign_address origin, gradsign_address gradient, gradsign_address step_sizes, long long batch,
                       long long sample_size, float momentum, float epsilon, float lo, float hi) {
    if (batch < 0 || sample_size < 0) return gradsign::fail_argument("gradsign_apgd_step", "negative size");
    GRADSIGN_CHECK(gradsign::apgd_step(device<float>(next), device<const float>(current), device<const float>(previous),
                                       device<const float>(origin), device<const float>(gradient),
                                       device<const float>(step_sizes), static_cast<size_t>(batch),
                                       static_cast<size_t>(sample_size), momentum, epsilon, lo, hi, 0));
    return GRADSIGN_OK;
}

int gradsign_dense_scratch_bytes(long long* bytes) {
    if (bytes == nullptr) return gradsign::fail_argument("gradsign_dense_scratch_bytes", "the output is null");
    *bytes = static_cast<long long>(gradsign::dense_scratch_bytes());
    return GRADSIGN_OK;
}

int gradsign_dense_forward(gradsign_address y, gradsign_address x, gradsign_address weights, gradsign_address bias,
                           int batch, int in_features, int out_features, int activation, gradsign_address scratch) {
    if (!valid_shape(batch, in_features, out_features) || !valid_activation(activation)) {
        return gradsign::fail_argument("gradsign_dense_forward", "negative size or unknown activation");
    }
    if (scratch == 0) return gradsign::fail_argument("gradsign_dense_forward", "null scratch");
    GRADSIGN_CHECK(gradsign::dense_forward(device<float>(y), device<const float>(x), device<const float>(weights),
                                           device<const float>(bias), batch, in_features, out_features, activation,
                                           device<void>(scratch), 0));
    return GRADSIGN_OK;
}

int gradsign_dense_backward_input(gradsign_address dx, gradsign_address dy, gradsign_address weights, int batch,
                                  int in_features, int out_features, gradsign_address scratch) {
    if (!valid_shape(batch, in_features, out_features)) {
        return gradsign::fail_argument("gradsign_dense_backward_input", "negative size");
    }
    if (scratch == 0) return gradsign::fail_argument("gradsign_dense_backward_input", "null scratch");
    GRADSIGN_CHECK(gradsign::dense_backward_input(device<float>(dx), device<const float>(dy),
                                                  device<const float>(weights), batch, in_features, out_features,
                                                  device<void>(scratch), 0));
    return GRADSIGN_OK;
}

int gradsign_dense_backward_input_activation(gradsign_address dx, gradsign_address dy, gradsign_address weights,
                                             gradsign_address below, int activation, int batch, int in_features,
                                             int out_features, gradsign_address scratch) {
    if (!valid_shape(batch, in_features, out_features) || !valid_activation(activation)) {
        return gradsign::fail_argument("gradsign_dense_backward_input_activation",
                                       "negative size or unknown activation");
    }
    if (scratch == 0) return gradsign::fail_argument("gradsign_dense_backward_input_activation", "null scratch");
    GRADSIGN_CHECK(gradsign::dense_backward_input_activation(device<float>(dx), device<const float>(dy),
                                                             device<const float>(weights), device<const float>(below),
                                                             activation, batch, in_features, out_features,
                                                             device<void>(scratch), 0));
    return GRADSIGN_OK;
}

int gradsign_dense_backward_input_sign_step(gradsign_address out, gradsign_address x, gradsign_address dx,
                                            gradsign_address dy, gradsign_address weights, int batch, int in_features,
                                            int out_features, float epsilon, float lo, float hi,
                                            gradsign_address scratch) {
    if (!valid_shape(batch, in_features, out_features)) {
        return gradsign::fail_argument("gradsign_dense_backward_input_sign_step", "negative size");
    }
    if (scratch == 0) return gradsign::fail_argument("gradsign_dense_backward_input_sign_step", "null scratch");
    GRADSIGN_CHECK(gradsign::dense_backward_input_sign_step(
        device<float>(out), device<const float>(x), device<float>(dx), device<const float>(dy),
        device<const float>(weights), batch, in_features, out_features, epsilon, lo, hi,
        gradsign::multiprocessors_of_current_device(), device<void>(scratch), 0));
    return GRADSIGN_OK;
}

int gradsign_dense_backward_weights(gradsign_address dweights, gradsign_address dbias, gradsign_address dy,
                                    gradsign_address x, int batch, int in_features, int out_features,
                                    gradsign_address scratch) {
    if (!valid_shape(batch, in_features, out_features)) {
        return gradsign::fail_argument("gradsign_dense_backward_weights", "negative size");
    }
    if (scratch == 0) return gradsign::fail_argument("gradsign_dense_backward_weights", "null scratch");
    GRADSIGN_CHECK(gradsign::dense_backward_weights(device<float>(dweights), device<float>(dbias),
                                                    device<const float>(dy), device<const float>(x), batch,
                                                    in_features, out_features, device<void>(scratch), 0));
    return GRADSIGN_OK;
}

int gradsign_activation_forward(gradsign_address y, gradsign_address x, long long count, int activation) {
    if (count < 0 || !valid_activation(activation)) {
        return gradsign::fail_argument("gradsign_activation_forward", "negative count or unknown activation");
    }
    GRADSIGN_CHECK(gradsign::activation_forward(device<float>(y), device<const float>(x), static_cast<size_t>(count),
                                                activation, 0));
    return GRADSIGN_OK;
}

int gradsign_activation_backward(gradsign_address dpre, gradsign_address dy, gradsign_address y, long long count,
                                 int activation) {
    if (count < 0 || !valid_activation(activation)) {
        return gradsign::fail_argument("gradsign_activation_backward", "negative count or unknown activation");
    }
    GRADSIGN_CHECK(gradsign::activation_backward(device<float>(dpre), device<const float>(dy), device<const float>(y),
                                                 static_cast<size_t>(count), activation, 0));
    return GRADSIGN_OK;
}

int gradsign_conv2d_forward(gradsign_address y, gradsign_address x, gradsign_address weights, gradsign_address bias,
                            int n, int c, int h, int w, int k, int r, int s, int stride_h, int stride_w, int pad_h,
                            int pad_w, int activation) {
    gradsign::ConvShape shape;
    const char* problem = conv_shape_problem(n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w, shape);
    if (problem == nullptr && !valid_activation(activation)) problem = "unknown activation";
    if (problem != nullptr) return gradsign::fail_argument("gradsign_conv2d_forward", problem);
    if (n == 0) return GRADSIGN_OK;
    GRADSIGN_CHECK(gradsign::conv2d_forward(device<float>(y), device<const float>(x), device<const float>(weights),
                                            device<const float>(bias), shape, activation, 0));
    return GRADSIGN_OK;
}

int gradsign_conv2d_backward_input(gradsign_address dx, gradsign_address dy, gradsign_address weights, int n, int c,
                                   int h, int w, int k, int r, int s, int stride_h, int stride_w, int pad_h,
                                   int pad_w) {
    gradsign::ConvShape shape;
    const char* problem = conv_shape_problem(n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w, shape);
    if (problem != nullptr) return gradsign::fail_argument("gradsign_conv2d_backward_input", problem);
    if (n == 0) return GRADSIGN_OK;
    GRADSIGN_CHECK(gradsign::conv2d_backward_input(device<float>(dx), device<const float>(dy),
                                                   device<const float>(weights), shape, 0));
    return GRADSIGN_OK;
}

int gradsign_conv2d_backward_weights(gradsign_address dweights, gradsign_address dbias, gradsign_address dy,
                                     gradsign_address x, int n, int c, int h, int w, int k, int r, int s, int stride_h,
                                     int stride_w, int pad_h, int pad_w) {
    gradsign::ConvShape shape;
    const char* problem = conv_shape_problem(n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w, shape);
    if (problem != nullptr) return gradsign::fail_argument("gradsign_conv2d_backward_weights", problem);
    // n == 0 still writes: the gradients of an empty batch are zeros (as gradsign_dense_backward_weights)
    GRADSIGN_CHECK(gradsign::conv2d_backward_weights(device<float>(dweights), device<float>(dbias),
                                                     device<const float>(dy), device<const float>(x), shape, 0));
    return GRADSIGN_OK;
}

int gradsign_max_pool2d_forward(gradsign_address y, gradsign_address argmax, gradsign_address x, int n, int c, int h,
                                int w, int kh, int kw, int sh, int sw) {
    gradsign::PoolShape shape;
    const char* problem = pool_shape_problem(n, c, h, w, kh, kw, sh, sw, shape);
    if (problem != nullptr) return gradsign::fail_argument("gradsign_max_pool2d_forward", problem);
    GRADSIGN_CHECK(gradsign::max_pool2d_forward(device<float>(y), device<int>(argmax), device<const float>(x), shape, 0));
    return GRADSIGN_OK;
}

int gradsign_max_pool2d_backward(gradsign_address dx, gradsign_address dy, gradsign_address argmax, int n, int c,
                                 int h, int w, int kh, int kw, int sh, int sw) {
    gradsign::PoolShape shape;
    const char* problem = pool_shape_problem(n, c, h, w, kh, kw, sh, sw, shape);
    if (problem != nullptr) return gradsign::fail_argument("gradsign_max_pool2d_backward", problem);
    GRADSIGN_CHECK(gradsign::max_pool2d_backward(device<float>(dx), device<const float>(dy), device<const int>(argmax),
                                                 shape, 0));
    return GRADSIGN_OK;
}

int gradsign_avg_pool2d_forward(gradsign_address y, gradsign_address x, int n, int c, int h, int w, int kh, int kw,
                                int sh, int sw) {
    gradsign::PoolShape shape;
    const char* problem = pool_shape_problem(n, c, h, w, kh, kw, sh, sw, shape);
    if (problem != nullptr) return gradsign::fail_argument("gradsign_avg_pool2d_forward", problem);
    GRADSIGN_CHECK(gradsign::avg_pool2d_forward(device<float>(y), device<const float>(x), shape, 0));
    return GRADSIGN_OK;
}

int gradsign_avg_pool2d_backward(gradsign_address dx, gradsign_address dy, int n, int c, int h, int w, int kh, int kw,
                                 int sh, int sw) {
    gradsign::PoolShape shape;
    const char* problem = pool_shape_problem(n, c, h, w, kh, kw, sh, sw, shape);
    if (problem != nullptr) return gradsign::fail_argument("gradsign_avg_pool2d_backward", problem);
    GRADSIGN_CHECK(gradsign::avg_pool2d_backward(device<float>(dx), device<const float>(dy), shape, 0));
    return GRADSIGN_OK;
}

int gradsign_softmax_cross_entropy(gradsign_address probabilities, gradsign_address losses, gradsign_address dlogits,
                                   gradsign_address logits, gradsign_address labels, int batch, int classes,
                                   float gradient_scale) {
    if (batch < 0 || classes <= 0) {
        return gradsign::fail_argument("gradsign_softmax_cross_entropy", "negative batch or no classes");
    }
    GRADSIGN_CHECK(gradsign::softmax_cross_entropy(device<float>(probabilities), device<float>(losses),
                                                   device<float>(dlogits), device<const float>(logits),
                                                   device<const int>(labels), batch, classes, gradient_scale, 0));
    return GRADSIGN_OK;
}

int gradsign_softmax_kl(gradsign_address losses, gradsign_address dp, gradsign_address dq, gradsign_address p_logits,
                        gradsign_address q_logits, int batch, int classes, float gradient_scale) {
    if (batch < 0 || classes <= 0) return gradsign::fail_argument("gradsign_softmax_kl", "negative batch or no classes");
    GRADSIGN_CHECK(gradsign::softmax_kl(device<float>(losses), device<float>(dp), device<float>(dq),
                                        device<const float>(p_logits), device<const float>(q_logits), batch, classes,
                                        gradient_scale, 0));
    return GRADSIGN_OK;
}

int gradsign_softmax_entropy(gradsign_address entropies, gradsign_address dlogits, gradsign_address logits, int batch,
                             int classes, float gradient_scale) {
    if (batch < 0 || classes <= 0) {
        return gradsign::fail_argument("gradsign_softmax_entropy", "negative batch or no classes");
    }
    GRADSIGN_CHECK(gradsign::softmax_entropy(device<float>(entropies), device<float>(dlogits),
                                             device<const float>(logits), batch, classes, gradient_scale, 0));
    return GRADSIGN_OK;
}

int gradsign_dlr_loss(gradsign_address losses, gradsign_address dlogits, gradsign_address logits, gradsign_address labels,
                      gradsign_address targets, int batch, int classes, float gradient_scale) {
    if (batch < 0 || classes < (targets != 0 ? 4 : 3)) {
        return gradsign::fail_argument("gradsign_dlr_loss", "negative batch or too few classes (3, targeted 4)");
    }
    GRADSIGN_CHECK(gradsign::dlr_loss(device<float>(losses), device<float>(dlogits), device<const float>(logits),
                                      device<const int>(labels), device<const int>(targets), batch, classes,
                                      gradient_scale, 0));
    return GRADSIGN_OK;
}

int gradsign_cw_margin(gradsign_address losses, gradsign_address dlogits, gradsign_address logits, gradsign_address labels,
                       gradsign_address scales, int batch, int classes, float kappa, int targeted) {
    if (batch < 0 || classes < 2) return gradsign::fail_argument("gradsign_cw_margin", "negative batch or one class");
    GRADSIGN_CHECK(gradsign::cw_margin(device<float>(losses), device<float>(dlogits), device<const float>(logits),
                                       device<const int>(labels), device<const float>(scales), batch, classes, kappa,
                                       targeted != 0, 0));
    return GRADSIGN_OK;
}

int gradsign_cw_adam_step(gradsign_address w, gradsign_address m, gradsign_address v, gradsign_address adversarial,
                          gradsign_address origin, gradsign_address gradient, long long count, float learning_rate,
                          float beta1, float beta2, float correction1, float correction2, float eps, float lo,
                          float hi) {
    if (count < 0) return gradsign::fail_argument("gradsign_cw_adam_step", "negative count");
    GRADSIGN_CHECK(gradsign::cw_adam_step(device<float>(w), device<float>(m), device<float>(v), device<float>(adversarial),
                                          device<const float>(origin), device<const float>(gradient),
                                          static_cast<size_t>(count), learning_rate, beta1, beta2, correction1,
                                          correction2, eps, lo, hi, 0));
    return GRADSIGN_OK;
}

int gradsign_sample_norms(gradsign_address l1, gradsign_address l2, gradsign_address linf, gradsign_address a,
                          gradsign_address b, long long batch, long long sample_size) {
    if (batch < 0 || sample_size < 0) return gradsign::fail_argument("gradsign_sample_norms", "negative size");
    GRADSIGN_CHECK(gradsign::sample_norms(device<float>(l1), device<float>(l2), device<float>(linf),
                                          device<const float>(a), device<const float>(b), static_cast<size_t>(batch),
                                          static_cast<size_t>(sample_size), 0));
    return GRADSIGN_OK;
}

int gradsign_copy_rows(gradsign_address destination, const int* destination_rows, gradsign_address source,
                       const int* source_rows, long long count, long long row_length) {
    if (count < 0 || row_length < 0) return gradsign::fail_argument("gradsign_copy_rows", "negative size");
    if (count == 0 || row_length == 0) return GRADSIGN_OK;
    if (destination_rows == nullptr || source_rows == nullptr) {
        return gradsign::fail_argument("gradsign_copy_rows", "an index list is null");
    }
    // the lists travel in the launches' parameters: no device memory, no copy, no wait
    GRADSIGN_CHECK(gradsign::copy_rows(device<float>(destination), destination_rows, device<const float>(source),
                                       source_rows, static_cast<size_t>(count), static_cast<size_t>(row_length), 0));
    return GRADSIGN_OK;
}

int gradsign_sgd_momentum(gradsign_address parameters, gradsign_address velocity, gradsign_address gradient,
                          long long count, float learning_rate, float momentum, float weight_decay) {
    if (count < 0) return gradsign::fail_argument("gradsign_sgd_momentum", "negative count");
    GRADSIGN_CHECK(gradsign::sgd_momentum(device<float>(parameters), device<float>(velocity),
                                          device<const float>(gradient), static_cast<size_t>(count), learning_rate,
                                          momentum, weight_decay, 0));
    return GRADSIGN_OK;
}

int gradsign_combine(gradsign_address out, float a, gradsign_address x, float b, gradsign_address y, long long count,
                     float lo, float hi) {
    if (count < 0) return gradsign::fail_argument("gradsign_combine", "negative count");
    GRADSIGN_CHECK(gradsign::combine(device<float>(out), a, device<const float>(x), b, device<const float>(y),
                                     static_cast<size_t>(count), lo, hi, 0));
    return GRADSIGN_OK;
}

int gradsign_l2_normalize(gradsign_address out, gradsign_address origin, gradsign_address v, long long batch,
                          long long sample_size, float scale) {
    if (batch < 0 || sample_size < 0) return gradsign::fail_argument("gradsign_l2_normalize", "negative size");
    GRADSIGN_CHECK(gradsign::l2_normalize(device<float>(out), device<const float>(origin), device<const float>(v),
                                          static_cast<size_t>(batch), static_cast<size_t>(sample_size), scale, 0));
    return GRADSIGN_OK;
}

int gradsign_random_uniform(gradsign_address out, long long count, long long seed, long long stream, float low,
                            float high) {
    if (count < 0) return gradsign::fail_argument("gradsign_random_uniform", "negative count");
    GRADSIGN_CHECK(gradsign::random_uniform(device<float>(out), static_cast<size_t>(count), static_cast<uint64_t>(seed),
                                            static_cast<uint64_t>(stream), low, high, 0));
    return GRADSIGN_OK;
}

int gradsign_random_normal(gradsign_address out, long long count, long long seed, long long stream) {
    if (count < 0) return gradsign::fail_argument("gradsign_random_normal", "negative count");
    GRADSIGN_CHECK(gradsign::random_normal(device<float>(out), static_cast<size_t>(count), static_cast<uint64_t>(seed),
                                           static_cast<uint64_t>(stream), 0));
    return GRADSIGN_OK;
}

}  // extern "C"

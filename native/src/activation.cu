// activation.cu: the activation forward step y = f(x), and the backward step dpre = dy * f'(pre) from the activation's output y, each in one pass.
#include "activation.cuh"

#include "elementwise.cuh"

namespace gradsign {

namespace {

template <int kActivation>
struct ActivationForwardRule {
    __device__ __forceinline__ void operator()(float& y, float x) const { y = activation_forward_one<kActivation>(x); }
};

template <int kActivation>
struct ActivationBackwardRule {
    __device__ __forceinline__ void operator()(float& dpre, float dy, float y) const {
        dpre = activation_backward_one<kActivation>(dy, y);
    }
};

// 8 bytes per element (read x, write y); y may be x (in place)
template <int kActivation>
cudaError_t activation_forward_as(float* y, const float* x, size_t count, cudaStream_t stream) {
    return launch_elementwise(ActivationForwardRule<kActivation>{}, count, kElementwiseMaxBlocks, stream,
                              write_only<Overlap::kInPlace>(y), read_only<Overlap::kInPlace>(x));
}

// 12 bytes per element (read dy and y, write dpre); dpre may be dy (in place), y overlaps neither
template <int kActivation>
cudaError_t activation_backward_as(float* dpre, const float* dy, const float* y, size_t count, cudaStream_t stream) {
    return launch_elementwise(ActivationBackwardRule<kActivation>{}, count, kElementwiseMaxBlocks, stream,
                              write_only<Overlap::kInPlace>(dpre), read_only<Overlap::kInPlace>(dy), read_only(y));
}

}  // namespace

// one kernel per activation, so the loop carries no switch; the C API has checked the activation
cudaError_t activation_forward(float* y, const float* x, size_t count, int activation, cudaStream_t stream) {
    switch (activation) {
        case GRADSIGN_ACTIVATION_NONE: return activation_forward_as<GRADSIGN_ACTIVATION_NONE>(y, x, count, stream);
        case GRADSIGN_ACTIVATION_RELU: return activation_forward_as<GRADSIGN_ACTIVATION_RELU>(y, x, count, stream);
        case GRADSIGN_ACTIVATION_TANH: return activation_forward_as<GRADSIGN_ACTIVATION_TANH>(y, x, count, stream);
        case GRADSIGN_ACTIVATION_SIGMOID:
            return activation_forward_as<GRADSIGN_ACTIVATION_SIGMOID>(y, x, count, stream);
        default: return cudaErrorInvalidValue;
    }
}

cudaError_t activation_backward(float* dpre, const float* dy, const float* y, size_t count, int activation,
                                cudaStream_t stream) {
    switch (activation) {
        case GRADSIGN_ACTIVATION_NONE:
            return activation_backward_as<GRADSIGN_ACTIVATION_NONE>(dpre, dy, y, count, stream);
        case GRADSIGN_ACTIVATION_RELU:
            return activation_backward_as<GRADSIGN_ACTIVATION_RELU>(dpre, dy, y, count, stream);
        case GRADSIGN_ACTIVATION_TANH:
            return activation_backward_as<GRADSIGN_ACTIVATION_TANH>(dpre, dy, y, count, stream);
        case GRADSIGN_ACTIVATION_SIGMOID:
            return activation_backward_as<GRADSIGN_ACTIVATION_SIGMOID>(dpre, dy, y, count, stream);
        default: return cudaErrorInvalidValue;
    }
}

}  // namespace gradsign

package io.gradsign.cuda;

import io.gradsign.cuda.bindings.GradsignCuda;
import io.gradsign.cuda.bindings.GradsignCudaEmulated;
import org.bytedeco.javacpp.Loader;

/**
 * The C API of {@code native/include/gradsign.h} as a Java interface, so that one backend runs on
 * either native library: libgradsign (real CUDA) or libgradsign_emu (the CPU emulation of CUDA).
 * Methods return the native status (0 is success); {@link #check} turns a failure into a
 * {@link CudaException}. Arguments are validated by the callers before they get here.
 */
public interface CudaLibrary {

    /** Loads libgradsign and its JNI code from the jar; throws {@link UnsatisfiedLinkError} if it cannot. */
    static CudaLibrary loadCuda() {
        return Real.INSTANCE;
    }

    /** Loads libgradsign_emu and its JNI code from the jar. */
    static CudaLibrary loadEmulated() {
        return Emulated.INSTANCE;
    }

    /** True for the emulation library. */
    boolean isEmulated();

    String statusName(int status);

    String lastErrorMessage();

    String buildInfo();

    int deviceCount(int[] count);

    int deviceProperties(int device, byte[] name, long[] values);

    int memoryInfo(long[] freeBytes, long[] totalBytes);

    int malloc(long[] address, long bytes);

    int free(long address);

    int copyToDevice(long destination, float[] source, long sourceOffset, long count);

    int copyToHost(float[] destination, long destinationOffset, long source, long count);

    /** int32 copies (class labels, max-pool argmax); count is in ints. */
    int copyIntsToDevice(long destination, int[] source, long sourceOffset, long count);

    int copyIntsToHost(int[] destination, long destinationOffset, long source, long count);

    int copyOnDevice(long destination, long source, long bytes);

    int memset(long destination, int value, long bytes);

    int synchronize();

    int signStep(long out, long x, long gradient, long count, float epsilon, float lo, float hi);

    int projectedSignStep(long out, long x, long origin, long gradient, long count, float alpha, float epsilon,
                          float lo, float hi);

    int l2Step(long out, long x, long origin, long gradient, long batch, long sampleSize, float alpha, float epsilon,
               float lo, float hi);

    int momentumSignStep(long out, long momentum, long x, long origin, long gradient, long batch, long sampleSize,
                         float decay, float alpha, float epsilon, float lo, float hi);

    int apgdStep(long next, long current, long previous, long origin, long gradient, long stepSizes, long batch,
                 long sampleSize, float momentum, float epsilon, float lo, float hi);

    /** The bytes of the scratch each dense product takes (see gradsign_dense_scratch_bytes). */
    int denseScratchBytes(long[] bytes);

    int denseForward(long y, long x, long weights, long bias, int batch, int inFeatures, int outFeatures, int activation,
                     long scratch);

    int denseBackwardInput(long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, long scratch);

    int denseBackwardInputActivation(long dx, long dy, long weights, long below, int activation, int batch,
                                     int inFeatures, int outFeatures, long scratch);

    int denseBackwardInputSignStep(long out, long x, long dx, long dy, long weights, int batch, int inFeatures,
                                   int outFeatures, float epsilon, float lo, float hi, long scratch);

    int denseBackwardWeights(long dweights, long dbias, long dy, long x, int batch, int inFeatures, int outFeatures,
                             long scratch);

    int activationForward(long y, long x, long count, int activation);

    int activationBackward(long dpre, long dy, long y, long count, int activation);

    int conv2dForward(long y, long x, long weights, long bias, int n, int c, int h, int w, int k, int r, int s, int strideH,
                      int strideW, int padH, int padW, int activation);

    int conv2dBackwardInput(long dx, long dy, long weights, int n, int c, int h, int w, int k, int r, int s, int strideH,
                            int strideW, int padH, int padW);

    int conv2dBackwardWeights(long dweights, long dbias, long dy, long x, int n, int c, int h, int w, int k, int r, int s,
                              int strideH, int strideW, int padH, int padW);

    /** argmax is a device buffer of int32, (n, c, p, q). */
    int maxPool2dForward(long y, long argmax, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    int maxPool2dBackward(long dx, long dy, long argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    int avgPool2dForward(long y, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    int avgPool2dBackward(long dx, long dy, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    int softmaxCrossEntropy(long probabilities, long losses, long dlogits, long logits, long labels, int batch, int classes,
                            float gradientScale);

    /** dp and dq may be 0 (not computed). */
    int softmaxKl(long losses, long dp, long dq, long pLogits, long qLogits, int batch, int classes, float gradientScale);

    /** dlogits may be 0 (not computed). */
    int softmaxEntropy(long entropies, long dlogits, long logits, int batch, int classes, float gradientScale);

    /** dlogits and targets may be 0 (not computed; untargeted). */
    int dlrLoss(long losses, long dlogits, long logits, long labels, long targets, int batch, int classes,
                float gradientScale);

    /** dlogits and scales may be 0 (not computed; scale 1). */
    int cwMargin(long losses, long dlogits, long logits, long labels, long scales, int batch, int classes, float kappa,
                 boolean targeted);

    /** w, m, v and adversarial are read and written; the six buffers are disjoint, count floats each. */
    int cwAdamStep(long w, long m, long v, long adversarial, long origin, long gradient, long count,
                   float learningRate, float beta1, float beta2, float correction1, float correction2, float eps,
                   float lo, float hi);

    /** l1, l2, linf and b may be 0 (not computed; b absent). */
    int sampleNorms(long l1, long l2, long linf, long a, long b, long batch, long sampleSize);

    /** The index lists are host arrays of at least count entries. */
    int copyRows(long destination, int[] destinationRows, long source, int[] sourceRows, long count, long rowLength);

    int sgdMomentum(long parameters, long velocity, long gradient, long count, float learningRate, float momentum,
                    float weightDecay);

    int combine(long out, float a, long x, float b, long y, long count, float lo, float hi);

    /** origin is 0 for none. */
    int l2Normalize(long out, long origin, long v, long batch, long sampleSize, float scale);

    int randomUniform(long out, long count, long seed, long stream, float low, float high);

    int randomNormal(long out, long count, long seed, long stream);

    /** Throws a {@link CudaException} naming the operation and the native message when status is not 0. */
    default void check(int status, String operation) {
        if (status != 0) {
            throw new CudaException(operation, status, statusName(status), lastErrorMessage());
        }
    }

    /** libgradsign; loading happens once, on first use of this class. */
    final class Real implements CudaLibrary {
        static final Real INSTANCE = load();

        private static Real load() {
            Loader.load(GradsignCuda.class);
            return new Real();
        }

        private Real() {}

        @Override public boolean isEmulated() { return false; }
        @Override public String statusName(int status) { return GradsignCuda.gradsign_status_name(status); }
        @Override public String lastErrorMessage() { return GradsignCuda.gradsign_last_error_message(); }
        @Override public String buildInfo() { return GradsignCuda.gradsign_build_info(); }
        @Override public int deviceCount(int[] count) { return GradsignCuda.gradsign_device_count(count); }
        @Override public int deviceProperties(int device, byte[] name, long[] values) { return GradsignCuda.gradsign_device_properties(device, name, values); }
        @Override public int memoryInfo(long[] freeBytes, long[] totalBytes) { return GradsignCuda.gradsign_memory_info(freeBytes, totalBytes); }
        @Override public int malloc(long[] address, long bytes) { return GradsignCuda.gradsign_malloc(address, bytes); }
        @Override public int free(long address) { return GradsignCuda.gradsign_free(address); }
        @Override public int copyToDevice(long destination, float[] source, long sourceOffset, long count) { return GradsignCuda.gradsign_copy_to_device_from(destination, source, sourceOffset, count); }
        @Override public int copyToHost(float[] destination, long destinationOffset, long source, long count) { return GradsignCuda.gradsign_copy_to_host_into(destination, destinationOffset, source, count); }
        @Override public int copyIntsToDevice(long destination, int[] source, long sourceOffset, long count) { return GradsignCuda.gradsign_copy_ints_to_device_from(destination, source, sourceOffset, count); }
        @Override public int copyIntsToHost(int[] destination, long destinationOffset, long source, long count) { return GradsignCuda.gradsign_copy_ints_to_host_into(destination, destinationOffset, source, count); }
        @Override public int copyOnDevice(long destination, long source, long bytes) { return GradsignCuda.gradsign_copy_on_device(destination, source, bytes); }
        @Override public int memset(long destination, int value, long bytes) { return GradsignCuda.gradsign_memset(destination, value, bytes); }
        @Override public int synchronize() { return GradsignCuda.gradsign_synchronize(); }
        @Override public int signStep(long out, long x, long gradient, long count, float epsilon, float lo, float hi) { return GradsignCuda.gradsign_sign_step(out, x, gradient, count, epsilon, lo, hi); }
        @Override public int projectedSignStep(long out, long x, long origin, long gradient, long count, float alpha, float epsilon, float lo, float hi) { return GradsignCuda.gradsign_projected_sign_step(out, x, origin, gradient, count, alpha, epsilon, lo, hi); }
        @Override public int l2Step(long out, long x, long origin, long gradient, long batch, long sampleSize, float alpha, float epsilon, float lo, float hi) { return GradsignCuda.gradsign_l2_step(out, x, origin, gradient, batch, sampleSize, alpha, epsilon, lo, hi); }
        @Override public int momentumSignStep(long out, long momentum, long x, long origin, long gradient, long batch, long sampleSize, float decay, float alpha, float epsilon, float lo, float hi) { return GradsignCuda.gradsign_momentum_sign_step(out, momentum, x, origin, gradient, batch, sampleSize, decay, alpha, epsilon, lo, hi); }
        @Override public int apgdStep(long next, long current, long previous, long origin, long gradient, long stepSizes, long batch, long sampleSize, float momentum, float epsilon, float lo, float hi) { return GradsignCuda.gradsign_apgd_step(next, current, previous, origin, gradient, stepSizes, batch, sampleSize, momentum, epsilon, lo, hi); }
        @Override public int dlrLoss(long losses, long dlogits, long logits, long labels, long targets, int batch, int classes, float gradientScale) { return GradsignCuda.gradsign_dlr_loss(losses, dlogits, logits, labels, targets, batch, classes, gradientScale); }
        @Override public int cwMargin(long losses, long dlogits, long logits, long labels, long scales, int batch, int classes, float kappa, boolean targeted) { return GradsignCuda.gradsign_cw_margin(losses, dlogits, logits, labels, scales, batch, classes, kappa, targeted ? 1 : 0); }
        @Override public int cwAdamStep(long w, long m, long v, long adversarial, long origin, long gradient, long count, float learningRate, float beta1, float beta2, float correction1, float correction2, float eps, float lo, float hi) { return GradsignCuda.gradsign_cw_adam_step(w, m, v, adversarial, origin, gradient, count, learningRate, beta1, beta2, correction1, correction2, eps, lo, hi); }
        @Override public int sampleNorms(long l1, long l2, long linf, long a, long b, long batch, long sampleSize) { return GradsignCuda.gradsign_sample_norms(l1, l2, linf, a, b, batch, sampleSize); }
        @Override public int copyRows(long destination, int[] destinationRows, long source, int[] sourceRows, long count, long rowLength) { return GradsignCuda.gradsign_copy_rows(destination, destinationRows, source, sourceRows, count, rowLength); }
        @Override public int denseScratchBytes(long[] bytes) { return GradsignCuda.gradsign_dense_scratch_bytes(bytes); }
        @Override public int denseForward(long y, long x, long weights, long bias, int batch, int inFeatures, int outFeatures, int activation, long scratch) { return GradsignCuda.gradsign_dense_forward(y, x, weights, bias, batch, inFeatures, outFeatures, activation, scratch); }
        @Override public int denseBackwardInput(long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, long scratch) { return GradsignCuda.gradsign_dense_backward_input(dx, dy, weights, batch, inFeatures, outFeatures, scratch); }
        @Override public int denseBackwardInputActivation(long dx, long dy, long weights, long below, int activation, int batch, int inFeatures, int outFeatures, long scratch) { return GradsignCuda.gradsign_dense_backward_input_activation(dx, dy, weights, below, activation, batch, inFeatures, outFeatures, scratch); }
        @Override public int denseBackwardInputSignStep(long out, long x, long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, float epsilon, float lo, float hi, long scratch) { return GradsignCuda.gradsign_dense_backward_input_sign_step(out, x, dx, dy, weights, batch, inFeatures, outFeatures, epsilon, lo, hi, scratch); }
        @Override public int denseBackwardWeights(long dweights, long dbias, long dy, long x, int batch, int inFeatures, int outFeatures, long scratch) { return GradsignCuda.gradsign_dense_backward_weights(dweights, dbias, dy, x, batch, inFeatures, outFeatures, scratch); }
        @Override public int activationForward(long y, long x, long count, int activation) { return GradsignCuda.gradsign_activation_forward(y, x, count, activation); }
        @Override public int activationBackward(long dpre, long dy, long y, long count, int activation) { return GradsignCuda.gradsign_activation_backward(dpre, dy, y, count, activation); }
        @Override public int conv2dForward(long y, long x, long weights, long bias, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW, int activation) { return GradsignCuda.gradsign_conv2d_forward(y, x, weights, bias, n, c, h, w, k, r, s, strideH, strideW, padH, padW, activation); }
        @Override public int conv2dBackwardInput(long dx, long dy, long weights, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) { return GradsignCuda.gradsign_conv2d_backward_input(dx, dy, weights, n, c, h, w, k, r, s, strideH, strideW, padH, padW); }
        @Override public int conv2dBackwardWeights(long dweights, long dbias, long dy, long x, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) { return GradsignCuda.gradsign_conv2d_backward_weights(dweights, dbias, dy, x, n, c, h, w, k, r, s, strideH, strideW, padH, padW); }
        @Override public int maxPool2dForward(long y, long argmax, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCuda.gradsign_max_pool2d_forward(y, argmax, x, n, c, h, w, kh, kw, sh, sw); }
        @Override public int maxPool2dBackward(long dx, long dy, long argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCuda.gradsign_max_pool2d_backward(dx, dy, argmax, n, c, h, w, kh, kw, sh, sw); }
        @Override public int avgPool2dForward(long y, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCuda.gradsign_avg_pool2d_forward(y, x, n, c, h, w, kh, kw, sh, sw); }
        @Override public int avgPool2dBackward(long dx, long dy, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCuda.gradsign_avg_pool2d_backward(dx, dy, n, c, h, w, kh, kw, sh, sw); }
        @Override public int softmaxCrossEntropy(long probabilities, long losses, long dlogits, long logits, long labels, int batch, int classes, float gradientScale) { return GradsignCuda.gradsign_softmax_cross_entropy(probabilities, losses, dlogits, logits, labels, batch, classes, gradientScale); }
        @Override public int softmaxKl(long losses, long dp, long dq, long pLogits, long qLogits, int batch, int classes, float gradientScale) { return GradsignCuda.gradsign_softmax_kl(losses, dp, dq, pLogits, qLogits, batch, classes, gradientScale); }
        @Override public int softmaxEntropy(long entropies, long dlogits, long logits, int batch, int classes, float gradientScale) { return GradsignCuda.gradsign_softmax_entropy(entropies, dlogits, logits, batch, classes, gradientScale); }

        @Override public int sgdMomentum(long parameters, long velocity, long gradient, long count, float learningRate, float momentum, float weightDecay) { return GradsignCuda.gradsign_sgd_momentum(parameters, velocity, gradient, count, learningRate, momentum, weightDecay); }
        @Override public int combine(long out, float a, long x, float b, long y, long count, float lo, float hi) { return GradsignCuda.gradsign_combine(out, a, x, b, y, count, lo, hi); }
        @Override public int l2Normalize(long out, long origin, long v, long batch, long sampleSize, float scale) { return GradsignCuda.gradsign_l2_normalize(out, origin, v, batch, sampleSize, scale); }
        @Override public int randomUniform(long out, long count, long seed, long stream, float low, float high) { return GradsignCuda.gradsign_random_uniform(out, count, seed, stream, low, high); }
        @Override public int randomNormal(long out, long count, long seed, long stream) { return GradsignCuda.gradsign_random_normal(out, count, seed, stream); }
    }

    /** libgradsign_emu; loading happens once, on first use of this class. */
    final class Emulated implements CudaLibrary {
        static final Emulated INSTANCE = load();

        private static Emulated load() {
            Loader.load(GradsignCudaEmulated.class);
            return new Emulated();
        }

        private Emulated() {}

        @Override public boolean isEmulated() { return true; }
        @Override public String statusName(int status) { return GradsignCudaEmulated.gradsign_status_name(status); }
        @Override public String lastErrorMessage() { return GradsignCudaEmulated.gradsign_last_error_message(); }
        @Override public String buildInfo() { return GradsignCudaEmulated.gradsign_build_info(); }
        @Override public int deviceCount(int[] count) { return GradsignCudaEmulated.gradsign_device_count(count); }
        @Override public int deviceProperties(int device, byte[] name, long[] values) { return GradsignCudaEmulated.gradsign_device_properties(device, name, values); }
        @Override public int memoryInfo(long[] freeBytes, long[] totalBytes) { return GradsignCudaEmulated.gradsign_memory_info(freeBytes, totalBytes); }
        @Override public int malloc(long[] address, long bytes) { return GradsignCudaEmulated.gradsign_malloc(address, bytes); }
        @Override public int free(long address) { return GradsignCudaEmulated.gradsign_free(address); }
        @Override public int copyToDevice(long destination, float[] source, long sourceOffset, long count) { return GradsignCudaEmulated.gradsign_copy_to_device_from(destination, source, sourceOffset, count); }
        @Override public int copyToHost(float[] destination, long destinationOffset, long source, long count) { return GradsignCudaEmulated.gradsign_copy_to_host_into(destination, destinationOffset, source, count); }
        @Override public int copyIntsToDevice(long destination, int[] source, long sourceOffset, long count) { return GradsignCudaEmulated.gradsign_copy_ints_to_device_from(destination, source, sourceOffset, count); }
        @Override public int copyIntsToHost(int[] destination, long destinationOffset, long source, long count) { return GradsignCudaEmulated.gradsign_copy_ints_to_host_into(destination, destinationOffset, source, count); }
        @Override public int copyOnDevice(long destination, long source, long bytes) { return GradsignCudaEmulated.gradsign_copy_on_device(destination, source, bytes); }
        @Override public int memset(long destination, int value, long bytes) { return GradsignCudaEmulated.gradsign_memset(destination, value, bytes); }
        @Override public int synchronize() { return GradsignCudaEmulated.gradsign_synchronize(); }
        @Override public int signStep(long out, long x, long gradient, long count, float epsilon, float lo, float hi) { return GradsignCudaEmulated.gradsign_sign_step(out, x, gradient, count, epsilon, lo, hi); }
        @Override public int projectedSignStep(long out, long x, long origin, long gradient, long count, float alpha, float epsilon, float lo, float hi) { return GradsignCudaEmulated.gradsign_projected_sign_step(out, x, origin, gradient, count, alpha, epsilon, lo, hi); }
        @Override public int l2Step(long out, long x, long origin, long gradient, long batch, long sampleSize, float alpha, float epsilon, float lo, float hi) { return GradsignCudaEmulated.gradsign_l2_step(out, x, origin, gradient, batch, sampleSize, alpha, epsilon, lo, hi); }
        @Override public int momentumSignStep(long out, long momentum, long x, long origin, long gradient, long batch, long sampleSize, float decay, float alpha, float epsilon, float lo, float hi) { return GradsignCudaEmulated.gradsign_momentum_sign_step(out, momentum, x, origin, gradient, batch, sampleSize, decay, alpha, epsilon, lo, hi); }
        @Override public int apgdStep(long next, long current, long previous, long origin, long gradient, long stepSizes, long batch, long sampleSize, float momentum, float epsilon, float lo, float hi) { return GradsignCudaEmulated.gradsign_apgd_step(next, current, previous, origin, gradient, stepSizes, batch, sampleSize, momentum, epsilon, lo, hi); }
        @Override public int dlrLoss(long losses, long dlogits, long logits, long labels, long targets, int batch, int classes, float gradientScale) { return GradsignCudaEmulated.gradsign_dlr_loss(losses, dlogits, logits, labels, targets, batch, classes, gradientScale); }
        @Override public int cwMargin(long losses, long dlogits, long logits, long labels, long scales, int batch, int classes, float kappa, boolean targeted) { return GradsignCudaEmulated.gradsign_cw_margin(losses, dlogits, logits, labels, scales, batch, classes, kappa, targeted ? 1 : 0); }
        @Override public int cwAdamStep(long w, long m, long v, long adversarial, long origin, long gradient, long count, float learningRate, float beta1, float beta2, float correction1, float correction2, float eps, float lo, float hi) { return GradsignCudaEmulated.gradsign_cw_adam_step(w, m, v, adversarial, origin, gradient, count, learningRate, beta1, beta2, correction1, correction2, eps, lo, hi); }
        @Override public int sampleNorms(long l1, long l2, long linf, long a, long b, long batch, long sampleSize) { return GradsignCudaEmulated.gradsign_sample_norms(l1, l2, linf, a, b, batch, sampleSize); }
        @Override public int copyRows(long destination, int[] destinationRows, long source, int[] sourceRows, long count, long rowLength) { return GradsignCudaEmulated.gradsign_copy_rows(destination, destinationRows, source, sourceRows, count, rowLength); }
        @Override public int denseScratchBytes(long[] bytes) { return GradsignCudaEmulated.gradsign_dense_scratch_bytes(bytes); }
        @Override public int denseForward(long y, long x, long weights, long bias, int batch, int inFeatures, int outFeatures, int activation, long scratch) { return GradsignCudaEmulated.gradsign_dense_forward(y, x, weights, bias, batch, inFeatures, outFeatures, activation, scratch); }
        @Override public int denseBackwardInput(long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, long scratch) { return GradsignCudaEmulated.gradsign_dense_backward_input(dx, dy, weights, batch, inFeatures, outFeatures, scratch); }
        @Override public int denseBackwardInputActivation(long dx, long dy, long weights, long below, int activation, int batch, int inFeatures, int outFeatures, long scratch) { return GradsignCudaEmulated.gradsign_dense_backward_input_activation(dx, dy, weights, below, activation, batch, inFeatures, outFeatures, scratch); }
        @Override public int denseBackwardInputSignStep(long out, long x, long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, float epsilon, float lo, float hi, long scratch) { return GradsignCudaEmulated.gradsign_dense_backward_input_sign_step(out, x, dx, dy, weights, batch, inFeatures, outFeatures, epsilon, lo, hi, scratch); }
        @Override public int denseBackwardWeights(long dweights, long dbias, long dy, long x, int batch, int inFeatures, int outFeatures, long scratch) { return GradsignCudaEmulated.gradsign_dense_backward_weights(dweights, dbias, dy, x, batch, inFeatures, outFeatures, scratch); }
        @Override public int activationForward(long y, long x, long count, int activation) { return GradsignCudaEmulated.gradsign_activation_forward(y, x, count, activation); }
        @Override public int activationBackward(long dpre, long dy, long y, long count, int activation) { return GradsignCudaEmulated.gradsign_activation_backward(dpre, dy, y, count, activation); }
        @Override public int conv2dForward(long y, long x, long weights, long bias, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW, int activation) { return GradsignCudaEmulated.gradsign_conv2d_forward(y, x, weights, bias, n, c, h, w, k, r, s, strideH, strideW, padH, padW, activation); }
        @Override public int conv2dBackwardInput(long dx, long dy, long weights, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) { return GradsignCudaEmulated.gradsign_conv2d_backward_input(dx, dy, weights, n, c, h, w, k, r, s, strideH, strideW, padH, padW); }
        @Override public int conv2dBackwardWeights(long dweights, long dbias, long dy, long x, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) { return GradsignCudaEmulated.gradsign_conv2d_backward_weights(dweights, dbias, dy, x, n, c, h, w, k, r, s, strideH, strideW, padH, padW); }
        @Override public int maxPool2dForward(long y, long argmax, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCudaEmulated.gradsign_max_pool2d_forward(y, argmax, x, n, c, h, w, kh, kw, sh, sw); }
        @Override public int maxPool2dBackward(long dx, long dy, long argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCudaEmulated.gradsign_max_pool2d_backward(dx, dy, argmax, n, c, h, w, kh, kw, sh, sw); }
        @Override public int avgPool2dForward(long y, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCudaEmulated.gradsign_avg_pool2d_forward(y, x, n, c, h, w, kh, kw, sh, sw); }
        @Override public int avgPool2dBackward(long dx, long dy, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return GradsignCudaEmulated.gradsign_avg_pool2d_backward(dx, dy, n, c, h, w, kh, kw, sh, sw); }
        @Override public int softmaxCrossEntropy(long probabilities, long losses, long dlogits, long logits, long labels, int batch, int classes, float gradientScale) { return GradsignCudaEmulated.gradsign_softmax_cross_entropy(probabilities, losses, dlogits, logits, labels, batch, classes, gradientScale); }
        @Override public int softmaxKl(long losses, long dp, long dq, long pLogits, long qLogits, int batch, int classes, float gradientScale) { return GradsignCudaEmulated.gradsign_softmax_kl(losses, dp, dq, pLogits, qLogits, batch, classes, gradientScale); }
        @Override public int softmaxEntropy(long entropies, long dlogits, long logits, int batch, int classes, float gradientScale) { return GradsignCudaEmulated.gradsign_softmax_entropy(entropies, dlogits, logits, batch, classes, gradientScale); }

        @Override public int sgdMomentum(long parameters, long velocity, long gradient, long count, float learningRate, float momentum, float weightDecay) { return GradsignCudaEmulated.gradsign_sgd_momentum(parameters, velocity, gradient, count, learningRate, momentum, weightDecay); }
        @Override public int combine(long out, float a, long x, float b, long y, long count, float lo, float hi) { return GradsignCudaEmulated.gradsign_combine(out, a, x, b, y, count, lo, hi); }
        @Override public int l2Normalize(long out, long origin, long v, long batch, long sampleSize, float scale) { return GradsignCudaEmulated.gradsign_l2_normalize(out, origin, v, batch, sampleSize, scale); }
        @Override public int randomUniform(long out, long count, long seed, long stream, float low, float high) { return GradsignCudaEmulated.gradsign_random_uniform(out, count, seed, stream, low, high); }
        @Override public int randomNormal(long out, long count, long seed, long stream) { return GradsignCudaEmulated.gradsign_random_normal(out, count, seed, stream); }
    }
}

package io.gradsign.cuda.bindings;

import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * Bindings to libgradsign, the C API over the real CUDA runtime (statically linked).
 *
 * <p>JavaCPP generates the JNI code of this class. Each native method is the C function of
 * {@code native/include/gradsign.h} with the same name; read that header for what each does. The
 * class is loaded by {@link io.gradsign.cuda.CudaLibrary}, never used directly.
 */
@Platform(include = {"gradsign.h", "gradsign_java.h"}, link = "gradsign")
public final class GradsignCuda {
    private GradsignCuda() {}

    public static native String gradsign_status_name(int status);

    public static native String gradsign_last_error_message();

    public static native String gradsign_build_info();

    public static native int gradsign_device_count(int[] count);

    public static native int gradsign_device_properties(int device, @Cast("char*") byte[] name, @Cast("long long*") long[] values);

    public static native int gradsign_set_device(int device);

    public static native int gradsign_memory_info(@Cast("long long*") long[] freeBytes, @Cast("long long*") long[] totalBytes);

    public static native int gradsign_malloc(@Cast("gradsign_address*") long[] address, long bytes);

    public static native int gradsign_free(@Cast("gradsign_address") long address);

    @CriticalRegion
    public static native int gradsign_copy_to_device_from(@Cast("gradsign_address") long destination, @Cast("const float*") float[] source, long sourceOffset, long count);

    @CriticalRegion
    public static native int gradsign_copy_to_host_into(float[] destination, long destinationOffset, @Cast("gradsign_address") long source, long count);

    @CriticalRegion
    public static native int gradsign_copy_ints_to_device_from(@Cast("gradsign_address") long destination, @Cast("const int*") int[] source, long sourceOffset, long count);

    @CriticalRegion
    public static native int gradsign_copy_ints_to_host_into(int[] destination, long destinationOffset, @Cast("gradsign_address") long source, long count);

    public static native int gradsign_copy_on_device(@Cast("gradsign_address") long destination, @Cast("gradsign_address") long source, long bytes);

    public static native int gradsign_memset(@Cast("gradsign_address") long destination, int value, long bytes);

    public static native int gradsign_synchronize();

    public static native int gradsign_sign_step(@Cast("gradsign_address") long out, @Cast("gradsign_address") long x, @Cast("gradsign_address") long gradient, long count, float epsilon, float lo, float hi);

    public static native int gradsign_projected_sign_step(@Cast("gradsign_address") long out, @Cast("gradsign_address") long x, @Cast("gradsign_address") long origin, @Cast("gradsign_address") long gradient, long count, float alpha, float epsilon, float lo, float hi);

    public static native int gradsign_l2_step(@Cast("gradsign_address") long out, @Cast("gradsign_address") long x, @Cast("gradsign_address") long origin, @Cast("gradsign_address") long gradient, long batch, long sampleSize, float alpha, float epsilon, float lo, float hi);

    public static native int gradsign_momentum_sign_step(@Cast("gradsign_address") long out, @Cast("gradsign_address") long momentum, @Cast("gradsign_address") long x, @Cast("gradsign_address") long origin, @Cast("gradsign_address") long gradient, long batch, long sampleSize, float decay, float alpha, float epsilon, float lo, float hi);

    public static native int gradsign_apgd_step(@Cast("gradsign_address") long next, @Cast("gradsign_address") long current, @Cast("gradsign_address") long previous, @Cast("gradsign_address") long origin, @Cast("gradsign_address") long gradient, @Cast("gradsign_address") long stepSizes, long batch, long sampleSize, float momentum, float epsilon, float lo, float hi);

    public static native int gradsign_dlr_loss(@Cast("gradsign_address") long losses, @Cast("gradsign_address") long dlogits, @Cast("gradsign_address") long logits, @Cast("gradsign_address") long labels, @Cast("gradsign_address") long targets, int batch, int classes, float gradientScale);

    public static native int gradsign_cw_margin(@Cast("gradsign_address") long losses, @Cast("gradsign_address") long dlogits, @Cast("gradsign_address") long logits, @Cast("gradsign_address") long labels, @Cast("gradsign_address") long scales, int batch, int classes, float kappa, int targeted);

    public static native int gradsign_cw_adam_step(@Cast("gradsign_address") long w, @Cast("gradsign_address") long m, @Cast("gradsign_address") long v, @Cast("gradsign_address") long adversarial, @Cast("gradsign_address") long origin, @Cast("gradsign_address") long gradient, long count, float learningRate, float beta1, float beta2, float correction1, float correction2, float eps, float lo, float hi);

    public static native int gradsign_sample_norms(@Cast("gradsign_address") long l1, @Cast("gradsign_address") long l2, @Cast("gradsign_address") long linf, @Cast("gradsign_address") long a, @Cast("gradsign_address") long b, long batch, long sampleSize);

    public static native int gradsign_copy_rows(@Cast("gradsign_address") long destination, @Cast("const int*") int[] destinationRows, @Cast("gradsign_address") long source, @Cast("const int*") int[] sourceRows, long count, long rowLength);

    public static native int gradsign_dense_scratch_bytes(@Cast("long long*") long[] bytes);

    public static native int gradsign_dense_forward(@Cast("gradsign_address") long y, @Cast("gradsign_address") long x, @Cast("gradsign_address") long weights, @Cast("gradsign_address") long bias, int batch, int inFeatures, int outFeatures, int activation, @Cast("gradsign_address") long scratch);

    public static native int gradsign_dense_backward_input(@Cast("gradsign_address") long dx, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long weights, int batch, int inFeatures, int outFeatures, @Cast("gradsign_address") long scratch);

    public static native int gradsign_dense_backward_input_activation(@Cast("gradsign_address") long dx, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long weights, @Cast("gradsign_address") long below, int activation, int batch, int inFeatures, int outFeatures, @Cast("gradsign_address") long scratch);

    public static native int gradsign_dense_backward_input_sign_step(@Cast("gradsign_address") long out, @Cast("gradsign_address") long x, @Cast("gradsign_address") long dx, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long weights, int batch, int inFeatures, int outFeatures, float epsilon, float lo, float hi, @Cast("gradsign_address") long scratch);

    public static native int gradsign_dense_backward_weights(@Cast("gradsign_address") long dweights, @Cast("gradsign_address") long dbias, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long x, int batch, int inFeatures, int outFeatures, @Cast("gradsign_address") long scratch);

    public static native int gradsign_activation_forward(@Cast("gradsign_address") long y, @Cast("gradsign_address") long x, long count, int activation);

    public static native int gradsign_activation_backward(@Cast("gradsign_address") long dpre, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long y, long count, int activation);

    public static native int gradsign_conv2d_forward(@Cast("gradsign_address") long y, @Cast("gradsign_address") long x, @Cast("gradsign_address") long weights, @Cast("gradsign_address") long bias, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW, int activation);

    public static native int gradsign_conv2d_backward_input(@Cast("gradsign_address") long dx, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long weights, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW);

    public static native int gradsign_conv2d_backward_weights(@Cast("gradsign_address") long dweights, @Cast("gradsign_address") long dbias, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long x, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW);

    public static native int gradsign_max_pool2d_forward(@Cast("gradsign_address") long y, @Cast("gradsign_address") long argmax, @Cast("gradsign_address") long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    public static native int gradsign_max_pool2d_backward(@Cast("gradsign_address") long dx, @Cast("gradsign_address") long dy, @Cast("gradsign_address") long argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    public static native int gradsign_avg_pool2d_forward(@Cast("gradsign_address") long y, @Cast("gradsign_address") long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    public static native int gradsign_avg_pool2d_backward(@Cast("gradsign_address") long dx, @Cast("gradsign_address") long dy, int n, int c, int h, int w, int kh, int kw, int sh, int sw);

    public static native int gradsign_softmax_cross_entropy(@Cast("gradsign_address") long probabilities, @Cast("gradsign_address") long losses, @Cast("gradsign_address") long dlogits, @Cast("gradsign_address") long logits, @Cast("gradsign_address") long labels, int batch, int classes, float gradientScale);

    public static native int gradsign_softmax_kl(@Cast("gradsign_address") long losses, @Cast("gradsign_address") long dp, @Cast("gradsign_address") long dq, @Cast("gradsign_address") long pLogits, @Cast("gradsign_address") long qLogits, int batch, int classes, float gradientScale);

    public static native int gradsign_softmax_entropy(@Cast("gradsign_address") long entropies, @Cast("gradsign_address") long dlogits, @Cast("gradsign_address") long logits, int batch, int classes, float gradientScale);

    public static native int gradsign_sgd_momentum(@Cast("gradsign_address") long parameters, @Cast("gradsign_address") long velocity, @Cast("gradsign_address") long gradient, long count, float learningRate, float momentum, float weightDecay);

    public static native int gradsign_combine(@Cast("gradsign_address") long out, float a, @Cast("gradsign_address") long x, float b, @Cast("gradsign_address") long y, long count, float lo, float hi);

    public static native int gradsign_l2_normalize(@Cast("gradsign_address") long out, @Cast("gradsign_address") long origin, @Cast("gradsign_address") long v, long batch, long sampleSize, float scale);

    public static native int gradsign_random_uniform(@Cast("gradsign_address") long out, long count, long seed, long stream, float low, float high);

    public static native int gradsign_random_normal(@Cast("gradsign_address") long out, long count, long seed, long stream);
}

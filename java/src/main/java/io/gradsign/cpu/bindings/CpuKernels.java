package io.gradsign.cpu.bindings;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The CPU backend's own kernels (native/cpu, linked into this binding's JNI library) on Java arrays
 * in place: a batch's dense products over weights packed once, with the step's element-wise work
 * in their epilogues; one sample's dense forward pass (over the weights, or over their transpose skipping the
 * zero inputs) and backward pass to the input (which skips the rows whose gradient is zero), the
 * element-wise work between them (ReLU, the gradient at a layer's outputs), the fused sign step, the
 * scan for non-finite inputs, pooling, convolutions at stride 1. Each call covers a range of rows or elements, so the Java side splits
 * the work over cores; see native/include/gradsign_cpu.h.
 */
@Platform(include = "gradsign_cpu_java.h")
public final class CpuKernels {
    static {
        Loader.load();
    }

    /** The activations of gradsign_cpu_activation_gradient (gradsign_cpu.h). */
    public static final int GRADSIGN_CPU_ACTIVATION_NONE = 0;
    public static final int GRADSIGN_CPU_ACTIVATION_RELU = 1;

    /** The epilogues of gradsign_cpu_packed_gemm (gradsign_cpu.h). */
    public static final int GRADSIGN_CPU_EPILOGUE_NONE = 0;
    public static final int GRADSIGN_CPU_EPILOGUE_RELU = 1;
    public static final int GRADSIGN_CPU_EPILOGUE_RELU_GRADIENT = 2;
    public static final int GRADSIGN_CPU_EPILOGUE_SIGN_STEP = 3;

    private CpuKernels() {}

    /** y[r] = bias[r] + sum over c &lt; in of weights[r, c] x[c] for r in [rowFrom, rowTo). */
    @CriticalRegion
    public static native void gradsign_cpu_dense_forward_one_at(float[] y, long yOffset,
                                                                @Cast("const float*") float[] weights,
                                                                long weightsOffset, @Cast("const float*") float[] bias,
                                                                long biasOffset, @Cast("const float*") float[] x,
                                                                long xOffset, int in, int rowFrom, int rowTo);

    /**
     * y[r] = bias[r] + sum over c &lt; in with x[c] != 0 of x[c] weightsT[c, r] for r in [rowFrom, rowTo):
     * the forward pass over transposed weights (in, out) at weightsTOffset, skipping the zero inputs;
     * each row's terms added in ascending c, so the bits do not depend on the split.
     */
    @CriticalRegion
    public static native void gradsign_cpu_dense_forward_one_transposed_at(float[] y, long yOffset,
                                                                           @Cast("const float*") float[] weightsT,
                                                                           long weightsTOffset,
                                                                           @Cast("const float*") float[] bias,
                                                                           long biasOffset,
                                                                           @Cast("const float*") float[] x,
                                                                           long xOffset, int in, int out, int rowFrom,
                                                                           int rowTo);

    /**
     * dx[i] = sum over r in [rowFrom, rowTo) of weightsT[i, r] dy[r] for every i &lt; in with below[i] != 0,
     * 0 for the others: the backward pass over transposed weights (in, out) at weightsTOffset, one row
     * range's share, each dx[i] a dot product in a fixed order (see gradsign_cpu.h).
     */
    @CriticalRegion
    public static native void gradsign_cpu_dense_backward_input_transposed_at(float[] dx, long dxOffset,
                                                                              @Cast("const float*") float[] weightsT,
                                                                              long weightsTOffset,
                                                                              @Cast("const float*") float[] dy,
                                                                              long dyOffset,
                                                                              @Cast("const float*") float[] below,
                                                                              long belowOffset, int in, int out,
                                                                              int rowFrom, int rowTo);

    /**
     * dx[c] = sum over r in [rowFrom, rowTo) of dy[r] weights[r, c] for every c &lt; in (one row range's
     * share); rows with dy[r] == 0 are skipped, rows visited last to first.
     */
    @CriticalRegion
    public static native void gradsign_cpu_dense_backward_input_rows_at(float[] dx, long dxOffset,
                                                                        @Cast("const float*") float[] weights,
                                                                        long weightsOffset,
                                                                        @Cast("const float*") float[] dy,
                                                                        long dyOffset, int in, int rowFrom, int rowTo);

    /** y[i] = Math.max(y[i], 0f) for i &lt; count, the bits of Java's max. */
    @CriticalRegion
    public static native void gradsign_cpu_relu_at(float[] y, long yOffset, long count);

    /**
     * dy[i] = (dy[i] + shares[shareStride p + i] for p &lt; shareCount, in order) f'(y[i]) for i &lt; count,
     * with f' the derivative from the output of activation code 0 (none: 1) or 1 (relu), as
     * ActivationBackward computes it; shares may be null when shareCount is 0, y when activation is 0.
     */
    @CriticalRegion
    public static native void gradsign_cpu_activation_gradient_at(float[] dy, long dyOffset,
                                                                   @Cast("const float*") float[] shares,
                                                                   long sharesOffset, long shareStride, int shareCount,
                                                                   @Cast("const float*") float[] y, long yOffset,
                                                                   int activation, long count);

    /** SGD with momentum and weight decay for i &lt; count, each operation rounded on its own; the CUDA kernel's bits. */
    @CriticalRegion
    public static native void gradsign_cpu_sgd_momentum_at(float[] parameters, long parametersOffset, float[] velocity,
                                                           long velocityOffset, @Cast("const float*") float[] gradient,
                                                           long gradientOffset, long count, float learningRate,
                                                           float momentum, float weightDecay);

    /** out[i] = clip(x[i] + epsilon sign(gradient[i]), lo, hi) for i &lt; count; the CUDA kernel's bits. */
    @CriticalRegion
    public static native void gradsign_cpu_sign_step_at(float[] out, long outOffset, @Cast("const float*") float[] x,
                                                        long xOffset, @Cast("const float*") float[] gradient,
                                                        long gradientOffset, long count, float epsilon, float lo,
                                                        float hi);

    /** out[i] = ProjectedSignStep.projectedSignStepOne(x[i], origin[i], gradient[i], ...) for i &lt; count; the CUDA kernel's bits. */
    @CriticalRegion
    public static native void gradsign_cpu_projected_sign_step_at(float[] out, long outOffset,
                                                                  @Cast("const float*") float[] x, long xOffset,
                                                                  @Cast("const float*") float[] origin,
                                                                  long originOffset,
                                                                  @Cast("const float*") float[] gradient,
                                                                  long gradientOffset, long count, float alpha,
                                                                  float epsilon, float lo, float hi);

    /**
     * y and argmax (planes, P, Q) = the max pool of x (planes, height, width), no padding, floor mode,
     * by the rules of {@link io.gradsign.cpu.Pooling} (see gradsign_cpu.h); argmax within each plane.
     */
    @CriticalRegion
    public static native void gradsign_cpu_max_pool2d_forward_at(float[] y, long yOffset, int[] argmax,
                                                                 long argmaxOffset, @Cast("const float*") float[] x,
                                                                 long xOffset, int planes, int height, int width,
                                                                 int kernelHeight, int kernelWidth, int strideHeight,
                                                                 int strideWidth);

    /** dx (planes, height, width), overwritten: 0 plus dy of each window at its argmax, windows row-major. */
    @CriticalRegion
    public static native void gradsign_cpu_max_pool2d_backward_at(float[] dx, long dxOffset,
                                                                  @Cast("const float*") float[] dy, long dyOffset,
                                                                  @Cast("const int*") int[] argmax, long argmaxOffset,
                                                                  int planes, int height, int width, int kernelHeight,
                                                                  int kernelWidth, int strideHeight, int strideWidth);

    /** y (planes, P, Q) = (0 + each window's elements row-major) / (float) (kernelHeight kernelWidth). */
    @CriticalRegion
    public static native void gradsign_cpu_avg_pool2d_forward_at(float[] y, long yOffset,
                                                                 @Cast("const float*") float[] x, long xOffset,
                                                                 int planes, int height, int width, int kernelHeight,
                                                                 int kernelWidth, int strideHeight, int strideWidth);

    /** dx (planes, height, width), overwritten: 0 plus dy / (float) (kernelHeight kernelWidth) of each window over it. */
    @CriticalRegion
    public static native void gradsign_cpu_avg_pool2d_backward_at(float[] dx, long dxOffset,
                                                                  @Cast("const float*") float[] dy, long dyOffset,
                                                                  int planes, int height, int width, int kernelHeight,
                                                                  int kernelWidth, int strideHeight, int strideWidth);

    /**
     * out (outChannels, outHeight, outWidth), rows [rowFrom, rowTo) = activation (0 none, 1 relu) of
     * bias (null: 0) plus the stride-1 correlation of inPadded (inChannels, outHeight + kh - 1,
     * outWidth + kw - 1, then the slack) with weightsT (see gradsign_cpu.h, gradsign_cpu_conv2d_padded).
     */
    @CriticalRegion
    public static native void gradsign_cpu_conv2d_padded_at(float[] out, long outOffset,
                                                            @Cast("const float*") float[] inPadded, long inOffset,
                                                            @Cast("const float*") float[] weightsT, long weightsOffset,
                                                            @Cast("const float*") float[] bias, long biasOffset,
                                                            int inChannels, int outChannels, int kernelHeight,
                                                            int kernelWidth, int outHeight, int outWidth,
                                                            int activation, int rowFrom, int rowTo);

    /** inPadded (channels, paddedHeight, paddedWidth, then the slack) = x (channels, height, width) at (top, left), 0 around. */
    @CriticalRegion
    public static native void gradsign_cpu_conv2d_pad_at(float[] inPadded, long inOffset,
                                                         @Cast("const float*") float[] x, long xOffset, int channels,
                                                         int height, int width, int top, int left, int paddedHeight,
                                                         int paddedWidth);

    /**
     * weightsT for gradsign_cpu_conv2d_padded_at's output channels [channelFrom, channelTo), from weights
     * (out, in, kh, kw): flip 0 forward, 1 the backward pass to the input.
     */
    @CriticalRegion
    public static native void gradsign_cpu_conv2d_weights_at(float[] weightsT, long weightsTOffset,
                                                             @Cast("const float*") float[] weights, long weightsOffset,
                                                             int outChannels, int inChannels, int kernelHeight,
                                                             int kernelWidth, int flip, int channelFrom,
                                                             int channelTo);

    /**
     * dBias[k] for k in [channelFrom, channelTo) = the sum of dy (batch, channels, plane) over the batch
     * and the plane, in double in a fixed order (see gradsign_cpu.h), rounded once.
     */
    @CriticalRegion
    public static native void gradsign_cpu_conv2d_bias_gradient_at(float[] dBias, long dBiasOffset,
                                                                   @Cast("const float*") float[] dy, long dyOffset,
                                                                   int batch, int channels, int plane, int channelFrom,
                                                                   int channelTo);

    /**
     * dWeights[kFrom:kTo] (out, in, kh, kw) = the weight gradient at stride 1 of dy (batch, out, P, Q) at
     * x (batch, in, height, width) padded by (padHeight, padWidth), overwritten; scratch of
     * gradsign_cpu_conv2d_weights_gradient_scratch floats (see gradsign_cpu.h).
     */
    @CriticalRegion
    public static native void gradsign_cpu_conv2d_weights_gradient_at(float[] dWeights, long dWeightsOffset,
                                                                      @Cast("const float*") float[] dy, long dyOffset,
                                                                      @Cast("const float*") float[] x, long xOffset,
                                                                      float[] scratch, int batch, int inChannels,
                                                                      int height, int width, int outChannels,
                                                                      int kernelHeight, int kernelWidth, int padHeight,
                                                                      int padWidth, int kFrom, int kTo);

    /** The floats of scratch the weight gradient at stride 1 needs for {@code kCount} output channels. */
    public static native long gradsign_cpu_conv2d_weights_gradient_scratch(int inChannels, int kernelHeight,
                                                                           int kernelWidth, int outHeight,
                                                                           int outWidth, int kCount);

    /** The row length of weightsT for a convolution of {@code outChannels} outputs. */
    public static native int gradsign_cpu_conv2d_weights_stride(int outChannels);

    /** The floats after a padded input of rows of {@code paddedWidth} that the convolution reads. */
    public static native int gradsign_cpu_conv2d_slack(int paddedWidth);

    /** The index (from offset) of the first infinite or NaN value among count, -1 if there is none. */
    @CriticalRegion
    public static native long gradsign_cpu_first_non_finite_at(@Cast("const float*") float[] values, long offset,
                                                               long count);

    /**
     * How many floats from element 0 of {@code values} the next 64-byte cache line starts, where the
     * array lies now (the garbage collector may move it; only speed depends on it, never a result).
     */
    @CriticalRegion
    public static native int gradsign_cpu_line_offset(@Cast("const float*") float[] values);

    /** The floats of B (k, n) packed for gradsign_cpu_packed_gemm: k times n rounded up to 16. */
    public static native long gradsign_cpu_packed_size(int k, int n);

    /**
     * packed = B (k, n) in panels of 32 columns (see gradsign_cpu.h): B[kk][j] = b[kk ldb + j], or with
     * transposed (1) b[j ldb + kk]; the forward product's B is a layer's weights transposed, the
     * backward product's the weights themselves.
     */
    @CriticalRegion
    public static native void gradsign_cpu_pack_at(float[] packed, long packedOffset, @Cast("const float*") float[] b,
                                                   long bOffset, int ldb, int transposed, int k, int n);

    /**
     * c (rows, n) = epilogue(bias + a (rows, k) &middot; B), B packed, each element's terms added in
     * ascending k by fused multiply-adds where the instruction set has them (see gradsign_cpu.h);
     * epilogue 0 none, 1 ReLU, 2 times ReLU's derivative at aux, 3 also stepped = the sign step of aux by
     * the product. bias, aux and stepped may be null where unused.
     */
    @CriticalRegion
    public static native void gradsign_cpu_packed_gemm_at(float[] c, long cOffset, int ldc,
                                                          @Cast("const float*") float[] a, long aOffset, int lda,
                                                          @Cast("const float*") float[] packed, long packedOffset,
                                                          int k, int n, int rows,
                                                          @Cast("const float*") float[] bias, long biasOffset,
                                                          int epilogue, @Cast("const float*") float[] aux,
                                                          long auxOffset, int ldAux, float[] stepped,
                                                          long steppedOffset, int ldStepped, float epsilon, float lo,
                                                          float hi);

    /** The instruction set in use: 0 generic, 1 AVX2, 2 AVX-512. */
    public static native int gradsign_cpu_isa();

    /** Uses {@code isa} or the best this CPU has below it (for tests); returns the one in use. */
    public static native int gradsign_cpu_use_isa(int isa);
}

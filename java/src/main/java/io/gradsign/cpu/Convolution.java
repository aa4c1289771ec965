package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.ConvGeometry;
import io.gradsign.cpu.bindings.Blas;
import io.gradsign.cpu.bindings.CpuKernels;
import java.util.Arrays;

/**
 * CPU twins of the 2-D convolution's kernels (PyTorch's conv2d: a cross-correlation with zero
 * padding, NCHW, row-major; see {@link ConvGeometry}), on the Java arrays in place at offsets.
 * At stride 1 (not pointwise), the forward pass and the backward pass to the input run without
 * columns where their outputs have at least {@link #DIRECT_CHANNELS} channels or the kernel is 3x3:
 * gradsign's native loop (native/cpu/conv_cpu.c) over a zero-padded copy of each sample, the backward
 * pass as the convolution of dy with the flipped weights; at batch 256 it took the CNN's second
 * convolution from 8.8 to 5.8 ms forward and from 9.8 to 6.1 ms backward (im2col and col2im were a
 * third of the time, and sgemm on the columns ran below that loop's rate). The weight gradient at
 * stride 1 runs without columns too (gradsign_cpu_conv2d_weights_gradient). Otherwise, each pass is
 * im2col and one OpenBLAS sgemm per piece, as {@link Dense} runs its products: the
 * columns of one sample, col (C&middot;R&middot;S, P&middot;Q), are its input unrolled so that
 * y (K, P&middot;Q) = weights (K, C&middot;R&middot;S) &middot; col; a pointwise convolution (1x1,
 * stride 1, no padding) uses the input itself as col. A batch of at least one sample per core is split
 * over the cores by samples; a smaller one by ranges of rows within each sample (output rows forward,
 * input channels or input rows backward, rows of col for the weight gradient), each part running
 * every sample. A sample's columns are built in bands of output rows that fit a per-thread scratch
 * of about a megabyte (kept, never shared), so that sgemm reads them from the cache they were just
 * written to. Every split depends only on the geometry and the core count, and the weight gradients
 * of a split batch are added in part order: the same bits on every run.
 */
public final class Convolution {
    private static final int NO_TRANSPOSE = 0;
    private static final int TRANSPOSE = 1;

    /** Floats of columns built at once: the band of output rows that fits is converted and multiplied, then the next. */
    static final int COLUMN_FLOATS = 1 << 18;

    private Convolution() {}

    /** y (N, K, P, Q) = activation(conv(x (N, C, H, W), weights (K, C, R, S)) + bias (K)). */
    public static void forward(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                               float[] bias, int biasOffset, ConvGeometry g, Activation activation) {
        int batch = g.batch();
        if (batch == 0) {
            return;
        }
        if (direct(g, g.outChannels())) {
            runDirect(g.inChannels(), g.height(), g.width(), g.padHeight(), g.padWidth(), g.outChannels(),
                    g.outHeight(), g.outWidth(), g, y, yOffset, x, xOffset, weights, weightsOffset, false, bias,
                    biasOffset, activation);
            return;
        }
        if (batch >= CpuWorkers.CORES) {
            int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, batch);
            CpuWorkers.run(parts, (part, n) -> {
                for (int sample = CpuWorkers.start(batch, part, n, 1); sample < CpuWorkers.start(batch, part + 1, n, 1);
                     sample++) {
                    forwardRows(y, yOffset, x, xOffset, weights, weightsOffset, bias, biasOffset, g, activation, sample,
                            0, g.outHeight());
                }
            });
            return;
        }
        // fewer samples than cores: each part takes a band of output rows of every sample
        int outHeight = g.outHeight();
        int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, outHeight);
        CpuWorkers.run(parts, (part, n) -> {
            int from = CpuWorkers.start(outHeight, part, n, 1);
            int to = CpuWorkers.start(outHeight, part + 1, n, 1);
            for (int sample = 0; sample < batch; sample++) {
                forwardRows(y, yOffset, x, xOffset, weights, weightsOffset, bias, biasOffset, g, activation, sample,
                        from, to);
            }
        });
    }

    /** Output rows [rowFrom, rowTo) of one sample, every channel, in bands whose columns fit the scratch. */
    private static void forwardRows(float[] y, int yOffset, float[] x, int xOffset, float[] weights, int weightsOffset,
                                    float[] bias, int biasOffset, ConvGeometry g, Activation activation, int sample,
                                    int rowFrom, int rowTo) {
        int outChannels = g.outChannels();
        int outWidth = g.outWidth();
        int outPlane = g.outHeight() * outWidth;
        int depth = g.inChannels() * g.kernelHeight() * g.kernelWidth();
        int sampleIn = xOffset + sample * g.inChannels() * g.height() * g.width();
        int sampleOut = yOffset + sample * outChannels * outPlane;
        boolean pointwise = pointwise(g);
        int band = pointwise ? rowTo - rowFrom : bandRows(depth, outWidth, rowTo - rowFrom);
        Blas.openblas_set_num_threads_local(1);
        for (int p0 = rowFrom; p0 < rowTo; p0 += band) {
            int p1 = Math.min(rowTo, p0 + band);
            int columns = (p1 - p0) * outWidth;
            int first = sampleOut + p0 * outWidth;
            for (int k = 0; k < outChannels; k++) {
                Arrays.fill(y, first + k * outPlane, first + k * outPlane + columns, bias[biasOffset + k]);
            }
            // y[:, p0:p1] (K, columns, leading dimension P*Q) += weights (K, depth) . col (depth, columns)
            if (pointwise) {
                Blas.gradsign_sgemm(NO_TRANSPOSE, NO_TRANSPOSE, outChannels, columns, depth, 1f, weights, weightsOffset,
                        depth, x, sampleIn + (long) p0 * outWidth, outPlane, 1f, y, first, outPlane);
            } else {
                float[] col = columns(depth * columns);
                im2col(col, x, sampleIn, g, 0, depth, p0, p1);
                Blas.gradsign_sgemm(NO_TRANSPOSE, NO_TRANSPOSE, outChannels, columns, depth, 1f, weights, weightsOffset,
                        depth, col, 0, columns, 1f, y, first, outPlane);
            }
            if (columns == outPlane) {
                activate(y, first, first + outChannels * outPlane, activation);
            } else {
                for (int k = 0; k < outChannels; k++) {
                    activate(y, first + k * outPlane, first + k * outPlane + columns, activation);
                }
            }
        }
    }

    /** Dense's activation, relu in native code (the same bits; C2 leaves the Java loop scalar). */
    private static void activate(float[] y, int from, int to, Activation activation) {
        if (activation == Activation.RELU) {
            CpuKernels.gradsign_cpu_relu_at(y, from, to - from);
        } else {
            Dense.activate(y, from, to, activation);
        }
    }

    /** dx (N, C, H, W) = the gradient of the convolution at x for dy (N, K, P, Q); dx overwritten. */
    public static void backwardInput(float[] dx, int dxOffset, float[] dy, int dyOffset, float[] weights,
                                     int weightsOffset, ConvGeometry g) {
        int batch = g.batch();
        if (batch == 0) {
            return;
        }
        if (direct(g, g.inChannels())) {
            // the convolution of dy (K, P, Q), padded by (R - 1 - ph, S - 1 - pw), with the weights turned
            // by half a turn and transposed (C, K, R, S): dx (C, H, W)
            runDirect(g.outChannels(), g.outHeight(), g.outWidth(), g.kernelHeight() - 1 - g.padHeight(),
                    g.kernelWidth() - 1 - g.padWidth(), g.inChannels(), g.height(), g.width(), g, dx, dxOffset, dy,
                    dyOffset, weights, weightsOffset, true, null, 0, Activation.NONE);
            return;
        }
        int channels = g.inChannels();
        int height = g.height();
        if (batch >= CpuWorkers.CORES) {
            int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, batch);
            CpuWorkers.run(parts, (part, n) -> {
                for (int sample = CpuWorkers.start(batch, part, n, 1); sample < CpuWorkers.start(batch, part + 1, n, 1);
                     sample++) {
                    backwardInputPart(dx, dxOffset, dy, dyOffset, weights, weightsOffset, g, sample, 0, channels, 0,
                            height);
                }
            });
            return;
        }
        // fewer samples than cores: each part takes some input channels of every sample when there are
        // enough of them, else a band of input rows (recomputing the few columns that bands share)
        int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, Math.max(channels, height));
        boolean byChannel = channels >= parts;
        CpuWorkers.run(parts, (part, n) -> {
            int units = byChannel ? channels : height;
            int from = CpuWorkers.start(units, part, n, 1);
            int to = CpuWorkers.start(units, part + 1, n, 1);
            for (int sample = 0; sample < batch; sample++) {
                if (byChannel) {
                    backwardInputPart(dx, dxOffset, dy, dyOffset, weights, weightsOffset, g, sample, from, to, 0,
                            height);
                } else {
                    backwardInputPart(dx, dxOffset, dy, dyOffset, weights, weightsOffset, g, sample, 0, channels, from,
                            to);
                }
            }
        });
    }

    /**
     * dx of one sample at input channels [channelFrom, channelTo) and input rows [inRowFrom, inRowTo):
     * zeroed, then the columns' gradient, dcol = weights&#7488; &middot; dy, added back onto the image
     * (col2im) from the output rows whose windows reach those input rows, a band at a time.
     */
    private static void backwardInputPart(float[] dx, int dxOffset, float[] dy, int dyOffset, float[] weights,
                                          int weightsOffset, ConvGeometry g, int sample, int channelFrom,
                                          int channelTo, int inRowFrom, int inRowTo) {
        int height = g.height();
        int width = g.width();
        int outChannels = g.outChannels();
        int outWidth = g.outWidth();
        int outPlane = g.outHeight() * outWidth;
        int window = g.kernelHeight() * g.kernelWidth();
        int depth = g.inChannels() * window;
        int sampleIn = dxOffset + sample * g.inChannels() * height * width;
        int sampleOut = dyOffset + sample * outChannels * outPlane;
        int rowFrom = channelFrom * window;
        int rows = (channelTo - channelFrom) * window;
        Blas.openblas_set_num_threads_local(1);
        if (pointwise(g)) {
            // dx[c0:c1, rows] (leading dimension H*W) = weights[:, c0:c1]^T . dy[:, rows]
            Blas.gradsign_sgemm(TRANSPOSE, NO_TRANSPOSE, rows, (inRowTo - inRowFrom) * width, outChannels, 1f, weights,
                    weightsOffset + rowFrom, depth, dy, sampleOut + (long) inRowFrom * width, outPlane, 0f, dx,
                    sampleIn + (long) channelFrom * height * width + (long) inRowFrom * width, height * width);
            return;
        }
        for (int c = channelFrom; c < channelTo; c++) {
            int plane = sampleIn + c * height * width;
            Arrays.fill(dx, plane + inRowFrom * width, plane + inRowTo * width, 0f);
        }
        // the output rows p whose window rows p * stride - pad + [0, R) meet [inRowFrom, inRowTo)
        int strideHeight = g.strideHeight();
        int first = Math.max(0, -Math.floorDiv(-(inRowFrom + g.padHeight() - g.kernelHeight() + 1), strideHeight));
        int last = Math.min(g.outHeight(), Math.floorDiv(inRowTo - 1 + g.padHeight(), strideHeight) + 1);
        int band = bandRows(rows, outWidth, last - first);
        for (int p0 = first; p0 < last; p0 += band) {
            int p1 = Math.min(last, p0 + band);
            int columns = (p1 - p0) * outWidth;
            float[] dcol = columns(rows * columns);
            // dcol (rows, columns) = weights[:, rows]^T (rows, K) . dy[:, p0:p1] (K, columns)
            Blas.gradsign_sgemm(TRANSPOSE, NO_TRANSPOSE, rows, columns, outChannels, 1f, weights,
                    weightsOffset + rowFrom, depth, dy, sampleOut + (long) p0 * outWidth, outPlane, 0f, dcol, 0,
                    columns);
            col2im(dx, sampleIn, dcol, g, rowFrom, rowFrom + rows, p0, p1, inRowFrom, inRowTo);
        }
    }

    /** Output channels from which a convolution at stride 1 runs without columns: a block of 8 is summed at once. */
    static final int DIRECT_CHANNELS = 8;

    /**
     * Whether a pass whose outputs have {@code outChannels} channels runs without columns
     * (gradsign_cpu_conv2d_padded, native/cpu/conv_cpu.c): stride 1, not pointwise (which needs no columns
     * anyway), and at least a block of output channels or a 3x3 kernel (fewer channels in a block would
     * leave most of its sums unused; a 3x3 kernel has a loop of its own for them: the backward pass of
     * the CNN's first layer, to one input channel, at batch 256 takes 1.1 ms, as the columns did with
     * OpenBLAS's AVX-512 kernels, where with its AVX2 ones, this machine's default, they took 2.5).
     */
    private static boolean direct(ConvGeometry g, int outChannels) {
        return g.strideHeight() == 1 && g.strideWidth() == 1 && !pointwise(g)
                && (outChannels >= DIRECT_CHANNELS || g.kernelHeight() == 3 && g.kernelWidth() == 3);
    }

    /**
     * Whether the weight gradient runs without columns: stride 1, not pointwise, and at least
     * {@link #DIRECT_CHANNELS} output channels (its sums take output channels 16 to a vector).
     */
    private static boolean directWeightGradient(ConvGeometry g) {
        return g.strideHeight() == 1 && g.strideWidth() == 1 && !pointwise(g) && g.outChannels() >= DIRECT_CHANNELS;
    }

    /**
     * out (N, outChannels, outHeight, outWidth) = activation(bias + in (N, inChannels, inHeight,
     * inWidth) padded by (top, left), correlated at stride 1 with the layer's weights, flipped for the
     * backward pass). A batch of at least one sample per core is split by samples, a smaller one by
     * blocks of 8 output channels; each part lays out the weights of its channels in its own buffer
     * (shared, they cost more in moves between the cores' caches than the copy does: 12 us of the 43
     * of a sample's forward pass) and copies each sample's input with its zero border into its scratch,
     * then runs the native loop. Every output's sum runs in one order whatever the split.
     */
    private static void runDirect(int inChannels, int inHeight, int inWidth, int top, int left, int outChannels,
                                  int outHeight, int outWidth, ConvGeometry g, float[] out, int outOffset, float[] in,
                                  int inOffset, float[] weights, int weightsOffset, boolean flip, float[] bias,
                                  int biasOffset, Activation activation) {
        int batch = g.batch();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int taps = kernelHeight * kernelWidth;
        int paddedHeight = outHeight + kernelHeight - 1;
        int paddedWidth = outWidth + kernelWidth - 1;
        int padded = inChannels * paddedHeight * paddedWidth + CpuKernels.gradsign_cpu_conv2d_slack(paddedWidth);
        int inSample = inChannels * inHeight * inWidth;
        int outPlane = outHeight * outWidth;
        int outSample = outChannels * outPlane;
        // relu in the native loop's epilogue; tanh and sigmoid after it, over the part's outputs
        int nativeActivation = activation == Activation.RELU ? GRADSIGN_CPU_ACTIVATION_RELU : 0;
        boolean after = activation != Activation.RELU && activation != Activation.NONE;
        boolean bySamples = batch >= CpuWorkers.CORES;
        int blocks = (outChannels + DIRECT_CHANNELS - 1) / DIRECT_CHANNELS;
        int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, bySamples ? batch : blocks);
        CpuWorkers.run(parts, (part, n) -> {
            int sampleFrom = bySamples ? CpuWorkers.start(batch, part, n, 1) : 0;
            int sampleTo = bySamples ? CpuWorkers.start(batch, part + 1, n, 1) : batch;
            int channelFrom = bySamples ? 0 : CpuWorkers.start(blocks, part, n, 1) * DIRECT_CHANNELS;
            int channelTo = bySamples ? outChannels
                    : Math.min(outChannels, CpuWorkers.start(blocks, part + 1, n, 1) * DIRECT_CHANNELS);
            int channels = channelTo - channelFrom;
            if (channels <= 0 || sampleTo <= sampleFrom) {
                return;
            }
            float[] weightsT = grown(WEIGHTS,
                    inChannels * taps * CpuKernels.gradsign_cpu_conv2d_weights_stride(channels));
            CpuKernels.gradsign_cpu_conv2d_weights_at(weightsT, 0, weights, weightsOffset, g.outChannels(),
                    g.inChannels(), kernelHeight, kernelWidth, flip ? 1 : 0, channelFrom, channelTo);
            float[] scratch = columns(padded);
            for (int sample = sampleFrom; sample < sampleTo; sample++) {
                CpuKernels.gradsign_cpu_conv2d_pad_at(scratch, 0, in, inOffset + (long) sample * inSample, inChannels,
                        inHeight, inWidth, top, left, paddedHeight, paddedWidth);
                int first = outOffset + sample * outSample + channelFrom * outPlane;
                CpuKernels.gradsign_cpu_conv2d_padded_at(out, first, scratch, 0, weightsT, 0, bias,
                        biasOffset + channelFrom, inChannels, channels, kernelHeight, kernelWidth, outHeight, outWidth,
                        nativeActivation, 0, outHeight);
                if (after) {
                    Dense.activate(out, first, first + channels * outPlane, activation);
                }
            }
        });
    }

    /** GRADSIGN_CPU_ACTIVATION_RELU of gradsign_cpu.h. */
    private static final int GRADSIGN_CPU_ACTIVATION_RELU = 1;

    /**
     * dWeights (K, C, R, S) and dBias (K) of the convolution for dy (N, K, P, Q) at x, both overwritten:
     * dWeights = sum over samples of dy (K, P&middot;Q) &middot; col&#7488;, dBias the sum of dy over
     * samples and positions (in double, one rounding). A batch split by samples sums each part's
     * samples on its own and adds the parts in order.
     */
    public static void backwardWeights(float[] dWeights, int dWeightsOffset, float[] dBias, int dBiasOffset, float[] dy,
                                       int dyOffset, float[] x, int xOffset, ConvGeometry g) {
        int batch = g.batch();
        int outChannels = g.outChannels();
        int weightCount = g.weightSize();
        backwardBias(dBias, dBiasOffset, dy, dyOffset, g);
        if (batch == 0) {
            Arrays.fill(dWeights, dWeightsOffset, dWeightsOffset + weightCount, 0f);
            return;
        }
        int depth = weightCount / outChannels;
        if (directWeightGradient(g)) {
            backwardWeightsDirect(dWeights, dWeightsOffset, dy, dyOffset, x, xOffset, g);
            return;
        }
        if (batch >= CpuWorkers.CORES) {
            int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, batch);
            // parts after the first sum into shares of their own, added to dWeights in part order below
            float[] shares = parts > 1 ? shares((parts - 1) * weightCount) : null;
            CpuWorkers.run(parts, (part, n) -> {
                float[] target = part == 0 ? dWeights : shares;
                int targetOffset = part == 0 ? dWeightsOffset : (part - 1) * weightCount;
                int from = CpuWorkers.start(batch, part, n, 1);
                int to = CpuWorkers.start(batch, part + 1, n, 1);
                for (int sample = from; sample < to; sample++) {
                    backwardWeightsPart(target, targetOffset, dy, dyOffset, x, xOffset, g, sample, 0, depth,
                            sample == from);
                }
            });
            for (int part = 1; part < parts; part++) {
                int share = (part - 1) * weightCount;
                for (int i = 0; i < weightCount; i++) {
                    dWeights[dWeightsOffset + i] += shares[share + i];
                }
            }
            return;
        }
        // fewer samples than cores: each part takes a range of the columns of dWeights (rows of col)
        int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, depth);
        CpuWorkers.run(parts, (part, n) -> {
            int from = CpuWorkers.start(depth, part, n, 1);
            int to = CpuWorkers.start(depth, part + 1, n, 1);
            for (int sample = 0; sample < batch; sample++) {
                backwardWeightsPart(dWeights, dWeightsOffset, dy, dyOffset, x, xOffset, g, sample, from, to,
                        sample == 0);
            }
        });
    }

    /**
     * dWeights at stride 1 without columns (gradsign_cpu_conv2d_weights_gradient: each sample's input
     * padded and dy transposed in the part's scratch, taps x vectors of channels summed in registers
     * over its pixels). A batch of at least one sample per core is split by samples, the parts after the
     * first summing into shares added in part order (as the columns' path does: blocks of all the
     * channels, 4 vectors of 16 for the CNN's second layer, sum at twice the rate of the 2 that a split
     * of its 64 channels leaves); a smaller one by blocks of 16 output channels. The columns and sgemm
     * per sample took 10 ms for the CNN's second layer at batch 256.
     */
    private static void backwardWeightsDirect(float[] dWeights, int dWeightsOffset, float[] dy, int dyOffset, float[] x,
                                              int xOffset, ConvGeometry g) {
        int batch = g.batch();
        int outChannels = g.outChannels();
        int weightCount = g.weightSize();
        int inSample = g.inChannels() * g.height() * g.width();
        int outSample = outChannels * g.outHeight() * g.outWidth();
        boolean bySamples = batch >= CpuWorkers.CORES;
        int blocks = (outChannels + 15) / 16;
        int parts = CpuWorkers.parts(g.multiplyAdds(), Dense.GEMM_MULTIPLY_ADDS_PER_PART, bySamples ? batch : blocks);
        float[] shares = bySamples && parts > 1 ? shares((parts - 1) * weightCount) : null;
        CpuWorkers.run(parts, (part, n) -> {
            int sampleFrom = bySamples ? CpuWorkers.start(batch, part, n, 1) : 0;
            int sampleTo = bySamples ? CpuWorkers.start(batch, part + 1, n, 1) : batch;
            int from = bySamples ? 0 : CpuWorkers.start(blocks, part, n, 1) * 16;
            int to = bySamples ? outChannels : Math.min(outChannels, CpuWorkers.start(blocks, part + 1, n, 1) * 16);
            if (to <= from || sampleTo <= sampleFrom) {
                return;
            }
            float[] target = bySamples && part > 0 ? shares : dWeights;
            int targetOffset = bySamples && part > 0 ? (part - 1) * weightCount : dWeightsOffset;
            float[] scratch = columns((int) CpuKernels.gradsign_cpu_conv2d_weights_gradient_scratch(g.inChannels(),
                    g.kernelHeight(), g.kernelWidth(), g.outHeight(), g.outWidth(), to - from));
            CpuKernels.gradsign_cpu_conv2d_weights_gradient_at(target, targetOffset, dy,
                    dyOffset + (long) sampleFrom * outSample, x, xOffset + (long) sampleFrom * inSample, scratch,
                    sampleTo - sampleFrom, g.inChannels(), g.height(), g.width(), outChannels, g.kernelHeight(),
                    g.kernelWidth(), g.padHeight(), g.padWidth(), from, to);
        });
        if (shares != null) {
            for (int part = 1; part < parts; part++) {
                int share = (part - 1) * weightCount;
                for (int i = 0; i < weightCount; i++) {
                    dWeights[dWeightsOffset + i] += shares[share + i];
                }
            }
        }
    }

    /**
     * target[:, rowFrom:rowTo] (K, rows; leading dimension C*R*S) = (overwrite ? 0 : itself) + dy of
     * one sample (K, P*Q) . col[rowFrom:rowTo]^T, a band of output rows at a time.
     */
    private static void backwardWeightsPart(float[] target, int targetOffset, float[] dy, int dyOffset, float[] x,
                                            int xOffset, ConvGeometry g, int sample, int rowFrom, int rowTo,
                                            boolean overwrite) {
        int outChannels = g.outChannels();
        int outHeight = g.outHeight();
        int outWidth = g.outWidth();
        int outPlane = outHeight * outWidth;
        int depth = g.inChannels() * g.kernelHeight() * g.kernelWidth();
        int sampleIn = xOffset + sample * g.inChannels() * g.height() * g.width();
        int sampleOut = dyOffset + sample * outChannels * outPlane;
        int rows = rowTo - rowFrom;
        if (rows == 0) {
            return;
        }
        Blas.openblas_set_num_threads_local(1);
        if (pointwise(g)) {
            Blas.gradsign_sgemm(NO_TRANSPOSE, TRANSPOSE, outChannels, rows, outPlane, 1f, dy, sampleOut, outPlane, x,
                    sampleIn + (long) rowFrom * outPlane, outPlane, overwrite ? 0f : 1f, target, targetOffset + rowFrom,
                    depth);
            return;
        }
        int band = bandRows(rows, outWidth, outHeight);
        for (int p0 = 0; p0 < outHeight; p0 += band) {
            int p1 = Math.min(outHeight, p0 + band);
            int columns = (p1 - p0) * outWidth;
            float[] col = columns(rows * columns);
            im2col(col, x, sampleIn, g, rowFrom, rowTo, p0, p1);
            Blas.gradsign_sgemm(NO_TRANSPOSE, TRANSPOSE, outChannels, rows, columns, 1f, dy,
                    sampleOut + (long) p0 * outWidth, outPlane, col, 0, columns, overwrite && p0 == 0 ? 0f : 1f, target,
                    targetOffset + rowFrom, depth);
        }
    }

    /**
     * dBias[k] = the sum of dy[n, k, p, q] over n, p, q in double, rounded once (gradsign_cpu_conv2d_bias_gradient:
     * eight partial sums in a fixed order; one sum after the other, in Java, took 2 ms for the CNN's
     * first layer at batch 256); output channels split over the cores.
     */
    private static void backwardBias(float[] dBias, int dBiasOffset, float[] dy, int dyOffset, ConvGeometry g) {
        int batch = g.batch();
        int outChannels = g.outChannels();
        int outPlane = g.outHeight() * g.outWidth();
        CpuWorkers.forRanges(outChannels, 1, (long) batch * outChannels * outPlane, CpuWorkers.ELEMENTS_PER_PART,
                (from, to) -> CpuKernels.gradsign_cpu_conv2d_bias_gradient_at(dBias, dBiasOffset, dy, dyOffset, batch,
                        outChannels, outPlane, from, to));
    }

    /** 1x1, stride 1, no padding: the input of a sample is its own col (C, H*W). */
    private static boolean pointwise(ConvGeometry g) {
        return g.kernelHeight() == 1 && g.kernelWidth() == 1 && g.strideHeight() == 1 && g.strideWidth() == 1
                && g.padHeight() == 0 && g.padWidth() == 0;
    }

    /** Output rows per band: as many as keep rows x (band x Q) columns within COLUMN_FLOATS, at least one. */
    private static int bandRows(int rows, int outWidth, int outRows) {
        long perRow = Math.max(1L, (long) rows * outWidth);
        return (int) Math.max(1, Math.min(Math.max(outRows, 1), COLUMN_FLOATS / perRow));
    }

    /**
     * Stride 1 with the output as wide as the input ("same" padding across, as the CNN's 3x3 pad 1):
     * for one kernel element (c, r, s), a run of output rows of col is a run of input rows of x at a
     * constant shift, so im2col copies it as one run and col2im adds it as one loop, each fixing only
     * the few columns that fall in the padding (per row and kernel element a separate copy of Q floats
     * cost twice as much).
     */
    private static boolean runs(ConvGeometry g) {
        return g.strideHeight() == 1 && g.strideWidth() == 1 && g.outWidth() == g.width();
    }

    /**
     * col[j - rowFrom][(p - p0) Q + q] = x[c, p sh - ph + r, q sw - pw + s] (0 outside the image) for
     * the rows j = (c R + r) S + s in [rowFrom, rowTo) and the output rows p in [p0, p1); x of one
     * sample starts at sampleIn. col (rowTo - rowFrom, (p1 - p0) Q) starts at 0.
     */
    static void im2col(float[] col, float[] x, int sampleIn, ConvGeometry g, int rowFrom, int rowTo, int p0, int p1) {
        int height = g.height();
        int width = g.width();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        int outWidth = g.outWidth();
        int columns = (p1 - p0) * outWidth;
        boolean runs = runs(g);
        for (int j = rowFrom; j < rowTo; j++) {
            int c = j / (kernelHeight * kernelWidth);
            int r = j / kernelWidth % kernelHeight;
            int s = j % kernelWidth;
            int shift = s - g.padWidth();
            // the output columns q whose input column q sw + shift lies in [0, W)
            int qFrom = Math.min(outWidth, Math.max(0, -Math.floorDiv(shift, strideWidth)));
            int qTo = Math.max(qFrom, Math.min(outWidth, Math.floorDiv(width - 1 - shift, strideWidth) + 1));
            int rowStart = (j - rowFrom) * columns;
            if (runs) {
                im2colRun(col, rowStart, x, sampleIn + c * height * width, g, r - g.padHeight(), shift, qFrom, qTo, p0,
                        p1);
                continue;
            }
            for (int p = p0; p < p1; p++) {
                int iy = p * strideHeight - g.padHeight() + r;
                int at = rowStart + (p - p0) * outWidth;
                if (iy < 0 || iy >= height) {
                    Arrays.fill(col, at, at + outWidth, 0f);
                    continue;
                }
                int source = sampleIn + (c * height + iy) * width + shift;
                if (qFrom > 0) {
                    Arrays.fill(col, at, at + qFrom, 0f);
                }
                if (strideWidth == 1) {
                    System.arraycopy(x, source + qFrom, col, at + qFrom, qTo - qFrom);
                } else {
                    for (int q = qFrom; q < qTo; q++) {
                        col[at + q] = x[source + q * strideWidth];
                    }
                }
                if (qTo < outWidth) {
                    Arrays.fill(col, at + qTo, at + outWidth, 0f);
                }
            }
        }
    }

    /**
     * One row of col where runs(g): output rows [p0, p1) of the kernel element whose input row is
     * p + rowShift and input column q + shift, from the channel plane at planeStart; Q = W.
     */
    private static void im2colRun(float[] col, int rowStart, float[] x, int planeStart, ConvGeometry g, int rowShift,
                                  int shift, int qFrom, int qTo, int p0, int p1) {
        int width = g.width();
        // the output rows whose input row lies in [0, H)
        int pFrom = Math.max(p0, Math.min(p1, -rowShift));
        int pTo = Math.max(pFrom, Math.min(p1, g.height() - rowShift));
        int bandEnd = rowStart + (p1 - p0) * width;
        Arrays.fill(col, rowStart, rowStart + (pFrom - p0) * width, 0f);
        Arrays.fill(col, rowStart + (pTo - p0) * width, bandEnd, 0f);
        if (pTo == pFrom) {
            return;
        }
        // rows [pFrom, pTo) as one copy, but for the first row's columns before qFrom and the last
        // row's from qTo, which would read outside the plane; the columns outside [qFrom, qTo) of
        // every row read the row before or after, and are zeroed next
        int at = rowStart + (pFrom - p0) * width;
        int source = planeStart + (pFrom + rowShift) * width + shift;
        int length = (pTo - pFrom) * width;
        int tail = width - qTo;
        System.arraycopy(x, source + qFrom, col, at + qFrom, length - qFrom - tail);
        for (int row = at; row < at + length; row += width) {
            for (int q = 0; q < qFrom; q++) {
                col[row + q] = 0f;
            }
            for (int q = qTo; q < width; q++) {
                col[row + q] = 0f;
            }
        }
    }

    /**
     * The reverse of im2col, adding: dx[c, p sh - ph + r, q sw - pw + s] += dcol[j - rowFrom][(p - p0) Q + q]
     * for rows j in [rowFrom, rowTo), output rows p in [p0, p1), and only the input rows in
     * [inRowFrom, inRowTo). For one element of dx the terms come in the order (r, s, p, q). Where
     * runs(g) it zeroes the entries of dcol that fall in the padding.
     */
    static void col2im(float[] dx, int sampleIn, float[] dcol, ConvGeometry g, int rowFrom, int rowTo, int p0, int p1,
                       int inRowFrom, int inRowTo) {
        int height = g.height();
        int width = g.width();
        int kernelHeight = g.kernelHeight();
        int kernelWidth = g.kernelWidth();
        int strideHeight = g.strideHeight();
        int strideWidth = g.strideWidth();
        int outWidth = g.outWidth();
        int columns = (p1 - p0) * outWidth;
        boolean runs = runs(g);
        for (int j = rowFrom; j < rowTo; j++) {
            int c = j / (kernelHeight * kernelWidth);
            int r = j / kernelWidth % kernelHeight;
            int s = j % kernelWidth;
            int shift = s - g.padWidth();
            int qFrom = Math.min(outWidth, Math.max(0, -Math.floorDiv(shift, strideWidth)));
            int qTo = Math.max(qFrom, Math.min(outWidth, Math.floorDiv(width - 1 - shift, strideWidth) + 1));
            int rowStart = (j - rowFrom) * columns;
            if (runs) {
                col2imRun(dx, sampleIn + c * height * width, dcol, rowStart, g, r - g.padHeight(), shift, qFrom, qTo,
                        Math.max(p0, inRowFrom - r + g.padHeight()), Math.min(p1, inRowTo - r + g.padHeight()), p0);
                continue;
            }
            for (int p = p0; p < p1; p++) {
                int iy = p * strideHeight - g.padHeight() + r;
                if (iy < inRowFrom || iy >= inRowTo) {
                    continue;
                }
                int at = rowStart + (p - p0) * outWidth;
                int target = sampleIn + (c * height + iy) * width + shift;
                if (strideWidth == 1) {
                    for (int q = qFrom; q < qTo; q++) {
                        dx[target + q] += dcol[at + q];
                    }
                } else {
                    for (int q = qFrom; q < qTo; q++) {
                        dx[target + q * strideWidth] += dcol[at + q];
                    }
                }
            }
        }
    }

    /**
     * One row of dcol added where runs(g), for the output rows [from, to) (within those whose input
     * rows are wanted; dcol's band starts at row p0), as one loop. The entries outside [qFrom, qTo)
     * are the padding's: they are zeroed first, so that the loop adds +0 where they land (the row
     * before or after), which leaves every sum as it was: a sum that starts at +0 is never -0, and
     * v + 0 is v for every other v.
     */
    private static void col2imRun(float[] dx, int planeStart, float[] dcol, int rowStart, ConvGeometry g, int rowShift,
                                  int shift, int qFrom, int qTo, int from, int to, int p0) {
        int width = g.width();
        int pFrom = Math.max(from, -rowShift);
        int pTo = Math.min(to, g.height() - rowShift);
        if (pTo <= pFrom) {
            return;
        }
        int at = rowStart + (pFrom - p0) * width;
        int length = (pTo - pFrom) * width;
        for (int row = at; row < at + length; row += width) {
            for (int q = 0; q < qFrom; q++) {
                dcol[row + q] = 0f;
            }
            for (int q = qTo; q < width; q++) {
                dcol[row + q] = 0f;
            }
        }
        // the first row's columns before qFrom and the last row's from qTo would land outside the rows
        // [pFrom, pTo) stand for (and outside the plane at its edges): left out
        int target = planeStart + (pFrom + rowShift) * width + shift;
        int end = length - (width - qTo);
        for (int i = qFrom; i < end; i++) {
            dx[target + i] += dcol[at + i];
        }
    }

    /** Each thread's columns (im2col's output, or the columns' gradient), kept and grown: fresh memory costs page faults. */
    private static final ThreadLocal<float[]> COLUMNS = ThreadLocal.withInitial(() -> new float[0]);

    /** Each thread's copy of the weights as the direct convolution reads them, for its part's channels. */
    private static final ThreadLocal<float[]> WEIGHTS = ThreadLocal.withInitial(() -> new float[0]);

    /** The calling thread's buffer for the weight gradients of the parts after the first. */
    private static final ThreadLocal<float[]> SHARES = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] columns(int length) {
        return grown(COLUMNS, length);
    }

    private static float[] shares(int length) {
        return grown(SHARES, length);
    }

    private static float[] grown(ThreadLocal<float[]> local, int length) {
        float[] buffer = local.get();
        if (buffer.length < length) {
            buffer = new float[length];
            local.set(buffer);
        }
        return buffer;
    }
}

package io.gradsign;

/**
 * The sizes of one 2-D convolution over a batch, as PyTorch's {@code conv2d} defines it (a
 * cross-correlation, NCHW, row-major): x (batch, inChannels, height, width), weights (outChannels,
 * inChannels, kernelHeight, kernelWidth), bias (outChannels), y (batch, outChannels, outHeight,
 * outWidth), with outHeight = (height + 2 padHeight - kernelHeight) / strideHeight + 1 (floor), and
 * the same across. Padding is zeros.
 */
public record ConvGeometry(int batch, int inChannels, int height, int width, int outChannels, int kernelHeight,
                           int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth) {
    public ConvGeometry {
        if (batch < 0 || inChannels <= 0 || height <= 0 || width <= 0 || outChannels <= 0 || kernelHeight <= 0
                || kernelWidth <= 0 || strideHeight <= 0 || strideWidth <= 0 || padHeight < 0 || padWidth < 0) {
            throw new IllegalArgumentException("convolution sizes must be positive (batch and padding >= 0), got " + describe(
                    batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
                    padHeight, padWidth));
        }
        if (height + 2L * padHeight < kernelHeight || width + 2L * padWidth < kernelWidth) {
            throw new IllegalArgumentException("kernel " + kernelHeight + "x" + kernelWidth + " is larger than the padded image "
                    + (height + 2L * padHeight) + "x" + (width + 2L * padWidth));
        }
        if (kernelHeight <= padHeight || kernelWidth <= padWidth) {
            throw new IllegalArgumentException("padding " + padHeight + "x" + padWidth + " must be smaller than the kernel "
                    + kernelHeight + "x" + kernelWidth);
        }
        long in = (long) batch * inChannels * height * width;
        long out = (long) batch * outChannels * ((height + 2L * padHeight - kernelHeight) / strideHeight + 1)
                * ((width + 2L * padWidth - kernelWidth) / strideWidth + 1);
        long weights = (long) outChannels * inChannels * kernelHeight * kernelWidth;
        if (in > Integer.MAX_VALUE - 8 || out > Integer.MAX_VALUE - 8 || weights > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("convolution too large for 32-bit indices: " + describe(batch, inChannels,
                    height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight,
                    padWidth));
        }
    }

    /** A square kernel, the same stride and padding in both directions. */
    public static ConvGeometry of(int batch, int inChannels, int height, int width, int outChannels, int kernel,
                                  int stride, int pad) {
        return new ConvGeometry(batch, inChannels, height, width, outChannels, kernel, kernel, stride, stride, pad, pad);
    }

    /** The same convolution over {@code samples} samples. */
    public ConvGeometry withBatch(int samples) {
        return new ConvGeometry(samples, inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight,
                strideWidth, padHeight, padWidth);
    }

    public int outHeight() {
        return (height + 2 * padHeight - kernelHeight) / strideHeight + 1;
    }

    public int outWidth() {
        return (width + 2 * padWidth - kernelWidth) / strideWidth + 1;
    }

    /** Floats of x: batch &times; inChannels &times; height &times; width. */
    public int inputSize() {
        return batch * inChannels * height * width;
    }

    /** Floats of y: batch &times; outChannels &times; outHeight &times; outWidth. */
    public int outputSize() {
        return batch * outChannels * outHeight() * outWidth();
    }

    /** Floats of the weights: outChannels &times; inChannels &times; kernelHeight &times; kernelWidth. */
    public int weightSize() {
        return outChannels * inChannels * kernelHeight * kernelWidth;
    }

    /** Multiply-adds of the forward pass. */
    public long multiplyAdds() {
        return (long) batch * outChannels * outHeight() * outWidth() * inChannels * kernelHeight * kernelWidth;
    }

    @Override
    public String toString() {
        return describe(batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight,
                strideWidth, padHeight, padWidth);
    }

    private static String describe(int batch, int inChannels, int height, int width, int outChannels, int kernelHeight,
                                   int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth) {
        return "conv (" + batch + ", " + inChannels + ", " + height + ", " + width + ") -> " + outChannels
                + " channels, kernel " + kernelHeight + "x" + kernelWidth + ", stride " + strideHeight + "x" + strideWidth
                + ", padding " + padHeight + "x" + padWidth;
    }
}

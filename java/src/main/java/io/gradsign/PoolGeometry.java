package io.gradsign;

/**
 * The sizes of one 2-D pooling over a batch (max or average, no padding, NCHW, row-major): x (batch,
 * channels, height, width), y (batch, channels, outHeight, outWidth), with outHeight = (height -
 * kernelHeight) / strideHeight + 1 (floor, as PyTorch's default: a window that would run past the
 * edge is dropped), and the same across.
 */
public record PoolGeometry(int batch, int channels, int height, int width, int kernelHeight, int kernelWidth,
                           int strideHeight, int strideWidth) {
    public PoolGeometry {
        if (batch < 0 || channels <= 0 || height <= 0 || width <= 0 || kernelHeight <= 0 || kernelWidth <= 0
                || strideHeight <= 0 || strideWidth <= 0) {
            throw new IllegalArgumentException("pooling sizes must be positive (batch >= 0), got " + describe(batch,
                    channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth));
        }
        if (kernelHeight > height || kernelWidth > width) {
            throw new IllegalArgumentException("pooling window " + kernelHeight + "x" + kernelWidth
                    + " is larger than the image " + height + "x" + width);
        }
        if ((long) batch * channels * height * width > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pooling too large for 32-bit indices: " + describe(batch, channels,
                    height, width, kernelHeight, kernelWidth, strideHeight, strideWidth));
        }
    }

    /** A square window whose stride is its size (the usual "pool 2"). */
    public static PoolGeometry of(int batch, int channels, int height, int width, int kernel) {
        return new PoolGeometry(batch, channels, height, width, kernel, kernel, kernel, kernel);
    }

    /** The same pooling over {@code samples} samples. */
    public PoolGeometry withBatch(int samples) {
        return new PoolGeometry(samples, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    public int outHeight() {
        return (height - kernelHeight) / strideHeight + 1;
    }

    public int outWidth() {
        return (width - kernelWidth) / strideWidth + 1;
    }

    /** Floats of x. */
    public int inputSize() {
        return batch * channels * height * width;
    }

    /** Floats of y (and int32s of the max pool's argmax). */
    public int outputSize() {
        return batch * channels * outHeight() * outWidth();
    }

    @Override
    public String toString() {
        return describe(batch, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    private static String describe(int batch, int channels, int height, int width, int kernelHeight, int kernelWidth,
                                   int strideHeight, int strideWidth) {
        return "pool (" + batch + ", " + channels + ", " + height + ", " + width + "), window " + kernelHeight + "x"
                + kernelWidth + ", stride " + strideHeight + "x" + strideWidth;
    }
}

package io.gradsign.nn;

import io.gradsign.PoolGeometry;
import io.gradsign.Shape;

/** What the two pooling layers share: their checks, geometry and spec. */
final class Pooling {
    private Pooling() {}

    static void check(String what, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth) {
        if (kernelHeight <= 0 || kernelWidth <= 0 || strideHeight <= 0 || strideWidth <= 0) {
            throw new IllegalArgumentException(what + " needs a positive window and stride, got window " + kernelHeight
                    + "x" + kernelWidth + ", stride " + strideHeight + "x" + strideWidth);
        }
    }

    static PoolGeometry geometry(Shape batchInput, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth) {
        return new PoolGeometry(batchInput.dim(0), batchInput.dim(1), batchInput.dim(2), batchInput.dim(3), kernelHeight,
                kernelWidth, strideHeight, strideWidth);
    }

    static Shape outputShape(String spec, Shape input, int kernelHeight, int kernelWidth, int strideHeight,
                             int strideWidth) {
        Layer.requireImage(input, spec);
        PoolGeometry g;
        try {
            g = geometry(Shape.batchOf(1, input), kernelHeight, kernelWidth, strideHeight, strideWidth);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(spec + " cannot take an input of shape " + input + ": " + e.getMessage());
        }
        return Shape.of(input.dim(0), g.outHeight(), g.outWidth());
    }

    static String spec(String name, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth) {
        StringBuilder s = new StringBuilder(name).append(kernelHeight);
        if (kernelWidth != kernelHeight) {
            s.append('x').append(kernelWidth);
        }
        if (strideHeight != kernelHeight || strideWidth != kernelWidth) {
            s.append('s').append(strideHeight);
            if (strideWidth != strideHeight) {
                s.append('x').append(strideWidth);
            }
        }
        return s.toString();
    }
}

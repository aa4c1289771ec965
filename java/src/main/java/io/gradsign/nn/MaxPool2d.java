package io.gradsign.nn;

import io.gradsign.Backend;
import io.gradsign.PoolGeometry;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Max pooling over windows of kernelHeight &times; kernelWidth moved by the strides, no padding, a
 * window that would run past the edge dropped (PyTorch's default). The forward pass records each
 * window's argmax (int32) for the backward one; a NaN in a window wins, as in PyTorch.
 */
public record MaxPool2d(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth) implements Layer {
    public MaxPool2d {
        Pooling.check("max pool", kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    /** A square window whose stride is its size. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, kernel, kernel);
    }

    public PoolGeometry geometry(Shape batchInput) {
        return Pooling.geometry(batchInput, kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    @Override
    public Shape outputShape(Shape input) {
        return Pooling.outputShape(spec(), input, kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    @Override
    public Optional<Shape> indexShape(Shape input) {
        return Optional.of(outputShape(input));
    }

    @Override
    public void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                        Tensor indices) {
        backend.maxPool2dForward(y, indices, x, geometry(batchInput));
    }

    @Override
    public void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                              List<Tensor> parameters, Tensor indices) {
        backend.maxPool2dBackward(dx, dy, indices, geometry(batchInput));
    }

    @Override
    public String spec() {
        return Pooling.spec("pool", kernelHeight, kernelWidth, strideHeight, strideWidth);
    }
}

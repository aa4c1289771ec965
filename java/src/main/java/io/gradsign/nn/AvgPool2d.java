package io.gradsign.nn;

import io.gradsign.Backend;
import io.gradsign.PoolGeometry;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;

/**
 * Average pooling over windows of kernelHeight &times; kernelWidth moved by the strides, no padding, a
 * window that would run past the edge dropped (PyTorch's default); each output is its window's sum
 * divided by the window's size.
 */
public record AvgPool2d(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth) implements Layer {
    public AvgPool2d {
        Pooling.check("average pool", kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    /** A square window whose stride is its size. */
    public AvgPool2d(int kernel) {
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
    public void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                        Tensor indices) {
        backend.avgPool2dForward(y, x, geometry(batchInput));
    }

    @Override
    public void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                              List<Tensor> parameters, Tensor indices) {
        backend.avgPool2dBackward(dx, dy, geometry(batchInput));
    }

    @Override
    public String spec() {
        return Pooling.spec("avgpool", kernelHeight, kernelWidth, strideHeight, strideWidth);
    }
}

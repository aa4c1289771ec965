package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.ConvGeometry;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A 2-D convolution (PyTorch's conv2d: a cross-correlation, zero padding), bias and activation fused
 * into the forward kernel's epilogue: input (C, H, W), weights (outChannels, C, kernelHeight,
 * kernelWidth), bias (outChannels), output (outChannels, P, Q) as {@link ConvGeometry} gives them.
 */
public record Conv2d(int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
                     int padHeight, int padWidth, Activation activation) implements Layer {
    public Conv2d {
        if (outChannels <= 0 || kernelHeight <= 0 || kernelWidth <= 0 || strideHeight <= 0 || strideWidth <= 0
                || padHeight < 0 || padWidth < 0) {
            throw new IllegalArgumentException("conv needs positive channels, kernel and stride and padding >= 0, got "
                    + outChannels + " channels, kernel " + kernelHeight + "x" + kernelWidth + ", stride "
                    + strideHeight + "x" + strideWidth + ", padding " + padHeight + "x" + padWidth);
        }
        Objects.requireNonNull(activation, "activation");
    }

    /** A square kernel with the same stride and padding in both directions, no activation. */
    public Conv2d(int outChannels, int kernel, int stride, int pad) {
        this(outChannels, kernel, kernel, stride, stride, pad, pad, Activation.NONE);
    }

    /** The geometry of this layer over a batch of the given input shape (batch, C, H, W). */
    public ConvGeometry geometry(Shape batchInput) {
        return new ConvGeometry(batchInput.dim(0), batchInput.dim(1), batchInput.dim(2), batchInput.dim(3), outChannels,
                kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth);
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(input, spec());
        ConvGeometry g;
        try {
            g = geometry(Shape.batchOf(1, input));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(spec() + " cannot take an input of shape " + input + ": " + e.getMessage());
        }
        return Shape.of(outChannels, g.outHeight(), g.outWidth());
    }

    @Override
    public List<Shape> parameterShapes(Shape input) {
        outputShape(input);
        return List.of(Shape.of(outChannels, input.dim(0), kernelHeight, kernelWidth), Shape.of(outChannels));
    }

    @Override
    public Optional<Layer> fuse(Activation next) {
        return activation == Activation.NONE ? Optional.of(new Conv2d(outChannels, kernelHeight, kernelWidth,
                strideHeight, strideWidth, padHeight, padWidth, next)) : Optional.empty();
    }

    @Override
    public void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                        Tensor indices) {
        backend.conv2dForward(y, x, parameters.get(0), parameters.get(1), geometry(batchInput), activation);
    }

    @Override
    public void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                              List<Tensor> parameters, Tensor indices) {
        backend.conv2dBackwardInput(dx, dy, parameters.get(0), geometry(batchInput));
    }

    @Override
    public void backwardParameters(Backend backend, Shape batchInput, Tensor dy, Tensor x, List<Tensor> parameters,
                                   List<Tensor> gradients) {
        backend.conv2dBackwardWeights(gradients.get(0), gradients.get(1), dy, x, geometry(batchInput));
    }

    @Override
    public String spec() {
        StringBuilder s = new StringBuilder("conv").append(outChannels).append('k').append(kernelHeight);
        if (kernelWidth != kernelHeight) {
            s.append('x').append(kernelWidth);
        }
        if (strideHeight != 1 || strideWidth != 1) {
            s.append('s').append(strideHeight);
            if (strideWidth != strideHeight) {
                s.append('x').append(strideWidth);
            }
        }
        if (padHeight != 0 || padWidth != 0) {
            s.append('p').append(padHeight);
            if (padWidth != padHeight) {
                s.append('x').append(padWidth);
            }
        }
        return s.append(LayerSpec.activationSuffix(activation)).toString();
    }
}

package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A fully connected layer: y = activation(x &middot; W&#7488; + b), W (out, in) row-major, b (out), x a
 * batch of flat vectors (put {@link Flatten} before it after images).
 *
 * @param outFeatures outputs per sample
 * @param activation fused into the forward kernel's epilogue
 */
public record Dense(int outFeatures, Activation activation) implements Layer {
    public Dense {
        if (outFeatures <= 0) {
            throw new IllegalArgumentException("a dense layer needs outFeatures > 0, got " + outFeatures);
        }
        Objects.requireNonNull(activation, "activation");
    }

    /** Without an activation. */
    public Dense(int outFeatures) {
        this(outFeatures, Activation.NONE);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 1) {
            throw new IllegalArgumentException(spec() + " needs a flat input (features,), got " + input
                    + ": put flatten before it");
        }
        Math.multiplyExact(input.dim(0), outFeatures); // the weights' count must fit an int; the network reports the overflow
        return Shape.of(outFeatures);
    }

    @Override
    public List<Shape> parameterShapes(Shape input) {
        outputShape(input);
        return List.of(Shape.of(outFeatures, input.dim(0)), Shape.of(outFeatures));
    }

    @Override
    public Optional<Layer> fuse(Activation next) {
        return activation == Activation.NONE ? Optional.of(new Dense(outFeatures, next)) : Optional.empty();
    }

    @Override
    public void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                        Tensor indices) {
        backend.denseForward(y, x, parameters.get(0), parameters.get(1), batchInput.dim(0), batchInput.dim(1),
                outFeatures, activation);
    }

    @Override
    public void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                              List<Tensor> parameters, Tensor indices) {
        backend.denseBackwardInput(dx, dy, parameters.get(0), batchInput.dim(0), batchInput.dim(1), outFeatures);
    }

    @Override
    public void backwardParameters(Backend backend, Shape batchInput, Tensor dy, Tensor x, List<Tensor> parameters,
                                   List<Tensor> gradients) {
        backend.denseBackwardWeights(gradients.get(0), gradients.get(1), dy, x, batchInput.dim(0), batchInput.dim(1),
                outFeatures);
    }

    @Override
    public String spec() {
        return "dense" + outFeatures + LayerSpec.activationSuffix(activation);
    }
}

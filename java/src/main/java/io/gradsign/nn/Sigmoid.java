package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;

/**
 * y = 1 / (1 + exp(-x)), element-wise. A network fuses it into a {@link Dense} or {@link Conv2d} layer just before it
 * (the activation runs in that layer's epilogue); elsewhere (after pooling, say) it runs on its own.
 */
public record Sigmoid() implements Layer {
    /** The activation this layer applies. */
    public Activation function() {
        return Activation.SIGMOID;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                        Tensor indices) {
        backend.activationForward(y, x, Activation.SIGMOID);
    }

    @Override
    public void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                              List<Tensor> parameters, Tensor indices) {
        backend.activationBackward(dx, dy, y, Activation.SIGMOID);
    }

    @Override
    public String spec() {
        return "sigmoid";
    }
}

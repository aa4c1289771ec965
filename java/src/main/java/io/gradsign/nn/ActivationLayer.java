package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * An element-wise activation layer ({@link ReLU}, {@link Tanh}, {@link Sigmoid}). A network fuses it
 * into a {@link Dense} or {@link Conv2d} layer just before it (the activation then runs in that
 * layer's epilogue); elsewhere (after pooling, say) it runs on its own.
 */
public sealed interface ActivationLayer extends Layer permits ReLU, Tanh, Sigmoid {
    /** The activation this layer applies. */
    Activation function();

    @Override
    default Shape outputShape(Shape input) {
        return input;
    }

    @Override
    default void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                         Tensor indices) {
        backend.activationForward(y, x, function());
    }

    @Override
    default void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                               List<Tensor> parameters, Tensor indices) {
        backend.activationBackward(dx, dy, y, function());
    }

    @Override
    default String spec() {
        return function().name().toLowerCase(Locale.ROOT);
    }
}

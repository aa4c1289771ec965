package io.gradsign.nn;

import io.gradsign.Activation;

/** y = tanh(x), element-wise; see {@link ActivationLayer}. */
public record Tanh() implements ActivationLayer {
    @Override
    public Activation function() {
        return Activation.TANH;
    }
}

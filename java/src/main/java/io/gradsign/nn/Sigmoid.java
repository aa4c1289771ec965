package io.gradsign.nn;

import io.gradsign.Activation;

/** y = 1 / (1 + exp(-x)), element-wise; see {@link ActivationLayer}. */
public record Sigmoid() implements ActivationLayer {
    @Override
    public Activation function() {
        return Activation.SIGMOID;
    }
}

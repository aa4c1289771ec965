package io.gradsign.nn;

import io.gradsign.Activation;

/** y = max(x, 0) (NaN stays NaN), element-wise; see {@link ActivationLayer}. */
public record ReLU() implements ActivationLayer {
    @Override
    public Activation function() {
        return Activation.RELU;
    }
}

package io.gradsign.model;

import io.gradsign.Activation;
import java.util.Objects;

/**
 * The shape of one dense layer: y = activation(x &middot; W&#7488; + b), W (out, in), b (out).
 *
 * @param inFeatures inputs per sample
 * @param outFeatures outputs per sample
 * @param activation fused into the layer's forward kernel
 */
public record DenseLayer(int inFeatures, int outFeatures, Activation activation) {
    public DenseLayer {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("a dense layer needs in, out > 0, got " + inFeatures + " -> " + outFeatures);
        }
        Objects.requireNonNull(activation, "activation");
    }

    /** Floats of the weight matrix. */
    public int weightCount() {
        return Math.multiplyExact(inFeatures, outFeatures);
    }
}

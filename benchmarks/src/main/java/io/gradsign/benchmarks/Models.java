package io.gradsign.benchmarks;

import io.gradsign.model.DenseLayer;
import io.gradsign.model.Sequential;
import java.util.List;

/** The models the benchmarks measure, and their multiply-adds per image. */
final class Models {
    private Models() {}

    /** "softmax" (784 -> 10) or "mlp" (784-512-512-10, ReLU). */
    static List<DenseLayer> layers(String name) {
        return switch (name) {
            case "softmax" -> Sequential.softmaxRegression(784, 10);
            case "mlp" -> Sequential.mlp(784, new int[] {512, 512}, 10);
            default -> throw new IllegalArgumentException("unknown model " + name);
        };
    }

    /** Multiply-adds of one image's forward pass through the dense layers. */
    static long multiplyAdds(String name) {
        long sum = 0;
        for (DenseLayer layer : layers(name)) {
            sum += (long) layer.inFeatures() * layer.outFeatures();
        }
        return sum;
    }
}

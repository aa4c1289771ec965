package io.gradsign.benchmarks;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.nn.Conv2d;
import io.gradsign.nn.Dense;
import io.gradsign.nn.Layer;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import java.util.List;

/** The models the benchmarks measure, and their multiply-adds per image. */
final class Models {
    private Models() {}

    /**
     * "softmax" (784 -> 10), "mlp" (784-512-512-10, ReLU) or "cnn" (the shipped CNN's layers,
     * {@link LayerSpec#FASHION_CNN}, on (1, 28, 28) images).
     */
    static List<Layer> layers(String name) {
        return switch (name) {
            case "softmax" -> Network.softmaxRegression(10);
            case "mlp" -> Network.mlp(new int[] {512, 512}, 10);
            case "cnn" -> Network.fuse(LayerSpec.parse(LayerSpec.FASHION_CNN));
            default -> throw new IllegalArgumentException("unknown model " + name);
        };
    }

    /** One image's input shape for the model. */
    static Shape inputShape(String name) {
        return name.equals("cnn") ? Shape.of(1, 28, 28) : Shape.of(784);
    }

    /** The model with Glorot-uniform weights from {@code seed}. */
    static Network create(Backend backend, String name, long seed) {
        return Network.create(backend, inputShape(name), layers(name), seed);
    }

    /** The widths of a dense model: the input, then each layer's output. */
    static int[] widths(String name) {
        List<Layer> layers = layers(name);
        int[] widths = new int[layers.size() + 1];
        widths[0] = (int) inputShape(name).size();
        for (int l = 0; l < layers.size(); l++) {
            widths[l + 1] = ((Dense) layers.get(l)).outFeatures();
        }
        return widths;
    }

    /** The activations of a dense model's layers. */
    static Activation[] activations(String name) {
        return layers(name).stream().map(Layer::activation).toArray(Activation[]::new);
    }

    /** Multiply-adds of one image's forward pass (dense and convolution layers). */
    static long multiplyAdds(String name) {
        List<Layer> layers = layers(name);
        Shape shape = inputShape(name);
        long sum = 0;
        for (Layer layer : layers) {
            if (layer instanceof Dense dense) {
                sum += shape.size() * dense.outFeatures();
            } else if (layer instanceof Conv2d conv) {
                sum += conv.geometry(Shape.batchOf(1, shape)).multiplyAdds();
            }
            shape = layer.outputShape(shape);
        }
        return sum;
    }
}

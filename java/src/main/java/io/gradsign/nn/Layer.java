package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * One layer of a {@link Network}: an immutable description (sizes, not values) that knows its
 * output shape for an input shape and runs its operations on a backend. Shapes passed to
 * {@link #outputShape} are one sample's (no batch dimension); the tensors passed to the passes hold
 * a batch, laid out as {@code batchInput} says (row-major, NCHW), flat or shaped.
 *
 * <p>A layer with parameters ({@link Dense}, {@link Conv2d}) may carry an activation fused into its
 * forward pass ({@link #activation()}); its backward passes then take the gradient at the
 * activation's input, which the network computes first. Adding a layer: a class here, its operations
 * on {@link Backend} (a CUDA kernel and a CPU twin), and a token in {@link LayerSpec} (the model
 * file stores the spec, so it then reads the layer too).
 */
public sealed interface Layer permits Dense, Conv2d, MaxPool2d, AvgPool2d, Flatten, ActivationLayer {

    /**
     * One sample's output shape for one sample's input shape.
     *
     * @throws IllegalArgumentException naming the layer and the shape if the layer cannot take it
     */
    Shape outputShape(Shape input);

    /** The shapes of the parameters (weights, then bias) for one sample's input shape; empty for none. */
    default List<Shape> parameterShapes(Shape input) {
        return List.of();
    }

    /** The shape of the int32 indices the forward pass records for the backward one (max pool: the argmax), per sample. */
    default Optional<Shape> indexShape(Shape input) {
        return Optional.empty();
    }

    /** The activation fused after this layer's own operation (NONE for most layers). */
    default Activation activation() {
        return Activation.NONE;
    }

    /** This layer with {@code next} fused after it, or empty where it cannot take one. */
    default Optional<Layer> fuse(Activation next) {
        return Optional.empty();
    }

    /**
     * y = layer(x), x (batchInput), y (batch of {@link #outputShape}), with the fused activation;
     * {@code indices} is the buffer of {@link #indexShape} (null if none).
     */
    void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters, Tensor indices);

    /**
     * dx = the gradient at the layer's input from dy, the gradient at its output before the fused
     * activation (the network applies the activation's derivative first). x and y are the forward
     * pass's input and output.
     */
    void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                       List<Tensor> parameters, Tensor indices);

    /** The gradients of the parameters (overwritten) from dy (as for {@link #backwardInput}) and x. */
    default void backwardParameters(Backend backend, Shape batchInput, Tensor dy, Tensor x, List<Tensor> parameters,
                                    List<Tensor> gradients) {
    }

    /** The layer in the short form {@link LayerSpec} reads, such as "conv32k3p1-relu" or "pool2". */
    String spec();

    /** Throws naming the layer and the shape unless the sample shape is (C, H, W). */
    static void requireImage(Shape input, String layer) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(layer + " needs an input of shape (channels, height, width), got " + input);
        }
    }
}

package io.gradsign.nn;

import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.List;

/** (C, H, W) to (C &middot; H &middot; W): the same floats in the same row-major order, for the dense layers after convolutions. */
public record Flatten() implements Layer {
    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(Math.toIntExact(input.size()));
    }

    @Override
    public void forward(Backend backend, Shape batchInput, Tensor x, Tensor y, List<Tensor> parameters,
                        Tensor indices) {
        backend.copy(y, x);
    }

    @Override
    public void backwardInput(Backend backend, Shape batchInput, Tensor dy, Tensor dx, Tensor x, Tensor y,
                              List<Tensor> parameters, Tensor indices) {
        backend.copy(dx, dy);
    }

    @Override
    public String spec() {
        return "flatten";
    }
}

package io.gradsign;

/** Activations fused into the dense layer; {@link #code()} is the C API's GRADSIGN_ACTIVATION_* value. */
public enum Activation {
    /** y = v. */
    NONE(0),
    /** y = max(v, 0); its derivative, read from y, is 1 where y &gt; 0. */
    RELU(1),
    /** y = tanh(v); its derivative, read from y, is 1 - y&sup2;. */
    TANH(2);

    private final int code;

    Activation(int code) {
        this.code = code;
    }

    /** The value the C API takes (gradsign.h). */
    public int code() {
        return code;
    }

    /** Applies the activation to one value: the CPU twin of the kernels' epilogue. */
    public float apply(float v) {
        return switch (this) {
            case NONE -> v;
            case RELU -> v > 0f ? v : 0f;
            case TANH -> (float) Math.tanh(v);
        };
    }

    /** The derivative at the input that produced {@code y}, written from y itself. */
    public float derivativeFromOutput(float y) {
        return switch (this) {
            case NONE -> 1f;
            case RELU -> y > 0f ? 1f : 0f;
            case TANH -> 1f - y * y;
        };
    }
}

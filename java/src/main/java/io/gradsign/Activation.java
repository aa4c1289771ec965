package io.gradsign;

/** Activations fused into the dense layer; {@link #code()} is the C API's GRADSIGN_ACTIVATION_* value. */
public enum Activation {
    /** y = v. */
    NONE(0),
    /** y = Math.max(v, 0) (NaN stays NaN, -0 becomes +0, as every kernel does); its derivative, read from y, is 1 where y &gt; 0. */
    RELU(1),
    /** y = tanh(v); its derivative, read from y, is 1 - y&sup2;. */
    TANH(2),
    /** y = 1 / (1 + e^-v), computed in double and rounded once; its derivative, read from y, is y (1 - y). */
    SIGMOID(3);

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
            case RELU -> Math.max(v, 0f);
            case TANH -> (float) Math.tanh(v);
            case SIGMOID -> sigmoid(v);
        };
    }

    /** The derivative at the input that produced {@code y}, written from y itself. */
    public float derivativeFromOutput(float y) {
        return switch (this) {
            case NONE -> 1f;
            case RELU -> y > 0f ? 1f : 0f;
            case TANH -> 1f - y * y;
            case SIGMOID -> y * (1f - y);
        };
    }

    /** The logistic function in double, rounded once to float: the bits every twin of SIGMOID gives. */
    public static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-v)));
    }
}

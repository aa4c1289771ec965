package io.gradsign;

/** The element type of a {@link Tensor}: float32 for data, int32 for labels and pooling indices. Both take 4 bytes. */
public enum DType {
    FLOAT32,
    INT32;

    /** Bytes per element. */
    public int bytes() {
        return 4;
    }

    @Override
    public String toString() {
        return this == FLOAT32 ? "float32" : "int32";
    }
}

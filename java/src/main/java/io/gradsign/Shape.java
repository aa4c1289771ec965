package io.gradsign;

import java.util.Arrays;

/**
 * The dimensions of a tensor, row-major: {@code (N, D)} for a batch of vectors, {@code (N, C, H, W)}
 * for a batch of images (NCHW). Immutable; every dimension is &ge; 0 and the element count fits a
 * {@code long}.
 */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long count = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("dimensions must be >= 0, got " + Arrays.toString(dims));
            }
            count = Math.multiplyExact(count, d);
        }
        this.dims = dims;
        this.size = count;
    }

    /** A shape of the given dimensions (none: a scalar). */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** {@code (batch, sample...)}: a batch of samples of the given shape. */
    public static Shape batchOf(int batch, Shape sample) {
        int[] d = new int[sample.rank() + 1];
        d[0] = batch;
        System.arraycopy(sample.dims, 0, d, 1, sample.rank());
        return new Shape(d);
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** The number of elements: the product of the dimensions. */
    public long size() {
        return size;
    }

    /** The shape of one sample: this shape without its first dimension. */
    public Shape sample() {
        if (dims.length == 0) {
            throw new IllegalStateException("a scalar shape has no samples");
        }
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /** This shape with its first dimension replaced by {@code batch}. */
    public Shape withBatch(int batch) {
        if (dims.length == 0) {
            throw new IllegalStateException("a scalar shape has no batch dimension");
        }
        int[] d = dims.clone();
        d[0] = batch;
        return new Shape(d);
    }

    /**
     * Throws {@link IllegalArgumentException} naming {@code role} and both shapes unless this shape
     * equals {@code expected}.
     */
    public void require(Shape expected, String role) {
        if (!equals(expected)) {
            throw new IllegalArgumentException(role + " has shape " + this + ", expected " + expected);
        }
    }

    /** Parses the form {@link #toString()} writes, "(1, 28, 28)", or plain "1x28x28". */
    public static Shape parse(String text) {
        String t = text.trim();
        if (t.startsWith("(") && t.endsWith(")")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isBlank()) {
            return new Shape(new int[0]);
        }
        String[] parts = t.split("\\s*[,x]\\s*");
        int[] d = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                d[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a shape: '" + text + "'");
            }
        }
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(dims[i]);
        }
        return s.append(dims.length == 1 ? ",)" : ")").toString();
    }
}

package io.gradsign;

import java.util.Objects;

/**
 * Class labels of a batch, held where the backend computes (int32 in device memory for CUDA),
 * validated in Java when written: every label is in [0, {@link #classes()}). Reuse one across
 * batches with {@link #copyFrom(int[])}; closing it frees its memory.
 */
public final class Labels implements AutoCloseable {
    private final Tensor storage;
    private final int classes;

    Labels(Tensor storage, int classes) {
        this.storage = storage;
        this.classes = classes;
    }

    /** Labels for up to {@code capacity} samples of {@code classes} classes, all 0 until written. */
    static Labels allocate(Backend backend, int capacity, int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be > 0, got " + classes);
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        return new Labels(backend.allocate(Shape.of(capacity), DType.INT32), classes);
    }

    /** Labels over the first {@code count} entries of these, sharing their memory (closing it frees nothing). */
    public Labels prefix(int count) {
        return new Labels(storage.view(0, count), classes);
    }

    /** Writes {@code labels} (its length must equal {@link #count()}), after checking every value. */
    public void copyFrom(int[] labels) {
        Objects.requireNonNull(labels, "labels");
        if (labels.length != count()) {
            throw new IllegalArgumentException("got " + labels.length + " labels for a buffer of " + count());
        }
        copyFrom(labels, 0);
    }

    /**
     * Writes {@link #count()} labels read from {@code source} at {@code offset} (one batch of a whole
     * data set's labels), after checking every value.
     */
    public void copyFrom(int[] source, int offset) {
        Objects.requireNonNull(source, "source");
        int count = count();
        if (offset < 0 || offset > source.length - count) {
            throw new IllegalArgumentException("labels [" + offset + ", " + offset + " + " + count
                    + ") are outside the source's [0, " + source.length + ")");
        }
        for (int i = 0; i < count; i++) {
            int label = source[offset + i];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " at index " + (offset + i) + " is outside [0, "
                        + classes + ")");
            }
        }
        storage.copyFrom(source, offset, 0, count);
    }

    /** The labels, read back. */
    public int[] toArray() {
        return storage.toIntArray();
    }

    /** Number of labels. */
    public int count() {
        return (int) storage.length();
    }

    /** Labels lie in [0, classes). */
    public int classes() {
        return classes;
    }

    /** The int32 storage, for backends. */
    public Tensor storage() {
        return storage;
    }

    public boolean isClosed() {
        return storage.isClosed();
    }

    @Override
    public void close() {
        storage.close();
    }
}

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
    /** The labels' bits as floats, the form the storage takes; made at the first write. */
    private float[] bits;

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
        return new Labels(backend.allocate(capacity), classes);
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
        // kept between calls: a batch's labels are written again for every batch
        float[] bits = this.bits;
        if (bits == null) {
            bits = new float[count];
            this.bits = bits;
        }
        for (int i = 0; i < count; i++) {
            int label = source[offset + i];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " at index " + (offset + i) + " is outside [0, "
                        + classes + ")");
            }
            // the int's bits travel in a float slot: copies move bits, never values
            bits[i] = Float.intBitsToFloat(label);
        }
        storage.copyFrom(bits);
    }

    /** The labels, read back. */
    public int[] toArray() {
        float[] bits = storage.toArray();
        int[] labels = new int[bits.length];
        for (int i = 0; i < bits.length; i++) {
            labels[i] = Float.floatToRawIntBits(bits[i]);
        }
        return labels;
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

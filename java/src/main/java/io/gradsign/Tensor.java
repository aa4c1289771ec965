package io.gradsign;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An array of {@link #length()} elements of one {@link DType} (float32, or int32 for labels and
 * pooling indices) with a {@link Shape} (row-major; NCHW for images), living where its
 * {@link Backend} computes: a Java array for the CPU backend, device memory for CUDA. An owning
 * tensor frees its memory on {@link #close()}; a view ({@link #view}, {@link #reshape},
 * {@link #slice}) or a wrapped foreign buffer never frees anything, and is unusable once its parent
 * is closed. A tensor made from a length alone has the one-dimensional shape {@code (length,)}.
 */
public abstract class Tensor implements AutoCloseable {
    private final Backend backend;
    private final long length;
    private final Tensor parent;
    private final DType dtype;
    private Shape shape;
    private final AtomicBoolean closed = new AtomicBoolean();

    protected Tensor(Backend backend, long length, Tensor parent) {
        this(backend, length, DType.FLOAT32, parent);
    }

    protected Tensor(Backend backend, long length, DType dtype, Tensor parent) {
        this.backend = Objects.requireNonNull(backend, "backend");
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        this.length = length;
        this.parent = parent;
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        // shapes count in ints: a longer flat buffer (device memory only) has none
        this.shape = length <= Integer.MAX_VALUE ? Shape.of((int) length) : null;
    }

    /** Number of elements. */
    public final long length() {
        return length;
    }

    /** The element type. */
    public final DType dtype() {
        return dtype;
    }

    /** The dimensions; their product is {@link #length()}. */
    public final Shape shape() {
        if (shape == null) {
            throw new IllegalStateException("a flat buffer of " + length + " elements has no shape");
        }
        return shape;
    }

    /**
     * A view of the same memory with another shape of the same element count.
     *
     * @throws IllegalArgumentException naming both shapes if the counts differ
     */
    public final Tensor reshape(Shape newShape) {
        checkOpen("tensor");
        Objects.requireNonNull(newShape, "shape");
        if (newShape.size() != length) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + length + " elements) to " + newShape
                    + " (" + newShape.size() + " elements)");
        }
        Tensor view = createView(0, length);
        view.shape = newShape;
        return view;
    }

    /** Gives a tensor just allocated its shape (the backend's allocate(Shape)); the count is checked there. */
    final void assignShape(Shape newShape) {
        shape = newShape;
    }

    /** {@link #reshape(Shape)} to the given dimensions. */
    public final Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /**
     * The samples [start, start + count) along the first dimension, as a view with the same trailing
     * dimensions: a part of a batch.
     */
    public final Tensor slice(int start, int count) {
        checkOpen("tensor");
        if (shape().rank() == 0) {
            throw new IllegalArgumentException("a scalar tensor cannot be sliced");
        }
        int rows = shape().dim(0);
        if (start < 0 || count < 0 || start > rows - count) {
            throw new IllegalArgumentException("slice [" + start + ", " + start + " + " + count + ") is outside the "
                    + rows + " samples of shape " + shape);
        }
        long row = rows == 0 ? 0 : length / rows;
        Tensor view = createView(start * row, count * row);
        view.shape = shape.withBatch(count);
        return view;
    }

    public final Backend backend() {
        return backend;
    }

    /** True once this tensor, a parent of it, or its backend is closed. */
    public final boolean isClosed() {
        return closed.get() || (parent != null && parent.isClosed()) || backend.isClosed();
    }

    /** Throws {@link IllegalStateException} naming {@code role} if this tensor cannot be used. */
    public final void checkOpen(String role) {
        if (isClosed()) {
            throw new IllegalStateException(role + " is closed (" + this + ")");
        }
    }

    /** A one-dimensional tensor over elements [offset, offset + length) of this one, sharing its memory. */
    public final Tensor view(long offset, long length) {
        checkOpen("tensor");
        checkRange("view", offset, length, this.length);
        return createView(offset, length);
    }

    /** Copies all of {@code source} into this float32 tensor; the lengths must be equal. */
    public final void copyFrom(float[] source) {
        Objects.requireNonNull(source, "source");
        if (source.length != length) {
            throw new IllegalArgumentException("source has " + source.length + " floats, tensor has " + length);
        }
        copyFrom(source, 0, 0, source.length);
    }

    /** Copies {@code count} floats from {@code source[sourceOffset..]} to this tensor at {@code offset}. */
    public final void copyFrom(float[] source, int sourceOffset, long offset, int count) {
        Objects.requireNonNull(source, "source");
        checkOpen("tensor");
        checkType(DType.FLOAT32);
        checkRange("copyFrom source", sourceOffset, count, source.length);
        checkRange("copyFrom tensor", offset, count, length);
        write(source, sourceOffset, offset, count);
    }

    /** Copies all of {@code source} into this int32 tensor; the lengths must be equal. */
    public final void copyFrom(int[] source) {
        Objects.requireNonNull(source, "source");
        if (source.length != length) {
            throw new IllegalArgumentException("source has " + source.length + " ints, tensor has " + length);
        }
        copyFrom(source, 0, 0, source.length);
    }

    /** Copies {@code count} ints from {@code source[sourceOffset..]} to this int32 tensor at {@code offset}. */
    public final void copyFrom(int[] source, int sourceOffset, long offset, int count) {
        Objects.requireNonNull(source, "source");
        checkOpen("tensor");
        checkType(DType.INT32);
        checkRange("copyFrom source", sourceOffset, count, source.length);
        checkRange("copyFrom tensor", offset, count, length);
        writeInts(source, sourceOffset, offset, count);
    }

    /** A new Java array with the whole int32 tensor. */
    public final int[] toIntArray() {
        checkOpen("tensor");
        checkType(DType.INT32);
        int[] values = new int[(int) length];
        readInts(0, values, 0, values.length);
        return values;
    }

    /** Throws {@link IllegalArgumentException} unless this tensor holds {@code expected} elements. */
    public final void checkType(DType expected) {
        if (dtype != expected) {
            throw new IllegalArgumentException("tensor holds " + dtype + ", not " + expected + " (" + this + ")");
        }
    }

    /** Copies {@code count} floats of this tensor from {@code offset} to {@code destination[destinationOffset..]}. */
    public final void copyTo(long offset, float[] destination, int destinationOffset, int count) {
        Objects.requireNonNull(destination, "destination");
        checkOpen("tensor");
        checkType(DType.FLOAT32);
        checkRange("copyTo tensor", offset, count, length);
        checkRange("copyTo destination", destinationOffset, count, destination.length);
        read(offset, destination, destinationOffset, count);
    }

    /** A new Java array with the whole tensor; it must hold at most {@link Integer#MAX_VALUE} - 8 floats. */
    public final float[] toArray() {
        checkOpen("tensor");
        checkType(DType.FLOAT32);
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + length + " floats does not fit a Java array");
        }
        float[] values = new float[(int) length];
        read(0, values, 0, values.length);
        return values;
    }

    /** True if this tensor frees its memory when closed (false for views and wrapped buffers). */
    public boolean ownsMemory() {
        return parent == null;
    }

    /** Releases the memory if this tensor owns it. Idempotent; views only mark themselves closed. */
    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    protected final Tensor parent() {
        return parent;
    }

    /** True if this tensor and {@code other} share at least one float of memory. */
    public final boolean overlaps(Tensor other) {
        if (memoryIdentity() != other.memoryIdentity() || length == 0 || other.length == 0) {
            return false;
        }
        long start = memoryStart();
        long otherStart = other.memoryStart();
        return start < otherStart + other.length && otherStart < start + length;
    }

    /**
     * True if this tensor and {@code other} share some memory without being the same range:
     * an element-wise operation whose output overlaps an input like that has no defined result.
     */
    public final boolean overlapsPartially(Tensor other) {
        return overlaps(other) && !(memoryStart() == other.memoryStart() && length == other.length);
    }

    /** The memory this tensor lives in: tensors with different identities never overlap. */
    protected abstract Object memoryIdentity();

    /** Where this tensor starts within {@link #memoryIdentity()}, in floats. */
    protected abstract long memoryStart();

    /** Unchecked copy in; arguments already validated. */
    protected abstract void write(float[] source, int sourceOffset, long offset, int count);

    /** Unchecked copy out; arguments already validated. */
    protected abstract void read(long offset, float[] destination, int destinationOffset, int count);

    /** Unchecked int32 copy in; arguments already validated. */
    protected abstract void writeInts(int[] source, int sourceOffset, long offset, int count);

    /** Unchecked int32 copy out; arguments already validated. */
    protected abstract void readInts(long offset, int[] destination, int destinationOffset, int count);

    /** Unchecked view of the same dtype; arguments already validated. */
    protected abstract Tensor createView(long offset, long length);

    /** Frees owned memory; called once. */
    protected abstract void release();

    static void checkRange(String what, long offset, long count, long available) {
        if (offset < 0 || count < 0 || offset > available - count) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + offset + " + " + count
                    + ") is outside [0, " + available + ")");
        }
    }
}

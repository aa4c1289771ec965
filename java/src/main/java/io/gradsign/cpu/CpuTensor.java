package io.gradsign.cpu;

import io.gradsign.DType;
import io.gradsign.Tensor;

/**
 * A tensor in a Java array: floats [offset, offset + length) of {@link #data()}, or for int32 ints of
 * {@link #ints()}. The array's writes
 * through this backend are counted ({@link #writes()}), so that what a fused step derives from a
 * tensor (the transposed weights of {@link FusedStepOne}) is derived again after a write.
 */
public final class CpuTensor extends Tensor {
    /**
     * The count of writes through this backend to one array (a tensor and all its views), and whether
     * the array is a caller's, wrapped: the caller may then write it without the backend seeing it.
     */
    static final class Writes {
        private final boolean external;
        private long count;

        Writes(boolean external) {
            this.external = external;
        }

        /** Whether writes to this array can bypass the backend (a wrapped caller's array). */
        boolean external() {
            return external;
        }

        long count() {
            return count;
        }
    }

    private final CpuBackend backend;
    private final float[] data;
    /** The int32 tensor's array (null for float32, whose {@link #data} is then null). */
    private final int[] ints;
    private final int offset;
    /** A caller's array wrapped without a copy: owned by the caller, not by the backend. */
    private final boolean wrapped;
    /** Shared with this tensor's views and the tensor it is a view of. */
    private final Writes writes;

    /** A tensor over floats [offset, offset + length) of a new array of the backend's. */
    CpuTensor(CpuBackend backend, float[] data, int offset, int length) {
        this(backend, data, null, offset, length, null, false, new Writes(false));
    }

    /** An int32 tensor over a new array of the backend's. */
    CpuTensor(CpuBackend backend, int[] ints) {
        this(backend, null, ints, 0, ints.length, null, false, new Writes(false));
    }

    /** A caller's array, wrapped. */
    static CpuTensor wrapping(CpuBackend backend, float[] data, int offset, int length) {
        return new CpuTensor(backend, data, null, offset, length, null, true, new Writes(true));
    }

    private CpuTensor(CpuBackend backend, float[] data, int[] ints, int offset, int length, Tensor parent,
                      boolean wrapped, Writes writes) {
        super(backend, length, ints == null ? DType.FLOAT32 : DType.INT32, parent);
        this.backend = backend;
        this.data = data;
        this.ints = ints;
        this.offset = offset;
        this.wrapped = wrapped;
        this.writes = writes;
    }

    /** The count of writes to this tensor's array, shared with its views. */
    Writes writes() {
        return writes;
    }

    /** Counts a write to this tensor's array: every operation of the backend that writes it calls this. */
    void written() {
        writes.count++;
    }

    @Override
    public boolean ownsMemory() {
        return !wrapped && super.ownsMemory();
    }

    /** The backing array, shared with views; for code in this backend. */
    float[] data() {
        return data;
    }

    /** The backing int array of an int32 tensor, shared with views; null for float32. */
    int[] ints() {
        return ints;
    }

    /** Where this tensor starts in {@link #data()} (or {@link #ints()}). */
    int offset() {
        return offset;
    }

    @Override
    protected Object memoryIdentity() {
        return data != null ? data : ints;
    }

    @Override
    protected long memoryStart() {
        return offset;
    }

    @Override
    protected void write(float[] source, int sourceOffset, long offset, int count) {
        System.arraycopy(source, sourceOffset, data, this.offset + (int) offset, count);
        written();
    }

    @Override
    protected void read(long offset, float[] destination, int destinationOffset, int count) {
        System.arraycopy(data, this.offset + (int) offset, destination, destinationOffset, count);
    }

    @Override
    protected void writeInts(int[] source, int sourceOffset, long offset, int count) {
        System.arraycopy(source, sourceOffset, ints, this.offset + (int) offset, count);
        written();
    }

    @Override
    protected void readInts(long offset, int[] destination, int destinationOffset, int count) {
        System.arraycopy(ints, this.offset + (int) offset, destination, destinationOffset, count);
    }

    @Override
    protected Tensor createView(long offset, long length) {
        return new CpuTensor(backend, data, ints, this.offset + (int) offset, (int) length, this, false, writes);
    }

    @Override
    protected void release() {
        if (ownsMemory()) {
            backend.released(this);
        }
    }

    @Override
    public String toString() {
        return "CpuTensor[" + (ints != null ? "int32, " : "") + "shape=" + (length() <= Integer.MAX_VALUE ? shape() : "?") + (wrapped ? ", wraps an array at " + offset
                : ownsMemory() ? "" : ", view at " + offset) + "]";
    }
}

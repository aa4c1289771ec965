package io.gradsign.cpu;

import io.gradsign.Tensor;

/**
 * A tensor in a Java array: floats [offset, offset + length) of {@link #data()}. The array's writes
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
    private final int offset;
    /** A caller's array wrapped without a copy: owned by the caller, not by the backend. */
    private final boolean wrapped;
    /** Shared with this tensor's views and the tensor it is a view of. */
    private final Writes writes;

    /** A tensor over floats [offset, offset + length) of a new array of the backend's. */
    CpuTensor(CpuBackend backend, float[] data, int offset, int length) {
        this(backend, data, offset, length, null, false, new Writes(false));
    }

    /** A caller's array, wrapped. */
    static CpuTensor wrapping(CpuBackend backend, float[] data, int offset, int length) {
        return new CpuTensor(backend, data, offset, length, null, true, new Writes(true));
    }

    private CpuTensor(CpuBackend backend, float[] data, int offset, int length, Tensor parent, boolean wrapped,
                      Writes writes) {
        super(backend, length, parent);
        this.backend = backend;
        this.data = data;
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

    /** Where this tensor starts in {@link #data()}. */
    int offset() {
        return offset;
    }

    @Override
    protected Object memoryIdentity() {
        return data;
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
    protected Tensor createView(long offset, long length) {
        return new CpuTensor(backend, data, this.offset + (int) offset, (int) length, this, false, writes);
    }

    @Override
    protected void release() {
        if (ownsMemory()) {
            backend.released(this);
        }
    }

    @Override
    public String toString() {
        return "CpuTensor[length=" + length() + (wrapped ? ", wraps an array at " + offset
                : ownsMemory() ? "" : ", view at " + offset) + "]";
    }
}

package io.gradsign.cpu;

import io.gradsign.Tensor;

/** A tensor in a Java array: floats [offset, offset + length) of {@link #data()}. */
public final class CpuTensor extends Tensor {
    private final CpuBackend backend;
    private final float[] data;
    private final int offset;
    /** A caller's array wrapped without a copy: owned by the caller, not by the backend. */
    private final boolean wrapped;

    CpuTensor(CpuBackend backend, float[] data, int offset, int length, Tensor parent) {
        this(backend, data, offset, length, parent, false);
    }

    CpuTensor(CpuBackend backend, float[] data, int offset, int length, Tensor parent, boolean wrapped) {
        super(backend, length, parent);
        this.backend = backend;
        this.data = data;
        this.offset = offset;
        this.wrapped = wrapped;
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
    }

    @Override
    protected void read(long offset, float[] destination, int destinationOffset, int count) {
        System.arraycopy(data, this.offset + (int) offset, destination, destinationOffset, count);
    }

    @Override
    protected Tensor createView(long offset, long length) {
        return new CpuTensor(backend, data, this.offset + (int) offset, (int) length, this);
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

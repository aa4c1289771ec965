package io.gradsign.cpu;

import io.gradsign.Tensor;

/** A tensor in a Java array: floats [offset, offset + length) of {@link #data()}. */
public final class CpuTensor extends Tensor {
    private final CpuBackend backend;
    private final float[] data;
    private final int offset;

    CpuTensor(CpuBackend backend, float[] data, int offset, int length, Tensor parent) {
        super(backend, length, parent);
        this.backend = backend;
        this.data = data;
        this.offset = offset;
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
        return "CpuTensor[length=" + length() + (ownsMemory() ? "" : ", view at " + offset) + "]";
    }
}

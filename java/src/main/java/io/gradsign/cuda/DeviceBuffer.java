package io.gradsign.cuda;

import io.gradsign.DType;
import io.gradsign.Tensor;

/**
 * A tensor in CUDA device memory: {@code length} floats at device address {@link #address()}.
 * An owning buffer frees its memory on {@link #close()}; one made by
 * {@link CudaBackend#wrap(long, long)} over memory the library does not own never frees it.
 */
public final class DeviceBuffer extends Tensor {
    private final CudaBackend backend;
    private final long address;
    private final boolean owner;

    DeviceBuffer(CudaBackend backend, long address, long length, Tensor parent, boolean owner) {
        this(backend, address, length, DType.FLOAT32, parent, owner);
    }

    DeviceBuffer(CudaBackend backend, long address, long length, DType dtype, Tensor parent, boolean owner) {
        super(backend, length, dtype, parent);
        this.backend = backend;
        this.address = address;
        this.owner = owner;
    }

    /** The device address of the first float; valid while this buffer is open. */
    public long address() {
        checkOpen("device buffer");
        return address;
    }

    @Override
    public boolean ownsMemory() {
        return owner;
    }

    long rawAddress() {
        return address;
    }

    @Override
    protected Object memoryIdentity() {
        return backend;
    }

    @Override
    protected long memoryStart() {
        return address / Float.BYTES;
    }

    @Override
    protected void write(float[] source, int sourceOffset, long offset, int count) {
        backend.copyToDevice(address + offset * Float.BYTES, source, sourceOffset, count);
    }

    @Override
    protected void read(long offset, float[] destination, int destinationOffset, int count) {
        backend.copyToHost(destination, destinationOffset, address + offset * Float.BYTES, count);
    }

    @Override
    protected void writeInts(int[] source, int sourceOffset, long offset, int count) {
        backend.copyIntsToDevice(address + offset * Integer.BYTES, source, sourceOffset, count);
    }

    @Override
    protected void readInts(long offset, int[] destination, int destinationOffset, int count) {
        backend.copyIntsToHost(destination, destinationOffset, address + offset * Integer.BYTES, count);
    }

    @Override
    protected Tensor createView(long offset, long length) {
        return new DeviceBuffer(backend, address + offset * Float.BYTES, length, dtype(), this, false);
    }

    @Override
    protected void release() {
        if (owner) {
            backend.free(this);
        }
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + (dtype() == DType.INT32 ? "int32, " : "") + "length=" + length() + ", address=0x" + Long.toHexString(address)
                + (owner ? "" : ", not owned") + "]";
    }
}

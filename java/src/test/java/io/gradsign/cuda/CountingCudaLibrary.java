package io.gradsign.cuda;

import java.util.concurrent.atomic.AtomicLong;

/** A CudaLibrary that counts the calls that reach native code, for tests of validation. */
public final class CountingCudaLibrary implements CudaLibrary {
    private final CudaLibrary delegate;
    private final AtomicLong calls = new AtomicLong();

    public CountingCudaLibrary(CudaLibrary delegate) {
        this.delegate = delegate;
    }

    /** Calls that changed native state or ran a kernel (status and message lookups not counted). */
    public long calls() {
        return calls.get();
    }

    private <T> T count(T result) {
        calls.incrementAndGet();
        return result;
    }

    @Override public boolean isEmulated() { return delegate.isEmulated(); }
    @Override public String statusName(int status) { return delegate.statusName(status); }
    @Override public String lastErrorMessage() { return delegate.lastErrorMessage(); }
    @Override public String buildInfo() { return delegate.buildInfo(); }
    @Override public int deviceCount(int[] count) { return count(delegate.deviceCount(count)); }
    @Override public int deviceProperties(int device, byte[] name, long[] values) { return count(delegate.deviceProperties(device, name, values)); }
    @Override public int memoryInfo(long[] freeBytes, long[] totalBytes) { return count(delegate.memoryInfo(freeBytes, totalBytes)); }
    @Override public int malloc(long[] address, long bytes) { return count(delegate.malloc(address, bytes)); }
    @Override public int free(long address) { return count(delegate.free(address)); }
    @Override public int copyToDevice(long destination, float[] source, long sourceOffset, long count) { return count(delegate.copyToDevice(destination, source, sourceOffset, count)); }
    @Override public int copyToHost(float[] destination, long destinationOffset, long source, long count) { return count(delegate.copyToHost(destination, destinationOffset, source, count)); }
    @Override public int copyOnDevice(long destination, long source, long bytes) { return count(delegate.copyOnDevice(destination, source, bytes)); }
    @Override public int memset(long destination, int value, long bytes) { return count(delegate.memset(destination, value, bytes)); }
    @Override public int synchronize() { return count(delegate.synchronize()); }
    @Override public int signStep(long out, long x, long gradient, long count, float epsilon, float lo, float hi) { return count(delegate.signStep(out, x, gradient, count, epsilon, lo, hi)); }
}

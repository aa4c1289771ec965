package io.gradsign.cpu;

import io.gradsign.AbstractBackend;
import io.gradsign.BackendKind;

/** Plain Java on the CPU: runs anywhere, and is the reference the CUDA backend is checked against. */
public final class CpuBackend extends AbstractBackend<CpuTensor> {

    public CpuBackend() {
        super(CpuTensor.class);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CPU;
    }

    @Override
    public String description() {
        return "cpu (Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " cores)";
    }

    @Override
    protected CpuTensor allocateZeroed(long length) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the CPU backend holds at most " + (Integer.MAX_VALUE - 8)
                    + " floats in a tensor, got " + length);
        }
        return new CpuTensor(this, new float[(int) length], 0, (int) length, null);
    }

    @Override
    protected void copyChecked(CpuTensor destination, CpuTensor source) {
        System.arraycopy(source.data(), source.offset(), destination.data(), destination.offset(), (int) source.length());
    }

    @Override
    protected void signStepChecked(CpuTensor out, CpuTensor x, CpuTensor gradient, float epsilon, float lo, float hi) {
        SignStep.signStep(out.data(), out.offset(), x.data(), x.offset(), gradient.data(), gradient.offset(),
                (int) x.length(), epsilon, lo, hi);
    }

    @Override
    public void synchronize() {
        checkOpen();
    }

    void released(CpuTensor tensor) {
        forget(tensor);
    }

    @Override
    protected void closeBackend() {
        // Java arrays need no release
    }
}

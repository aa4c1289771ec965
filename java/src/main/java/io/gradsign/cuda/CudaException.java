package io.gradsign.cuda;

/** A CUDA call failed inside native code: carries the operation, the status and the CUDA message. */
public class CudaException extends RuntimeException {
    private final String operation;
    private final int status;
    private final String statusName;

    public CudaException(String operation, int status, String statusName, String nativeMessage) {
        super(operation + " failed: " + statusName + " (" + status + "): " + nativeMessage);
        this.operation = operation;
        this.status = status;
        this.statusName = statusName;
    }

    /** The library operation that failed, for example {@code signStep}. */
    public String operation() {
        return operation;
    }

    /** The CUDA error code (or the library's own code, 10000 and above). */
    public int status() {
        return status;
    }

    /** The CUDA name of the status, for example {@code cudaErrorMemoryAllocation}. */
    public String statusName() {
        return statusName;
    }
}

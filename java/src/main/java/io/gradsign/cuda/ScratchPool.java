package io.gradsign.cuda;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The dense products' scratch (native/src/dense.cu: the partial tiles of a product that splits its
 * contraction), one per concurrent caller, never one for the process: a caller takes one for a call
 * and gives it back once its kernels are launched, so two threads never launch on the same scratch
 * at once. Reuse after launching is safe because every launch goes to the legacy default stream,
 * where a later kernel starts after an earlier one ends; on the emulation a launch runs on its
 * caller's thread and is done when the call returns. The pool grows to the most callers at once and
 * is freed with the backend.
 */
final class ScratchPool {
    private final CudaLibrary library;
    private final ConcurrentLinkedDeque<Long> idle = new ConcurrentLinkedDeque<>();
    private final Set<Long> all = ConcurrentHashMap.newKeySet();
    private volatile long bytes = -1;

    ScratchPool(CudaLibrary library) {
        this.library = library;
    }

    /** A scratch for this caller alone until {@link #give}: one idle, or a new one (zeroed, as the kernels need). */
    long take() {
        Long scratch = idle.pollFirst();
        if (scratch != null) {
            return scratch;
        }
        long size = bytes();
        long[] address = new long[1];
        library.check(library.malloc(address, size), "allocate a dense scratch of " + size + " bytes");
        int status = library.memset(address[0], 0, size);
        if (status != 0) {
            library.free(address[0]);
            library.check(status, "allocate a dense scratch: memset");
        }
        all.add(address[0]);
        return address[0];
    }

    /** Gives back a scratch from {@link #take}, once the kernels that use it are launched. */
    void give(long scratch) {
        idle.addFirst(scratch);
    }

    /** Scratches allocated so far (for tests). */
    int allocated() {
        return all.size();
    }

    private long bytes() {
        long size = bytes;
        if (size < 0) {
            long[] result = new long[1];
            library.check(library.denseScratchBytes(result), "denseScratchBytes");
            size = result[0];
            bytes = size;
        }
        return size;
    }

    /** Frees every scratch; the backend is closing and no call may be running. */
    void close() {
        for (Long scratch : all) {
            library.free(scratch);
        }
        all.clear();
        idle.clear();
    }
}

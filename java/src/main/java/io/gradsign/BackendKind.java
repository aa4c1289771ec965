package io.gradsign;

import java.util.Locale;

/** The backends gradsign can run on, with the names the {@code gradsign.backend} property takes. */
public enum BackendKind {
    /** Plain Java on the CPU: runs anywhere and is the reference the CUDA results are checked against. */
    CPU("cpu"),
    /** Hand-written CUDA kernels on an NVIDIA GPU (libgradsign). */
    CUDA("cuda"),
    /** The same CUDA kernels run by the CPU emulation of CUDA (libgradsign_emu): for tests, not speed. */
    CUDA_EMULATED("cuda-emulated");

    private final String id;

    BackendKind(String id) {
        this.id = id;
    }

    /** The name used by the {@code gradsign.backend} system property. */
    public String id() {
        return id;
    }

    /** Parses "cpu", "cuda" or "cuda-emulated" (any case); throws naming the value otherwise. */
    public static BackendKind fromId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (BackendKind kind : values()) {
            if (kind.id.equals(wanted)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + id + "': expected cpu, cuda or cuda-emulated");
    }

    @Override
    public String toString() {
        return id;
    }
}

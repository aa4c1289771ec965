package io.gradsign;

import io.gradsign.cpu.CpuBackend;
import io.gradsign.cuda.CudaBackend;
import io.gradsign.cuda.CudaLibrary;
import java.lang.System.Logger.Level;

/**
 * Opens backends. {@link #open()} picks CUDA when a device is present, else the CPU; the system
 * property {@value #PROPERTY} ({@code cpu}, {@code cuda}, {@code cuda-emulated} or {@code auto})
 * or {@link #open(BackendKind)} forces one. The choice and its reason are logged (System.Logger
 * "io.gradsign") and can be read back with {@link Backend#kind()} and {@link #lastChoice()}.
 */
public final class Backends {
    /** The system property that forces a backend. */
    public static final String PROPERTY = "gradsign.backend";

    private static final System.Logger LOG = System.getLogger("io.gradsign");
    private static volatile String lastChoice = "no backend opened yet";

    private Backends() {}

    /** The backend named by {@value #PROPERTY}, or, without it (or with {@code auto}), the best available. */
    public static Backend open() {
        String forced = System.getProperty(PROPERTY, "auto").trim();
        if (forced.isEmpty() || forced.equalsIgnoreCase("auto")) {
            return openBest();
        }
        return open(BackendKind.fromId(forced), PROPERTY + "=" + forced);
    }

    /**
     * Exactly the backend {@code kind} (device 0 for CUDA).
     *
     * @throws IllegalStateException if it cannot run here (no GPU for {@code cuda}, a native library
     *     that does not load); the message says why
     */
    public static Backend open(BackendKind kind) {
        return open(kind, "requested by the caller");
    }

    /** Why the last backend was chosen, for example "cuda-emulated: gradsign.backend=cuda-emulated". */
    public static String lastChoice() {
        return lastChoice;
    }

    /** Whether libgradsign loads and sees a CUDA device; the reason when not. */
    public static String cudaUnavailableReason() {
        try {
            int devices = CudaBackend.deviceCount(CudaLibrary.loadCuda());
            return devices > 0 ? null : "no CUDA device (" + CudaLibrary.loadCuda().buildInfo() + ")";
        } catch (LinkageError e) {
            return "libgradsign did not load: " + e;
        }
    }

    private static Backend openBest() {
        String reason = cudaUnavailableReason();
        if (reason == null) {
            return open(BackendKind.CUDA, "a CUDA device is present");
        }
        return open(BackendKind.CPU, reason);
    }

    private static Backend open(BackendKind kind, String why) {
        Backend backend = switch (kind) {
            case CPU -> new CpuBackend();
            case CUDA, CUDA_EMULATED -> CudaBackend.open(load(kind));
        };
        lastChoice = kind + ": " + why + " -> " + backend.description();
        LOG.log(Level.INFO, "gradsign backend " + lastChoice);
        return backend;
    }

    private static CudaLibrary load(BackendKind kind) {
        try {
            return kind == BackendKind.CUDA ? CudaLibrary.loadCuda() : CudaLibrary.loadEmulated();
        } catch (LinkageError e) {
            throw new IllegalStateException("the native library of the " + kind + " backend did not load: " + e, e);
        }
    }
}

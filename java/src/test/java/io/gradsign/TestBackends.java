package io.gradsign;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;

/** Opens the backends the tests compare, and makes their random inputs. */
public final class TestBackends {
    private TestBackends() {}

    /**
     * The CUDA path the tests check against the CPU: {@code kind} is CUDA (skipped, with the
     * reason, where no GPU is present) or CUDA_EMULATED (runs everywhere).
     */
    public static Backend openCudaPath(BackendKind kind) {
        if (kind == BackendKind.CUDA) {
            String reason = Backends.cudaUnavailableReason();
            assumeTrue(reason == null, () -> "skipped, needs a real GPU: " + reason);
        }
        return Backends.open(kind);
    }

    /** Uniform floats in [lo, hi), from a printed seed so a failure can be replayed. */
    public static float[] uniform(long seed, int count, float lo, float hi) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = lo + (hi - lo) * random.nextFloat();
        }
        return values;
    }

    /** An array of NaN, so an element a kernel fails to write cannot pass for a right one. */
    public static float[] poison(int count) {
        float[] values = new float[count];
        java.util.Arrays.fill(values, Float.NaN);
        return values;
    }

    /** The bytes this thread allocates, counted by the JVM; skips the test where the JVM does not count them. */
    public static com.sun.management.ThreadMXBean allocationCounter() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean
                        && ((com.sun.management.ThreadMXBean) bean).isThreadAllocatedMemorySupported()
                        && ((com.sun.management.ThreadMXBean) bean).isThreadAllocatedMemoryEnabled(),
                "skipped: this JVM does not count the bytes a thread allocates");
        return (com.sun.management.ThreadMXBean) bean;
    }
}

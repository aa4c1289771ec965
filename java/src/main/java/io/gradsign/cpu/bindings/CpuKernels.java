package io.gradsign.cpu.bindings;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The CPU backend's own kernels (native/cpu, linked into this binding's JNI library) on Java arrays
 * in place: one sample's backward pass to the input (it skips the rows whose gradient is zero), the
 * fused sign step, the scan for non-finite inputs. Each call covers a range of columns or elements,
 * so the Java side splits the work over cores; see native/include/gradsign_cpu.h.
 */
@Platform(include = "gradsign_cpu_java.h")
public final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {}

    /** dx[c] = sum over r of dy[r] weights[r, c] for c in [columnFrom, columnTo); rows with dy[r] == 0 are skipped. */
    @CriticalRegion
    public static native void gradsign_cpu_dense_backward_input_one_at(float[] dx, long dxOffset,
                                                                       @Cast("const float*") float[] weights,
                                                                       long weightsOffset,
                                                                       @Cast("const float*") float[] dy, long dyOffset,
                                                                       int in, int out, int columnFrom, int columnTo);

    /** out[i] = clip(x[i] + epsilon sign(gradient[i]), lo, hi) for i &lt; count; the CUDA kernel's bits. */
    @CriticalRegion
    public static native void gradsign_cpu_sign_step_at(float[] out, long outOffset, @Cast("const float*") float[] x,
                                                        long xOffset, @Cast("const float*") float[] gradient,
                                                        long gradientOffset, long count, float epsilon, float lo,
                                                        float hi);

    /** The index (from offset) of the first infinite or NaN value among count, -1 if there is none. */
    @CriticalRegion
    public static native long gradsign_cpu_first_non_finite_at(@Cast("const float*") float[] values, long offset,
                                                               long count);

    /** The instruction set in use: 0 generic, 1 AVX2, 2 AVX-512. */
    public static native int gradsign_cpu_isa();

    /** Uses {@code isa} or the best this CPU has below it (for tests); returns the one in use. */
    public static native int gradsign_cpu_use_isa(int isa);
}

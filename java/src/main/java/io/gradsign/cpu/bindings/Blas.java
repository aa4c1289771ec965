package io.gradsign.cpu.bindings;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The CPU backend's matrix product: OpenBLAS (from JavaCPP's preset, which ships the library in a
 * jar) called on Java arrays in place. {@code @CriticalRegion} pins the arrays instead of copying
 * them, so a product of large matrices costs no copy.
 */
@Platform(include = "gradsign_blas.h")
public final class Blas {
    static {
        // the preset loads libopenblas.so.0 from its own jar; this binding's JNI library, which needs
        // that soname, then finds it already loaded
        Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        Loader.load();
    }

    private Blas() {}

    /** See native/include/gradsign_blas.h: c (m, n) = alpha op(a) op(b) + beta c, row-major, at offsets. */
    @CriticalRegion
    public static native void gradsign_sgemm(int transA, int transB, int m, int n, int k, float alpha,
                                             @Cast("const float*") float[] a, long aOffset, int lda,
                                             @Cast("const float*") float[] b, long bOffset, int ldb, float beta,
                                             float[] c, long cOffset, int ldc);

    /** OpenBLAS's thread count for the calls that follow (its default may exceed this machine's cores). */
    public static native void openblas_set_num_threads(int threads);

    public static native int openblas_get_num_threads();

    /** The name of the kernels OpenBLAS runs on this CPU ("SkylakeX", "Haswell", ...; OPENBLAS_CORETYPE may choose them). */
    public static native @Cast("const char*") String openblas_get_corename();

    /** The thread count of the calling thread's next calls (OpenBLAS 0.3.27+); returns the previous one. */
    public static native int openblas_set_num_threads_local(int threads);
}

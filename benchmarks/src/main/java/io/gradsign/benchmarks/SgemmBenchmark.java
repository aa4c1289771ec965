package io.gradsign.benchmarks;

import io.gradsign.cpu.bindings.Blas;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's sgemm rate, the ceiling the FGSM figures are set against: OpenBLAS (the library the
 * CPU backend calls, with the same threads) on an n &times; n &times; n product.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SgemmBenchmark {
    @Param({"1024"})
    public int n;

    private float[] a;
    private float[] b;
    private float[] c;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble();
            b[i] = (float) random.nextDouble();
        }
        Blas.openblas_set_num_threads(Runtime.getRuntime().availableProcessors());
    }

    @Benchmark
    public float[] sgemm() {
        Blas.gradsign_sgemm(0, 1, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }
}

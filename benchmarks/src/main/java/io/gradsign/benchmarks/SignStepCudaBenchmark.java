package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fused sign step on a real GPU (device memory in, device memory out), beside a device-to-device
 * copy of the same traffic. Run only where a CUDA device is present ({@link BenchmarkReport}
 * leaves it out otherwise).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SignStepCudaBenchmark {
    @Param({"10000", "100000", "1000000", "10000000", "100000000"})
    public int size;

    private Backend cuda;
    private Tensor x;
    private Tensor gradient;
    private Tensor out;
    private Tensor copySource;
    private Tensor copyDestination;

    @Setup(Level.Trial)
    public void setUp() {
        cuda = Backends.open(BackendKind.CUDA);
        float[] values = new float[size];
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextDouble();
        }
        x = cuda.upload(values);
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        gradient = cuda.upload(values);
        out = cuda.allocate(size);
        // a copy of 1.5 * size floats moves the same 12 bytes per element as the step
        copySource = cuda.allocate(size + size / 2L);
        copyDestination = cuda.allocate(size + size / 2L);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cuda.close();
    }

    @Benchmark
    public void signStepCuda() {
        cuda.signStep(out, x, gradient, 0.1f, 0f, 1f);
        cuda.synchronize();
    }

    @Benchmark
    public void copyBaselineCuda() {
        cuda.copy(copyDestination, copySource);
        cuda.synchronize();
    }
}

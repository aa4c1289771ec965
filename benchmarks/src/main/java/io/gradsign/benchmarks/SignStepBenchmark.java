package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Tensor;
import io.gradsign.cpu.SignStep;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * The fused sign step on the CPU backend beside the machine's ceiling for the same traffic: a copy
 * of 1.5 * size floats (6 bytes read and 6 written per element, as the step's 8 read and 4 written
 * make 12), split over the same threads the step uses. Both report operations per second;
 * {@link BenchmarkReport} turns them into GB/s at 12 bytes per element.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
public class SignStepBenchmark {
    /** Bytes each element moves: read x, read gradient, write x'. */
    public static final int BYTES_PER_ELEMENT = 12;

    @Param({"10000", "100000", "1000000", "10000000", "100000000"})
    public int size;

    private Backend cpu;
    private Tensor x;
    private Tensor gradient;
    private Tensor out;
    private float[] copySource;
    private float[] copyDestination;
    private int threads;

    @Setup(Level.Trial)
    public void setUp() {
        cpu = Backends.open(BackendKind.CPU);
        SplittableRandom random = new SplittableRandom(42);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextDouble();
        }
        x = cpu.upload(values);
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        gradient = cpu.upload(values);
        out = cpu.allocate(size);
        int copyLength = size + size / 2;
        copySource = new float[copyLength];
        copyDestination = new float[copyLength];
        System.arraycopy(values, 0, copySource, 0, size);
        // the same split over threads as the step
        threads = SignStep.threadsFor(size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
    }

    @Benchmark
    public void signStepCpu() {
        cpu.signStep(out, x, gradient, 0.1f, 0f, 1f);
    }

    @Benchmark
    public void copyBaseline() {
        if (threads <= 1) {
            System.arraycopy(copySource, 0, copyDestination, 0, copySource.length);
            return;
        }
        long chunk = ((long) copySource.length / threads + 15) & ~15L;
        IntStream.range(0, threads).parallel().forEach(t -> {
            int from = (int) Math.min(copySource.length, t * chunk);
            int to = (int) Math.min(copySource.length, from + chunk);
            System.arraycopy(copySource, from, copyDestination, from, to - from);
        });
    }
}

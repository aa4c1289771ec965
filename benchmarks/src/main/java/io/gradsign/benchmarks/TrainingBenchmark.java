package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.nn.Network;
import io.gradsign.model.Trainer;
import java.util.SplittableRandom;
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

/** One training epoch (60000 images, the size of Fashion-MNIST's training set; batch 64, SGD with momentum). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class TrainingBenchmark {
    /** Images in an epoch. */
    @Param({"60000"})
    public int images;

    /** Samples per SGD step. */
    @Param({"64"})
    public int batch;

    @Param({"mlp", "cnn"})
    public String model;

    @Param({"cpu"})
    public String backend;

    private Backend device;
    private Network network;
    private Trainer trainer;
    private float[] pixels;
    private int[] labels;

    @Setup(Level.Trial)
    public void setUp() {
        device = Backends.open(BackendKind.fromId(backend));
        network = Models.create(device, model, 1);
        trainer = new Trainer(network, batch, 0.01f, 0.9f, 4);
        SplittableRandom random = new SplittableRandom(5);
        pixels = new float[images * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextDouble();
        }
        labels = random.ints(images, 0, 10).toArray();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        network.close();
        device.close();
    }

    @Benchmark
    public double epoch() {
        return trainer.trainEpoch(pixels, labels);
    }
}

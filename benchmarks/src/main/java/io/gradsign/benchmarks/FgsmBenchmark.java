package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.model.Fgsm;
import io.gradsign.model.Sequential;
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

/**
 * FGSM adversarial images per second: one operation is a batch of {@code batch} images through
 * {@code steps} FGSM steps (forward, backward to the input, fused sign step; steps = 10 is the
 * PGD-style iterated attack), host arrays in and out, buffers reused. {@link BenchmarkReport}
 * converts to images/s and to the fraction of the sgemm rate of the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FgsmBenchmark {
    @Param({"softmax", "mlp"})
    public String model;

    @Param({"1", "64", "256", "1024"})
    public int batch;

    @Param({"1", "10"})
    public int steps;

    @Param({"cpu"})
    public String backend;

    private Backend device;
    private Sequential network;
    private Fgsm fgsm;
    private float[] images;
    private int[] labels;
    private float[] adversarial;

    @Setup(Level.Trial)
    public void setUp() {
        device = Backends.open(BackendKind.fromId(backend));
        network = Sequential.create(device, Models.layers(model), 1);
        fgsm = new Fgsm(network, batch);
        SplittableRandom random = new SplittableRandom(2);
        images = new float[batch * 784];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextDouble();
        }
        labels = random.ints(batch, 0, 10).toArray();
        adversarial = new float[images.length];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fgsm.close();
        network.close();
        device.close();
    }

    @Benchmark
    public float[] fgsm() {
        fgsm.perturb(Fgsm.Mode.UNTARGETED, images, labels, 0.1f, 0f, 1f, steps, adversarial);
        return adversarial;
    }
}

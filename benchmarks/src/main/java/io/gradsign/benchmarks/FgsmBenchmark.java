package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Fgsm;
import io.gradsign.nn.Network;
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
 * iterated attack, without projection), host arrays in and out, buffers reused. {@link BenchmarkReport}
 * converts to images/s and to the fraction of the sgemm rate of the same run.
 *
 * <p>{@code images}: {@code uniform}, one batch of pixels uniform in [0, 1] attacked again and again
 * (no pixel is zero, the case where the CPU's batch-1 step cannot skip any input), or
 * {@code fashion}, the Fashion-MNIST test images of the sample shipped in the jar, the next batch of
 * them copied into the same arrays before each operation (half of a Fashion-MNIST image is zero
 * background, which the CPU's batch-1 step skips).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FgsmBenchmark {
    @Param({"softmax", "mlp", "cnn"})
    public String model;

    @Param({"1", "64", "256", "1024"})
    public int batch;

    @Param({"1", "10"})
    public int steps;

    @Param({"cpu"})
    public String backend;

    @Param({"uniform"})
    public String images;

    private Backend device;
    private Network network;
    private Fgsm fgsm;
    private float[] batchImages;
    private int[] labels;
    private float[] adversarial;
    /** For {@code images=fashion}: the test images and labels (null otherwise), and the next one to copy in. */
    private float[] poolImages;
    private int[] poolLabels;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        device = Backends.open(BackendKind.fromId(backend));
        network = Models.create(device, model, 1);
        fgsm = new Fgsm(network, batch);
        SplittableRandom random = new SplittableRandom(2);
        batchImages = new float[batch * 784];
        for (int i = 0; i < batchImages.length; i++) {
            batchImages[i] = (float) random.nextDouble();
        }
        labels = random.ints(batch, 0, 10).toArray();
        adversarial = new float[batchImages.length];
        switch (images) {
            case "uniform" -> poolImages = null;
            case "fashion" -> {
                Dataset test = FashionMnist.embeddedSample().test();
                poolImages = test.images();
                poolLabels = test.labels();
            }
            default -> throw new IllegalArgumentException("images: uniform or fashion, got " + images);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fgsm.close();
        network.close();
        device.close();
    }

    @Benchmark
    public float[] fgsm() {
        if (poolImages != null) {
            for (int n = 0; n < batch; n++) {
                System.arraycopy(poolImages, next * 784, batchImages, n * 784, 784);
                labels[n] = poolLabels[next];
                next = next + 1 == poolLabels.length ? 0 : next + 1;
            }
        }
        fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, batchImages, labels, 0.1f, 0f, 1f, steps, adversarial);
        return adversarial;
    }
}

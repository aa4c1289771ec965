package io.gradsign.benchmarks;

import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import java.util.List;
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
 * One image's FGSM step on the CPU backend, two ways over the same buffers: the backend's fused step
 * ({@link Plans#denseStep}, what {@code Fgsm} runs at batch 1) and its baseline, the separate
 * operations one by one (forward per layer, softmax cross-entropy, activation and dense backward per
 * layer, sign step), which give the same bits where no layer runs over transposed weights (see
 * {@code cpu.FusedStepOne}). Steps per second; no host copies. {@code path=fused-after-write} writes one
 * weight of every layer (its own value, through a view) before each fused step: what a step costs
 * when it must make its transposed copies again, as after a training step.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FusedStepBenchmark {
    @Param({"softmax", "mlp"})
    public String model;

    @Param({"fused", "operations"})
    public String path;

    private Tensor[] weights;
    private float[][] firstWeights;

    private Backend backend;
    private DenseChain chain;
    private GradientStep fused;
    private Tensor x;
    private Tensor adversarial;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.open(BackendKind.CPU);
        int[] widths = Models.widths(model);
        Activation[] activations = Models.activations(model);
        int layers = activations.length;
        weights = new Tensor[layers];
        firstWeights = new float[layers][];
        Tensor[] biases = new Tensor[layers];
        Tensor[] outputs = new Tensor[layers];
        Tensor[] inputGradients = new Tensor[layers];
        SplittableRandom random = new SplittableRandom(1);
        for (int l = 0; l < layers; l++) {
            float limit = (float) Math.sqrt(6.0 / (widths[l] + widths[l + 1]));
            weights[l] = backend.upload(uniform(random, widths[l] * widths[l + 1], limit));
            firstWeights[l] = new float[] {weights[l].toArray()[0]};
            biases[l] = backend.allocate(widths[l + 1]);
            outputs[l] = backend.allocate(widths[l + 1]);
            inputGradients[l] = backend.allocate(widths[l]);
        }
        int classes = widths[layers];
        Labels labels = backend.uploadLabels(new int[] {3}, classes);
        SplittableRandom pixels = new SplittableRandom(2);
        float[] image = new float[widths[0]];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) pixels.nextDouble();
        }
        x = backend.upload(image);
        adversarial = backend.allocate(widths[0]);
        chain = new DenseChain(1, widths, activations, weights, biases, outputs, inputGradients,
                backend.allocate(classes), backend.allocate(1), backend.allocate(classes), labels);
        fused = Plans.denseStep(backend, chain).orElseThrow();
    }

    private static float[] uniform(SplittableRandom random, int count, float limit) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) ((2 * random.nextDouble() - 1) * limit);
        }
        return values;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor step() {
        switch (path) {
            case "fused" -> fused.run(x, adversarial, 1f, 0.1f, 0f, 1f, true);
            case "fused-after-write" -> {
                for (int l = 0; l < weights.length; l++) {
                    weights[l].view(0, 1).copyFrom(firstWeights[l]);
                }
                fused.run(x, adversarial, 1f, 0.1f, 0f, 1f, true);
            }
            case "operations" -> chain.stepByOperations(backend, x, adversarial, 1f, 0.1f, 0f, 1f, true);
            default -> throw new IllegalArgumentException("path: fused, fused-after-write or operations, got " + path);
        }
        return adversarial;
    }
}

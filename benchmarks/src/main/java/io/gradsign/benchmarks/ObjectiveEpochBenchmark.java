package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.nn.Network;
import io.gradsign.train.LearningRate;
import io.gradsign.train.Objective;
import io.gradsign.train.Objectives;
import io.gradsign.train.Trainer;
import io.gradsign.train.TrainingConfig;
import io.gradsign.train.TrainingSet;
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
 * One training epoch of an objective (10000 images at batch 128 by default, SGD with lr 0.05 and momentum
 * 0.9), beside benchmarks/pytorch/adv_train_pytorch.py through benchmarks/compare-pytorch-adv-train.sh:
 * the same objectives and defaults (FGSM-AT and fast AT at &epsilon; = 0.1, PGD-AT with 7 steps of
 * 2.5&epsilon;/7, TRADES with 7 steps and &beta; = 6, VAT with K = 1, &epsilon; = 2, &xi; = 0.01 on labelled
 * batches). Pixels uniform in [0, 1], labels uniform, as the PyTorch side's --data uniform.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ObjectiveEpochBenchmark {
    @Param({"10000"})
    public int images;

    @Param({"128"})
    public int batch;

    @Param({"mlp", "cnn"})
    public String model;

    @Param({"fgsm-at", "pgd-at", "vat"})
    public String objective;

    @Param({"cpu"})
    public String backend;

    private Backend device;
    private Network network;
    private Trainer trainer;
    private TrainingSet data;

    static Objective objective(String name) {
        return switch (name) {
            case "standard" -> Objectives.standard();
            case "fgsm-at" -> Objectives.fgsmAt(0.1f);
            case "fast-at" -> Objectives.fastAt(0.1f);
            case "pgd-at" -> Objectives.pgdAt(0.1f).withSteps(7);
            case "trades" -> Objectives.trades(0.1f).withSteps(7);
            case "vat" -> Objectives.vat(2f).withXi(0.01f).withPowerIterations(1);
            default -> throw new IllegalArgumentException("unknown objective " + name);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        device = Backends.open(BackendKind.fromId(backend));
        network = Models.create(device, model, 1);
        // enough epochs for the warm-up and every measured one; the rate stays constant
        TrainingConfig config = TrainingConfig.of(objective(objective), batch, 1000, LearningRate.constant(0.05f))
                .withMomentum(0.9f).withSeed(4);
        trainer = new Trainer(network, config);
        SplittableRandom random = new SplittableRandom(5);
        float[] pixels = new float[images * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextDouble();
        }
        data = TrainingSet.labelled(pixels, random.ints(images, 0, 10).toArray(), 784);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        network.close();
        device.close();
    }

    @Benchmark
    public double epoch() {
        return trainer.trainEpoch(data).loss();
    }
}

package io.gradsign.benchmarks;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.GradientAttack;
import io.gradsign.attack.Goal;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.nn.Network;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * PGD (L&infin;, Madry et al. 2018: random start, {@code steps} projected sign steps of 2.5&epsilon;/steps,
 * &epsilon; = 0.1) on a batch of the Fashion-MNIST test images shipped in the jar, the next batch copied
 * in before each operation; one operation is {@code AttackSession.run} on the batch: the clean
 * predictions, the attack, the predictions at x'. With {@code earlyStop} the samples leave once
 * adversarial: the {@code passes} counter (forward-backward passes, in samples, per second) then
 * falls below batch &times; steps per operation. PyTorch's side: benchmarks/pytorch/pgd_pytorch.py.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PgdBenchmark {
    @Param({"mlp", "cnn"})
    public String model;

    @Param({"256"})
    public int batch;

    @Param({"10"})
    public int steps;

    @Param({"false", "true"})
    public boolean earlyStop;

    @Param({"cpu"})
    public String backend;

    private Backend device;
    private Network network;
    private AttackSession session;
    private GradientAttack attack;
    private float[] batchImages;
    private int[] labels;
    private float[] poolImages;
    private int[] poolLabels;
    private int next;

    /** Forward-backward passes run, in samples: JMH reports them per second beside the operations. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Passes {
        public long passes;
    }

    @Setup(Level.Trial)
    public void setUp() {
        device = Backends.open(BackendKind.fromId(backend));
        network = Models.create(device, model, 1);
        session = new AttackSession(network, batch);
        attack = Attacks.pgd(0.1f).withSteps(steps).withEarlyStop(earlyStop);
        Dataset test = FashionMnist.embeddedSample().test();
        poolImages = test.images();
        poolLabels = test.labels();
        batchImages = new float[batch * 784];
        labels = new int[batch];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
        network.close();
        device.close();
    }

    @Benchmark
    public AttackResult pgd(Passes passes) {
        for (int n = 0; n < batch; n++) {
            System.arraycopy(poolImages, next * 784, batchImages, n * 784, 784);
            labels[n] = poolLabels[next];
            next = next + 1 == poolLabels.length ? 0 : next + 1;
        }
        AttackResult result = session.run(attack, Goal.UNTARGETED, batchImages, labels);
        passes.passes += result.gradientPasses();
        return result;
    }
}

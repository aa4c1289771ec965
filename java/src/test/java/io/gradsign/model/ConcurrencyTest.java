package io.gradsign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.TestBackends;
import io.gradsign.Tensor;
import io.gradsign.nn.Claim;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The threading rule of Network, Workspace, Fgsm and Trainer, on every backend: a network shared
 * read-only by attacks on 2 and 4 threads, and threads each with a backend, model and attack of
 * their own, give bit for bit what one thread alone gives; a workspace or attack used by two threads
 * at once refuses the second with an IllegalStateException, and never returns a wrong answer; an
 * update (training) needs the network alone.
 */
class ConcurrencyTest {
    /** A dense chain (the backends' fused plans) and a convolution network (layer by layer). */
    private static final String MLP = "dense64-relu-dense32-relu-dense10";
    private static final String CNN = "conv4k3p1-relu-pool2-dense16-relu-dense10";
    private static final int IMAGES = 24;

    private static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    private static Shape inputOf(String spec) {
        return spec.startsWith("conv") ? Shape.of(1, 12, 12) : Shape.of(784);
    }

    /**
     * Each thread runs untargeted FGSM and then 3 iterated steps over its own images, at capacities
     * 1 (the CPU's fused one-sample step) and 16 (the CUDA products that split their contraction
     * through the scratch), on its own attack over the shared network.
     */
    private static float[][] attack(Network network, int thread, int capacity) {
        float[] images = TestBackends.uniform(100 + thread, IMAGES * network.inputSize(), 0f, 1f);
        int[] labels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            labels[i] = (i + thread) % network.classes();
        }
        try (Fgsm fgsm = new Fgsm(network, capacity)) {
            FgsmResult result = fgsm.untargeted(images, labels, 0.1f);
            float[] iterated = new float[images.length];
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, images, labels, 0.02f, 0f, 1f, 3, iterated);
            float[] confidences = result.adversarialConfidence();
            return new float[][] {result.adversarial(), iterated, confidences};
        }
    }

    private static <T> List<T> runAll(int threads, java.util.function.IntFunction<Callable<T>> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<T> work = task.apply(t);
                futures.add(pool.submit(() -> {
                    start.await();
                    return work.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(10, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED", "CUDA"})
    void attacksSharingANetworkMatchOneThread(BackendKind kind) throws Exception {
        try (Backend backend = open(kind)) {
            for (String spec : new String[] {MLP, CNN}) {
                try (Network network = Network.create(backend, inputOf(spec), LayerSpec.parse(spec), 7)) {
                    for (int capacity : new int[] {1, 16}) {
                        float[][][] alone = new float[4][][];
                        for (int t = 0; t < 4; t++) {
                            alone[t] = attack(network, t, capacity);
                        }
                        for (int threads : new int[] {2, 4}) {
                            List<float[][]> together = runAll(threads, t -> () -> attack(network, t, capacity));
                            for (int t = 0; t < threads; t++) {
                                String where = kind + " " + spec + " capacity " + capacity + ", thread " + t + " of "
                                        + threads;
                                assertArrayEquals(alone[t][0], together.get(t)[0], where + ": FGSM images");
                                assertArrayEquals(alone[t][1], together.get(t)[1], where + ": iterated images");
                                assertArrayEquals(alone[t][2], together.get(t)[2], where + ": confidences");
                            }
                        }
                    }
                }
            }
        }
    }

    /** The case: threads each with a backend, model and attack of their own (CUDA: no shared scratch). */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED", "CUDA"})
    void threadsWithTheirOwnBackendsMatchOneThread(BackendKind kind) throws Exception {
        float[][] alone;
        List<float[]> parameters;
        try (Backend backend = open(kind);
             Network network = Network.create(backend, Shape.of(784), LayerSpec.parse(MLP), 11)) {
            parameters = network.parameterValues();
            alone = attack(network, 0, 16);
        }
        for (int threads : new int[] {2, 4}) {
            List<float[][]> together = runAll(threads, t -> () -> {
                try (Backend own = open(kind);
                     Network copy = Network.fromParameters(own, Shape.of(784), LayerSpec.parse(MLP), parameters)) {
                    return attack(copy, 0, 16);
                }
            });
            for (int t = 0; t < threads; t++) {
                assertArrayEquals(alone[0], together.get(t)[0], kind + ": thread " + t + " of " + threads);
                assertArrayEquals(alone[1], together.get(t)[1], kind + ": iterated, thread " + t + " of " + threads);
            }
        }
    }

    @Test
    void aWorkspaceHeldByOneThreadRefusesAnother() throws Exception {
        try (Backend backend = Backends.open(BackendKind.CPU);
             Network network = Network.create(backend, Shape.of(784), LayerSpec.parse(MLP), 3);
             Workspace workspace = network.workspace(4)) {
            Tensor x = workspace.input(2);
            x.copyFrom(TestBackends.uniform(1, 2 * 784, 0f, 1f));
            float[] logits = workspace.logits(x).toArray();
            try (Claim held = workspace.claim()) {
                IllegalStateException refused = runAll(1, t -> () -> assertThrows(IllegalStateException.class,
                        () -> workspace.logits(x))).get(0);
                assertTrue(refused.getMessage().contains("in use by thread \"" + Thread.currentThread().getName()),
                        refused.getMessage());
                runAll(1, t -> () -> assertThrows(IllegalStateException.class, workspace::close));
                runAll(1, t -> () -> assertThrows(IllegalStateException.class, () -> workspace.input(1)));
                // the holder goes on: its calls nest inside the claim
                assertArrayEquals(logits, workspace.logits(x).toArray());
            }
            // released: another thread may use it now, and gets the same answer
            float[] elsewhere = runAll(1, t -> () -> workspace.logits(x).toArray()).get(0);
            assertArrayEquals(logits, elsewhere);
        }
    }

    /**
     * One attack shared by two threads (the crash of the issue, at capacities 1 and 256): a caller
     * gets an IllegalStateException while the other is inside, and every call that returns returns
     * the single-threaded answer.
     */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void oneAttackSharedByTwoThreadsRefusesTheSecond(BackendKind kind) throws Exception {
        try (Backend backend = open(kind);
             Network network = Network.create(backend, Shape.of(784), LayerSpec.parse(MLP), 5)) {
            for (int capacity : new int[] {1, 256}) {
                int longCount = kind == BackendKind.CPU ? 4000 : 300;
                float[] many = TestBackends.uniform(9, longCount * 784, 0f, 1f);
                int[] manyLabels = new int[longCount];
                float[] few = TestBackends.uniform(10, 3 * 784, 0f, 1f);
                int[] fewLabels = {1, 2, 3};
                try (Fgsm fgsm = new Fgsm(network, capacity)) {
                    float[] manyAlone = fgsm.untargeted(many, manyLabels, 0.1f).adversarial();
                    float[] fewAlone = fgsm.untargeted(few, fewLabels, 0.1f).adversarial();
                    AtomicInteger refused = new AtomicInteger();
                    AtomicInteger answered = new AtomicInteger();
                    CountDownLatch started = new CountDownLatch(1);
                    ExecutorService pool = Executors.newSingleThreadExecutor();
                    try {
                        // the long call retries where the short calls got in first
                        Future<float[]> longCall = pool.submit(() -> {
                            started.countDown();
                            while (true) {
                                try {
                                    return fgsm.untargeted(many, manyLabels, 0.1f).adversarial();
                                } catch (IllegalStateException e) {
                                    assertTrue(e.getMessage().contains("in use by thread"), e.getMessage());
                                    refused.incrementAndGet();
                                }
                            }
                        });
                        started.await();
                        while (!longCall.isDone()) {
                            try {
                                assertArrayEquals(fewAlone, fgsm.untargeted(few, fewLabels, 0.1f).adversarial());
                                answered.incrementAndGet();
                            } catch (IllegalStateException e) {
                                assertTrue(e.getMessage().contains("in use by thread"), e.getMessage());
                                refused.incrementAndGet();
                            }
                        }
                        assertArrayEquals(manyAlone, longCall.get(), kind + " capacity " + capacity);
                    } finally {
                        pool.shutdownNow();
                    }
                    assertTrue(refused.get() > 0, kind + " capacity " + capacity + ": the calls never overlapped ("
                            + answered.get() + " answered)");
                }
            }
        }
    }

    @Test
    void anUpdateNeedsTheNetworkAlone() throws Exception {
        try (Backend backend = Backends.open(BackendKind.CPU);
             Network network = Network.create(backend, Shape.of(784), LayerSpec.parse(MLP), 3);
             Trainer trainer = new Trainer(network, 8, 0.01f, 0.9f, 1);
             Workspace workspace = network.workspace(2)) {
            float[] images = TestBackends.uniform(4, 16 * 784, 0f, 1f);
            int[] labels = new int[16];
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> reader = pool.submit(() -> {
                    try (Claim claim = workspace.claim()) {
                        held.countDown();
                        done.await();
                    }
                    return null;
                });
                held.await();
                IllegalStateException training = assertThrows(IllegalStateException.class,
                        () -> trainer.trainEpoch(images, labels));
                assertTrue(training.getMessage().contains("being read by 1 call"), training.getMessage());
                IllegalStateException closing = assertThrows(IllegalStateException.class, network::close);
                assertTrue(closing.getMessage().contains("in use"), closing.getMessage());
                done.countDown();
                reader.get(1, TimeUnit.MINUTES);

                // and the other way round: a claim for an update refuses other threads' workspaces
                try (Claim update = network.claimForUpdate()) {
                    IllegalStateException attacking = pool.submit(() -> assertThrows(IllegalStateException.class,
                            () -> workspace.input(1))).get(1, TimeUnit.MINUTES);
                    assertTrue(attacking.getMessage().contains("being updated by thread"), attacking.getMessage());
                    // its own thread reads on (a trainer's evaluation between batches)
                    assertEquals(1, Evaluation.predict(network, TestBackends.uniform(5, 784, 0f, 1f), 1).length);
                }
            } finally {
                pool.shutdownNow();
            }
            trainer.trainEpoch(images, labels);
        }
    }
}

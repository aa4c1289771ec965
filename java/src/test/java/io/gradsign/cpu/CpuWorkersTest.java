package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CpuWorkers}: every part runs exactly once, helpers take a share; a helper's exception reaches
 * the caller; the caller never returns while a helper still runs; concurrent and nested callers (the
 * busy fallback) stay correct. Each test has a timeout: a lost wake-up would hang here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CpuWorkersTest {

    /** Runs {@code parts} parts once and checks that each ran exactly once, with the right part count. */
    private static void runAndCheckOnce(int parts, String what) {
        AtomicIntegerArray runs = new AtomicIntegerArray(parts);
        AtomicInteger wrongParts = new AtomicInteger(-1);
        CpuWorkers.run(parts, (part, total) -> {
            if (total != parts) {
                wrongParts.set(total);
            }
            runs.incrementAndGet(part);
        });
        assertEquals(-1, wrongParts.get(), what + ": a part was told the wrong number of parts");
        for (int p = 0; p < parts; p++) {
            assertEquals(1, runs.get(p), what + ": part " + p + " of " + parts + " ran " + runs.get(p) + " times");
        }
    }

    @ParameterizedTest(name = "{0} parts")
    @ValueSource(ints = {1, 2, 5})
    void everyPartRunsExactlyOnce(int parts) {
        for (int round = 0; round < 200; round++) {
            runAndCheckOnce(parts, parts + " parts (" + CpuWorkers.CORES + " cores), round " + round);
        }
    }

    /**
     * With 2+ cores the helpers take a share: over many runs of 2 parts of 100 µs each (the size of
     * the smallest split piece of real work), some part runs on a helper. Parts of no work at all may
     * all go to the caller, which claims them before a helper wakes: that is by design.
     */
    /**
     * Pieces in quick succession, more parts than threads: a helper that wakes late must not run a
     * part of a later piece, or run one twice (each piece's parts count in their own slots).
     */
    @Test
    @Timeout(60)
    void manyPiecesInARowRunEachPartOnce() {
        int parts = CpuWorkers.CORES + 1;
        int pieces = 50_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(pieces * parts);
        for (int piece = 0; piece < pieces; piece++) {
            int first = piece * parts;
            CpuWorkers.run(parts, (part, total) -> runs.incrementAndGet(first + part));
        }
        for (int i = 0; i < runs.length(); i++) {
            if (runs.get(i) != 1) {
                fail("piece " + i / parts + " part " + i % parts + " ran " + runs.get(i) + " times");
            }
        }
    }

    /**
     * The caller runs part 0 of every piece it shares: one image's layers are split in the same
     * ranges forward and backward, and the backward pass finds its rows in the cache of the core
     * that read them forward only if each range stays with one thread.
     */
    @Test
    void theCallerAlwaysRunsPartZero() {
        Thread caller = Thread.currentThread();
        for (int piece = 0; piece < 10_000; piece++) {
            AtomicReference<Thread> ranPartZero = new AtomicReference<>();
            CpuWorkers.run(Math.max(2, CpuWorkers.CORES), (part, total) -> {
                if (part == 0) {
                    ranPartZero.set(Thread.currentThread());
                }
            });
            assertSame(caller, ranPartZero.get(), "piece " + piece + ": part 0 ran on " + ranPartZero.get());
        }
    }

    @Test
    void partCountsOutsideTheLimitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CpuWorkers.run(0, (part, total) -> { }));
        assertThrows(IllegalArgumentException.class, () -> CpuWorkers.run(CpuWorkers.MAX_PARTS + 1, (part, total) -> { }));
        AtomicInteger ran = new AtomicInteger();
        CpuWorkers.run(CpuWorkers.MAX_PARTS, (part, total) -> ran.incrementAndGet());
        assertEquals(CpuWorkers.MAX_PARTS, ran.get());
    }

    @Test
    void helpersRunSomeOfTheParts() {
        assumeTrue(CpuWorkers.CORES > 1, "needs a helper thread (2+ cores)");
        Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 200; round++) {
            CpuWorkers.run(2, (part, total) -> {
                threads.add(Thread.currentThread().getName());
                long until = System.nanoTime() + 100_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
        }
        assertTrue(threads.stream().anyMatch(name -> name.startsWith("gradsign-cpu-")),
                "no part ran on a gradsign-cpu helper in 200 runs: " + threads);
    }

    /** Thrown from part 1 (whichever thread claims it): the same object reaches the caller. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"runtime exception", "error"})
    void aHelpersFailureReachesTheCallerAndTheNextRunWorks(String kind) {
        Throwable thrown = kind.equals("error") ? new AssertionError("part 1 fails") : new IllegalStateException("part 1 fails");
        for (int parts : new int[] {2, 5}) {
            Throwable caught = assertThrows(Throwable.class, () -> CpuWorkers.run(parts, (part, total) -> {
                if (part == 1) {
                    if (thrown instanceof RuntimeException e) {
                        throw e;
                    }
                    throw (Error) thrown;
                }
            }));
            assertSame(thrown, caught, parts + " parts: the caller got another throwable");
            // the workers are usable again, and no stale failure is rethrown
            for (int next : new int[] {1, 2, 5}) {
                runAndCheckOnce(next, "after a failure in part 1 of " + parts);
            }
        }
    }

    /** A checked exception thrown by stealth from a helper arrives wrapped in an IllegalStateException. */
    @Test
    void aHelpersCheckedExceptionArrivesAsCause() {
        assumeTrue(CpuWorkers.CORES > 1, "needs a helper thread (2+ cores)");
        Exception checked = new java.io.IOException("part 1 fails");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CpuWorkers.run(2, (part, total) -> {
            if (part == 1) {
                CpuWorkersTest.<RuntimeException>sneakyThrow(checked);
            }
        }));
        assertSame(checked, e.getCause());
        runAndCheckOnce(2, "after a checked exception");
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }

    /** Part 0 fails while part 1 still runs (on a helper, or after it on the caller): run waits for it before it rethrows. */
    @Test
    void theCallerWaitsForHelpersEvenWhenItsOwnPartFails() {
        assumeTrue(CpuWorkers.CORES > 1, "needs a helper thread (2+ cores)");
        AtomicBoolean helperFinished = new AtomicBoolean();
        IllegalArgumentException failure = new IllegalArgumentException("part 0 fails");
        IllegalArgumentException caught = assertThrows(IllegalArgumentException.class, () -> CpuWorkers.run(2, (part, total) -> {
            if (part == 0) {
                throw failure;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            helperFinished.set(true);
        }));
        assertSame(failure, caught);
        assertTrue(helperFinished.get(), "run returned while a helper was still running part 1");
        runAndCheckOnce(2, "after a failure in part 0");
    }

    /** Helpers that parked after their spin (idle for much longer than it) wake up for the next run. */
    @Test
    void helpersWakeUpAfterParking() throws InterruptedException {
        for (int round = 0; round < 5; round++) {
            Thread.sleep(20);
            runAndCheckOnce(CpuWorkers.CORES + 1, "after 20 ms idle, round " + round);
        }
    }

    /** A part that itself splits work (helpers busy: it runs its parts inline) neither deadlocks nor loses parts. */
    @Test
    void nestedRunsCompleteEveryPart() {
        int outer = 3;
        int inner = 4;
        AtomicIntegerArray runs = new AtomicIntegerArray(outer * inner);
        CpuWorkers.run(outer, (o, totalOuter) -> CpuWorkers.run(inner, (i, totalInner) -> runs.incrementAndGet(o * inner + i)));
        for (int k = 0; k < outer * inner; k++) {
            assertEquals(1, runs.get(k), "outer part " + k / inner + ", inner part " + k % inner);
        }
    }

    /**
     * Four threads call run at once, many times: most find the helpers busy and run their parts
     * themselves; each caller still gets every one of its parts run exactly once.
     */
    @Test
    void concurrentCallersEachGetEveryPartOnce() throws Exception {
        int threads = 4;
        int rounds = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int caller = t;
                results.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        int parts = 1 + (round + caller) % 5;
                        AtomicIntegerArray runs = new AtomicIntegerArray(parts);
                        CpuWorkers.run(parts, (part, total) -> runs.incrementAndGet(part));
                        for (int p = 0; p < parts; p++) {
                            if (runs.get(p) != 1) {
                                return "caller " + caller + " round " + round + ": part " + p + " of " + parts + " ran "
                                        + runs.get(p) + " times";
                            }
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<String> result : results) {
                String problem = result.get(50, TimeUnit.SECONDS);
                if (problem != null) {
                    fail(problem);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        runAndCheckOnce(5, "after the concurrent callers");
    }
}

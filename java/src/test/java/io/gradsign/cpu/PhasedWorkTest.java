package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PhasedWork}: every item of every phase runs once per run, no item starts before the phase
 * before it has finished, one thread running the parts in turn finishes (no core waits for work
 * nobody started), and a failing item is rethrown without spoiling later runs.
 */
@Timeout(60)
class PhasedWorkTest {
    /** Items per phase: one-item phases between split ones, and more items than cores. */
    private static final int[] ITEMS = {2, 1, 1, 3, 2, 5, 1, 2};

    /** Records, per phase, how many items ran and whether one started before the phase before it ended. */
    private static final class Recorder implements PhasedWork.Item {
        final AtomicIntegerArray runs = new AtomicIntegerArray(ITEMS.length);
        final AtomicIntegerArray itemRuns = new AtomicIntegerArray(ITEMS.length * 8);
        final AtomicInteger outOfOrder = new AtomicInteger();
        final AtomicInteger wrongCount = new AtomicInteger();
        int expectedPerPhase;

        @Override
        public void run(int phase, int item, int items) {
            if (items != ITEMS[phase]) {
                wrongCount.incrementAndGet();
            }
            if (phase > 0 && runs.get(phase - 1) < expectedPerPhase * ITEMS[phase - 1]) {
                outOfOrder.incrementAndGet();
            }
            itemRuns.incrementAndGet(phase * 8 + item);
            // long enough for the other cores to reach the wait of the phase
            long until = System.nanoTime() + 2_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            runs.incrementAndGet(phase);
        }
    }

    private static void assertRanEachItem(Recorder recorder, int times) {
        for (int phase = 0; phase < ITEMS.length; phase++) {
            for (int item = 0; item < ITEMS[phase]; item++) {
                assertEquals(times, recorder.itemRuns.get(phase * 8 + item), "phase " + phase + ", item " + item);
            }
        }
        assertEquals(0, recorder.outOfOrder.get(), "items started before the phase before them was done");
        assertEquals(0, recorder.wrongCount.get(), "items told the wrong count");
    }

    @Test
    void everyItemRunsOncePerRunAndPhasesFollowInOrder() {
        Recorder recorder = new Recorder();
        PhasedWork work = new PhasedWork(ITEMS, recorder);
        assertEquals(Math.min(5, CpuWorkers.MAX_PARTS), work.parts());
        for (int run = 1; run <= 2_000; run++) {
            recorder.expectedPerPhase = run;
            work.run();
        }
        assertRanEachItem(recorder, 2_000);
    }

    @Test
    void oneThreadRunningEveryPartInTurnFinishes() {
        // what CpuWorkers does when another caller holds its helpers: part 0 runs every item, the
        // other parts then find nothing left to do and nothing to wait for
        Recorder recorder = new Recorder();
        PhasedWork work = new PhasedWork(ITEMS, recorder);
        for (int run = 1; run <= 100; run++) {
            recorder.expectedPerPhase = run;
            if (run % 2 == 0) {
                work.runAlone();
            } else {
                work.run();
            }
        }
        assertRanEachItem(recorder, 100);
    }

    @Test
    void aFailingItemIsRethrownAndLaterRunsStillWork() {
        AtomicInteger calls = new AtomicInteger();
        RuntimeException boom = new IllegalStateException("boom");
        int[] failAt = {3};
        AtomicIntegerArray ran = new AtomicIntegerArray(ITEMS.length);
        PhasedWork work = new PhasedWork(ITEMS, (phase, item, items) -> {
            calls.incrementAndGet();
            if (phase == failAt[0] && item == 1) {
                throw boom;
            }
            ran.incrementAndGet(phase);
        });
        assertSame(boom, assertThrows(IllegalStateException.class, work::run));
        // the phases after the failure were skipped (the one that failed may have run its other items)
        assertEquals(0, ran.get(ITEMS.length - 1), "the last phase ran after a failure");
        failAt[0] = -1;
        for (int phase = 0; phase < ITEMS.length; phase++) {
            ran.set(phase, 0);
        }
        for (int run = 0; run < 50; run++) {
            work.run();
        }
        for (int phase = 0; phase < ITEMS.length; phase++) {
            assertEquals(50 * ITEMS[phase], ran.get(phase), "phase " + phase + " after the failed run");
        }
        assertTrue(calls.get() > 0);
    }

    @Test
    void aPhaseWithoutItemsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PhasedWork(new int[] {2, 0}, (p, i, n) -> { }));
    }
}

package io.gradsign.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Work in phases that the cores run as one piece of {@link CpuWorkers}: every item of a phase is
 * done before any item of the next one starts, and the cores wait for each other in between, instead
 * of the caller handing out and gathering a piece per phase. One sample's FGSM step on the MLP
 * 784-512-512-10 is five phases of a few microseconds each (see {@link FusedStepOne}); as separate
 * pieces, with the serial work between them on one core, the step took 9% longer.
 *
 * <p>Core {@code p} first runs item {@code p} of each phase, so it keeps the same rows of a layer
 * from phase to phase and from step to step (its cache still holds them). Then it claims the items
 * nobody has claimed yet, and only then waits: a core the system has not scheduled, or a piece of
 * {@code CpuWorkers} run on the caller alone, never makes the others wait for work not started, so
 * there is no deadlock when one thread runs every part in turn. Items claim by swapping in the run's
 * generation, so no state is reset between runs. One run at a time per instance.
 */
final class PhasedWork implements CpuWorkers.Part {
    /** The work of one item. */
    @FunctionalInterface
    interface Item {
        void run(int phase, int item, int items);
    }

    /** Spins of a waiting core before it starts yielding (the core it waits for may need this one). */
    private static final int YIELD_AFTER_SPINS = 1 << 12;

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] items;
    private final Item work;
    /** Ints per phase in sync: a cache line at least, so that phases do not share one. */
    private final int stride;
    /**
     * Per phase, at phase * stride: the count of items done (ever; wraps, compared by difference),
     * then each item's claim (the generation of the run that claimed it).
     */
    private final int[] sync;
    /** What each phase's done count reaches when this run's items are done; written by the caller before it publishes the run. */
    private final int[] targets;
    private final int parts;
    private int generation;
    /** After a failure the done counts are read afresh: the phases after it were skipped. */
    private boolean resync;
    private volatile Throwable failure;

    /** Phases of {@code items[k]} items each (at least 1), run by {@code work}. */
    PhasedWork(int[] items, Item work) {
        this.items = items.clone();
        this.work = work;
        int most = 1;
        for (int count : this.items) {
            if (count < 1) {
                throw new IllegalArgumentException("every phase needs an item, got " + count);
            }
            most = Math.max(most, count);
        }
        this.stride = (most + 1 + 15) & ~15;
        this.sync = new int[this.items.length * stride];
        this.targets = new int[this.items.length];
        this.parts = Math.min(most, CpuWorkers.MAX_PARTS);
    }

    /** The number of cores this work uses at most: the most items of a phase. */
    int parts() {
        return parts;
    }

    /** Runs every phase; returns when all are done; rethrows the first failure of an item. */
    void run() {
        begin();
        // the fields begin() wrote reach the helpers through the piece's publication
        CpuWorkers.run(parts, this);
        end();
    }

    /** Runs the parts one after the other on this thread, as CpuWorkers does when its helpers are busy (for tests). */
    void runAlone() {
        begin();
        for (int part = 0; part < parts; part++) {
            run(part, parts);
        }
        end();
    }

    private void begin() {
        generation++;
        failure = null;
        for (int phase = 0; phase < items.length; phase++) {
            int done = resync ? (int) INTS.getVolatile(sync, phase * stride) : targets[phase];
            targets[phase] = done + items[phase];
        }
        resync = false;
    }

    private void end() {
        Throwable f = failure;
        if (f == null) {
            return;
        }
        resync = true;
        if (f instanceof RuntimeException e) {
            throw e;
        } else if (f instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(f);
    }

    @Override
    public void run(int part, int parts) {
        int gen = generation;
        for (int phase = 0; phase < items.length && failure == null; phase++) {
            int count = items[phase];
            int base = phase * stride;
            if (part < count) {
                claimAndRun(phase, base, part, count, gen);
            }
            for (int item = 0; item < count; item++) {
                claimAndRun(phase, base, item, count, gen);
            }
            // every item of the phase is claimed: wait for those other cores are running
            int target = targets[phase];
            for (int spins = 0; (int) INTS.getVolatile(sync, base) - target < 0 && failure == null; spins++) {
                if (spins < YIELD_AFTER_SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }

    private void claimAndRun(int phase, int base, int item, int count, int gen) {
        int claim = base + 1 + item;
        if ((int) INTS.getOpaque(sync, claim) == gen || (int) INTS.getAndSet(sync, claim, gen) == gen) {
            return;
        }
        try {
            work.run(phase, item, count);
        } catch (Throwable t) {
            fail(t);
        } finally {
            INTS.getAndAdd(sync, base, 1);
        }
    }

    private synchronized void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        } else if (failure != t) {
            failure.addSuppressed(t);
        }
    }
}

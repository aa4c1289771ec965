package io.gradsign.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits one short piece of CPU work over the cores. A batch of one image is a few microseconds of
 * work per layer, less than a fork-join pool takes to wake a thread, so the caller runs part 0 and
 * one long-lived daemon thread per other core runs the others; between pieces each helper spins a
 * short while (the next layer follows within microseconds) and then parks. Every multi-core piece of
 * the CPU backend goes through here, OpenBLAS's products included (each part one single-threaded
 * sgemm): OpenBLAS's own threads, spinning beside these, took a third of the speed away. A caller
 * that finds the helpers busy with another caller's work runs every part itself, so concurrent
 * callers stay correct.
 */
final class CpuWorkers {
    static final int CORES = Runtime.getRuntime().availableProcessors();

    /** Multiply-adds below which splitting costs more than it saves (a few microseconds of work). */
    static final long MULTIPLY_ADDS_PER_PART = 1L << 16;

    /** Floats of element-wise work below which one thread is faster than several. */
    static final int ELEMENTS_PER_PART = 1 << 15;

    /**
     * How long an idle helper spins before it parks: long enough to bridge the layers of one step and
     * the caller's own work between batches (a wake-up from park costs tens of microseconds here).
     */
    private static final long SPIN_NANOS = 1_000_000;

    private static final CpuWorkers SHARED = new CpuWorkers(CORES - 1);

    /** One part of a split piece of work: part in [0, parts). */
    @FunctionalInterface
    interface Part {
        void run(int part, int parts);
    }

    private final Helper[] helpers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;

    private CpuWorkers(int helperCount) {
        helpers = new Helper[Math.max(0, helperCount)];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = new Helper(h);
            helpers[h].start();
        }
    }

    /** Parts for {@code work} units at {@code perPart} units each: at least 1, at most a core each and {@code units}. */
    static int parts(long work, long perPart, int units) {
        return (int) Math.max(1, Math.min(Math.min(CORES, units), work / perPart));
    }

    /** The start of part {@code part} of [0, total) split in {@code parts}, rounded down to a multiple of {@code align}. */
    static int start(int total, int part, int parts, int align) {
        if (part >= parts) {
            return total;
        }
        long start = (long) total * part / parts;
        return (int) (start - start % align);
    }

    /** Runs parts 0 to parts - 1 of {@code work}, part 0 on the calling thread, and returns when all are done. */
    static void run(int parts, Part work) {
        SHARED.runParts(parts, work);
    }

    private void runParts(int parts, Part work) {
        int helping = Math.min(parts - 1, helpers.length);
        if (helping <= 0 || !busy.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) {
                work.run(p, parts);
            }
            return;
        }
        try {
            failure = null;
            pending.set(helping);
            for (int h = 0; h < helping; h++) {
                helpers[h].assign(work, h + 1, parts);
            }
            try {
                work.run(0, parts);
                for (int p = helping + 1; p < parts; p++) {
                    work.run(p, parts);
                }
            } finally {
                // the helpers still write into the caller's arrays: never return before they finish
                while (pending.get() != 0) {
                    Thread.onSpinWait();
                }
            }
            Throwable helperFailure = failure;
            if (helperFailure instanceof RuntimeException e) {
                throw e;
            } else if (helperFailure instanceof Error e) {
                throw e;
            } else if (helperFailure != null) {
                throw new IllegalStateException(helperFailure);
            }
        } finally {
            busy.set(false);
        }
    }

    private final class Helper extends Thread {
        private volatile Part work;
        private volatile boolean parked;
        private int part;
        private int parts;

        Helper(int index) {
            super("gradsign-cpu-" + (index + 1));
            setDaemon(true);
        }

        /** Hands over one part; the volatile write of work publishes part and parts. */
        void assign(Part work, int part, int parts) {
            this.part = part;
            this.parts = parts;
            this.work = work;
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Part next = work;
                if (next != null) {
                    work = null;
                    try {
                        next.run(part, parts);
                    } catch (Throwable t) {
                        failure = t;
                    }
                    pending.decrementAndGet();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    // parked is volatile and written before work is read again, and assign writes
                    // work before it reads parked: one of the two sees the other, so no wake-up is lost
                    parked = true;
                    if (work == null) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}

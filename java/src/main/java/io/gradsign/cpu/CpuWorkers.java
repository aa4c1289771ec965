package io.gradsign.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits one short piece of CPU work over the cores. A batch of one image is a few microseconds of
 * work per layer, less than a fork-join pool takes to wake a thread, so the caller and one
 * long-lived daemon thread per other core claim the parts; between pieces each helper spins a short
 * while (the next layer follows within microseconds) and then parks. A helper that the system does
 * not schedule in time costs nothing but its share: the caller claims its part. Every multi-core
 * piece of the CPU backend goes through here, OpenBLAS's products included (each part one
 * single-threaded call): OpenBLAS's own threads, spinning beside these helpers, cut the MLP at batch
 * 256 from 82% to 25% of the sgemm rate. A caller that finds the helpers busy with another caller's
 * work runs every part itself, so concurrent callers stay correct.
 */
final class CpuWorkers {
    static final int CORES = Runtime.getRuntime().availableProcessors();

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

    /** One range [from, to) of a split piece of work. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /**
     * Splits [0, total) into ranges whose bounds are multiples of {@code align}, one range per
     * {@code perPart} units of {@code work} (at least one, at most one per core), and runs them.
     */
    static void forRanges(int total, int align, long work, long perPart, Range range) {
        run(parts(work, perPart, total / align),
                (part, parts) -> range.run(start(total, part, parts, align), start(total, part + 1, parts, align)));
    }

    /** Runs parts 0 to parts - 1 of {@code work}, the calling thread among those that run them; returns when all are done. */
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
            Job job = new Job(work, parts);
            for (int h = 0; h < helping; h++) {
                helpers[h].offer(job);
            }
            // the caller claims parts too, part 0 first: a helper the system has not scheduled yet
            // leaves its part to the caller instead of stalling it
            job.claimAndRun();
            // only parts a helper has started remain; they finish within a part's time
            for (int spins = 0; !job.finished(); spins++) {
                if (spins < YIELD_AFTER_SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            job.rethrowFailure();
        } finally {
            busy.set(false);
        }
    }

    /** Spins of a waiting caller before it starts yielding its core (a helper may be waiting for one). */
    private static final int YIELD_AFTER_SPINS = 1 << 12;

    /** One split piece of work: whoever claims a part runs it, the caller or a helper. */
    private static final class Job {
        private final Part work;
        private final int parts;
        private final AtomicInteger claimed = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        Job(Part work, int parts) {
            this.work = work;
            this.parts = parts;
        }

        /** Claims and runs parts until none is left. */
        void claimAndRun() {
            for (int part = claimed.getAndIncrement(); part < parts; part = claimed.getAndIncrement()) {
                try {
                    work.run(part, parts);
                } catch (Throwable t) {
                    fail(t);
                }
                done.incrementAndGet();
            }
        }

        /** The first failure is rethrown; later ones ride along as suppressed. */
        private synchronized void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            } else if (failure != t) {
                failure.addSuppressed(t);
            }
        }

        boolean finished() {
            return done.get() >= parts;
        }

        void rethrowFailure() {
            Throwable f = failure;
            if (f instanceof RuntimeException e) {
                throw e;
            } else if (f instanceof Error e) {
                throw e;
            } else if (f != null) {
                throw new IllegalStateException(f);
            }
        }
    }

    private static final class Helper extends Thread {
        /** The job on offer, taken (set back to null) by this helper; never held once taken. */
        private final AtomicReference<Job> offered = new AtomicReference<>();
        private volatile boolean parked;

        Helper(int index) {
            super("gradsign-cpu-" + (index + 1));
            setDaemon(true);
        }

        void offer(Job job) {
            offered.set(job);
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Job job = offered.get();
                if (job != null && offered.compareAndSet(job, null)) {
                    job.claimAndRun();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    // no yield here: a helper in a system call misses the next piece, which the
                    // caller then runs alone (a yield every 256 spins cost 15% of the MLP's speed at batch 1)
                    Thread.onSpinWait();
                } else {
                    // parked is volatile and written before offered is read again, and offer writes
                    // offered before it reads parked: one of the two sees the other, no wake-up is lost
                    parked = true;
                    if (offered.get() == null) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}

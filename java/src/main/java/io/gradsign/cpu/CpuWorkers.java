package io.gradsign.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /** Parts of one piece at most: their count and the claimed ones share a long with the generation. */
    static final int MAX_PARTS = 0xffff;

    private static final CpuWorkers SHARED = new CpuWorkers(CORES - 1);

    /** One part of a split piece of work: part in [0, parts). */
    @FunctionalInterface
    interface Part {
        void run(int part, int parts);
    }

    private final Helper[] helpers;
    private final AtomicBoolean busy = new AtomicBoolean();

    // The piece of work on offer: written by the caller that holds busy, before it publishes a new
    // generation in state; read by whoever claims a part of that generation. No object per piece:
    // a step at batch 1 runs a dozen of them, and garbage costs page faults here (see Workspace).
    // The fields sit beside state, so that a helper that sees a new generation finds them in the
    // same cache line: on this project's VM a line moves between the cores in about 200 ns, and a
    // piece of one image's layer lasts a few microseconds.
    private Part work;
    private Range range;
    private int total;
    private int align;
    /** Helpers 0 to helping - 1 take part in the current piece. */
    private volatile int helping;

    /**
     * The generation of the piece on offer (bits 32-63), its number of parts (16-31) and how many
     * have been claimed (0-15). The caller publishes a piece with part 0 already claimed by itself;
     * the others are claimed by a compare-and-set of the whole, which succeeds only while that
     * generation is the current one, so a helper that wakes late never runs a part of a later piece
     * with the wrong index, and the fields above hold still until the part is done.
     */
    @SuppressWarnings("unused") // through STATE
    private volatile long state;

    /**
     * Parts run by claimAndRun, ever (it wraps; compared by difference): the caller never resets it,
     * which would cost it a cache line the helpers wrote, and waits until it reaches doneTarget.
     */
    @SuppressWarnings("unused") // through DONE
    private volatile int done;

    /** What done reaches when the current piece is finished; the caller's alone (it holds busy). */
    private int doneTarget;
    private volatile Throwable failure;

    private static final VarHandle STATE;
    private static final VarHandle DONE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(CpuWorkers.class, "state", long.class);
            DONE = lookup.findVarHandle(CpuWorkers.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CpuWorkers(int helperCount) {
        helpers = new Helper[Math.max(0, helperCount)];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = new Helper(this, h);
            helpers[h].start();
        }
    }

    /** Parts for {@code work} units at {@code perPart} units each: at least 1, at most a core each and {@code units}. */
    static int parts(long work, long perPart, int units) {
        return (int) Math.max(1, Math.min(Math.min(Math.min(CORES, MAX_PARTS), units), work / perPart));
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
        SHARED.runShared(null, range, total, align, parts(work, perPart, total / align));
    }

    /** Runs parts 0 to parts - 1 of {@code work}, the calling thread among those that run them; returns when all are done. */
    static void run(int parts, Part work) {
        if (parts < 1 || parts > MAX_PARTS) {
            throw new IllegalArgumentException("parts must be in [1, " + MAX_PARTS + "], got " + parts);
        }
        SHARED.runShared(work, null, 0, 1, parts);
    }

    private static void runPart(Part work, Range range, int total, int align, int part, int parts) {
        if (range != null) {
            range.run(start(total, part, parts, align), start(total, part + 1, parts, align));
        } else {
            work.run(part, parts);
        }
    }

    private void runShared(Part work, Range range, int total, int align, int parts) {
        int joining = Math.min(parts - 1, helpers.length);
        if (joining <= 0 || !busy.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) {
                runPart(work, range, total, align, p, parts);
            }
            return;
        }
        try {
            this.work = work;
            this.range = range;
            this.total = total;
            this.align = align;
            this.helping = joining;
            failure = null;
            doneTarget += parts - 1;
            long generation = ((long) STATE.getOpaque(this) >>> 32) + 1;
            // the volatile write that publishes the fields above to whoever reads this generation;
            // part 0 is the caller's from the start, so it begins without a compare-and-set
            STATE.setVolatile(this, generation << 32 | (long) parts << 16 | 1);
            for (int h = 0; h < joining; h++) {
                helpers[h].wake();
            }
            try {
                runPart(work, range, total, align, 0, parts);
            } catch (Throwable t) {
                fail(t);
            }
            // parts a helper has not claimed yet (one the system has not scheduled) are the caller's
            claimAndRun(generation);
            // only parts a helper has started remain; they finish within a part's time
            for (int spins = 0; (int) DONE.getVolatile(this) - doneTarget < 0; spins++) {
                if (spins < YIELD_AFTER_SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            rethrowFailure();
        } finally {
            this.work = null;
            this.range = null;
            busy.set(false);
        }
    }

    /** Spins of a waiting caller before it starts yielding its core (a helper may be waiting for one). */
    private static final int YIELD_AFTER_SPINS = 1 << 12;

    /** Claims and runs parts of {@code generation} until none is left or another generation is on offer. */
    private void claimAndRun(long generation) {
        while (true) {
            long s = (long) STATE.getVolatile(this);
            int parts = (int) (s >>> 16) & 0xffff;
            int part = (int) s & 0xffff;
            if (s >>> 32 != generation || part >= parts) {
                return;
            }
            if (!STATE.compareAndSet(this, s, s + 1)) {
                continue;
            }
            try {
                runPart(work, range, total, align, part, parts);
            } catch (Throwable t) {
                fail(t);
            }
            DONE.getAndAdd(this, 1);
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

    private void rethrowFailure() {
        Throwable f = failure;
        if (f instanceof RuntimeException e) {
            throw e;
        } else if (f instanceof Error e) {
            throw e;
        } else if (f != null) {
            throw new IllegalStateException(f);
        }
    }

    /** The generation of the piece on offer (0 before the first). */
    private long generation() {
        return (long) STATE.getVolatile(this) >>> 32;
    }

    private static final class Helper extends Thread {
        private final CpuWorkers owner;
        private final int index;
        private volatile boolean parked;

        Helper(CpuWorkers owner, int index) {
            super("gradsign-cpu-" + (index + 1));
            this.owner = owner;
            this.index = index;
            setDaemon(true);
        }

        void wake() {
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long seen = 0;
            long idleSince = System.nanoTime();
            while (true) {
                long generation = owner.generation();
                if (generation != seen) {
                    seen = generation;
                    if (index < owner.helping) {
                        owner.claimAndRun(generation);
                    }
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    // no yield here: a helper in a system call misses the next piece, which the
                    // caller then runs alone (a yield every 256 spins cost 15% of the MLP's speed at batch 1)
                    Thread.onSpinWait();
                } else {
                    // parked is volatile and written before state is read again, and the caller writes
                    // state before it reads parked: one of the two sees the other, no wake-up is lost
                    parked = true;
                    if (owner.generation() == seen) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}

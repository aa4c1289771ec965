package io.gradsign.attack;

import io.gradsign.Backend;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * APGD, auto-PGD in L&infin; (Croce and Hein 2020, "Reliable evaluation of adversarial robustness with an
 * ensemble of diverse parameter-free attacks", Algorithm 1, as the authors' AutoAttack code runs it):
 * PGD whose step size adapts per sample. From AutoAttack's random start x + &epsilon;&middot;t/max|t| (t uniform in
 * [&minus;1, 1]), with step size &eta; = 2&epsilon;, each iteration
 * <pre>
 * z       = P(x_k + &eta;&middot;sign(&nabla;L(x_k)))
 * x_{k+1} = P(x_k + a&middot;(z &minus; x_k) + (1 &minus; a)&middot;(x_k &minus; x_{k&minus;1}))     a = 1 at the first iteration, then 0.75
 * </pre>
 * (P: the projection onto the &epsilon;-ball around x, then [lo, hi]: one fused kernel,
 * {@link Backend#apgdStep}), keeping per sample the point of highest loss and its gradient. At
 * checkpoints (the first after 22% of the iterations, then at intervals shrinking by 3% of them to at
 * least 6%), a sample whose loss rose in at most &rho; = 75% of the interval's iterations, or whose step
 * size was not halved at the last checkpoint (a condition that waits for the second checkpoint) and whose
 * best loss has not improved since, halves &eta; and restarts from its best point. Losses: cross-entropy (APGD-CE), the difference of logits ratio
 * (APGD-DLR: &minus;(z_y &minus; max_{i&ne;y} z_i)/(z_&pi;1 &minus; z_&pi;3), invariant to shifts and scales of the logits;
 * {@link Backend#dlrLoss}) and its targeted form (APGD-T: &minus;(z_y &minus; z_t)/(z_&pi;1 &minus; (z_&pi;3 + z_&pi;4)/2), run once per
 * target t among the 9 classes of highest clean logit after the first, each on the samples still unbroken).
 * Defaults as in AutoAttack's standard version: 100 iterations, one restart, 9 target classes.
 *
 * <p>Two deliberate differences from autopgd_base.py: the loss before the first iteration is the start's
 * (the reference's first checkpoint compares the first iteration's loss with an unwritten row of zeros),
 * and with compaction (the default) a sample leaves the batch once the model misclassifies it, the batch
 * going on with the others only (the reference runs every sample through every iteration): each sample's
 * steps depend on nothing but itself, so compaction changes no trajectory and no robust accuracy, only
 * the passes. The
 * adversarial example kept is the first one found. The loss at the last iteration needs no gradient: that
 * iteration runs a forward pass only. Seeded: the same seed gives the same starts on every backend.
 */
public final class Apgd implements Attack {
    /** The loss APGD ascends. */
    public enum Loss {
        /** Cross-entropy of the label (descended for a target with {@link Goal#TARGETED}). */
        CE,
        /** The difference of logits ratio, untargeted. */
        DLR,
        /** The targeted difference of logits ratio, over the classes of highest clean logit (APGD-T). */
        DLR_TARGETED
    }

    // the checkpoints' fractions of the iterations, in double as autopgd_base.py's int(0.22 * n_iter)
    private static final double FIRST_CHECKPOINT = 0.22;
    private static final double CHECKPOINT_DECREASE = 0.03;
    private static final double SHORTEST_INTERVAL = 0.06;

    private final Loss loss;
    private final float epsilon;
    private final int steps;
    private final int restarts;
    private final int targetClasses;
    private final float momentum;
    private final float rho;
    private final boolean compaction;
    private final float lo;
    private final float hi;
    private final long seed;

    Apgd(Loss loss, float epsilon, int steps, int restarts, int targetClasses, float momentum, float rho,
         boolean compaction, float lo, float hi, long seed) {
        this.loss = Objects.requireNonNull(loss, "loss");
        this.epsilon = GradientAttack.checkEpsilon(epsilon);
        this.steps = steps;
        this.restarts = restarts;
        this.targetClasses = targetClasses;
        this.momentum = momentum;
        this.rho = rho;
        this.compaction = compaction;
        this.lo = lo;
        this.hi = hi;
        this.seed = seed;
    }

    private Apgd with(float epsilon, int steps, int restarts, int targetClasses, boolean compaction, float lo, float hi,
                      long seed) {
        return new Apgd(loss, epsilon, steps, restarts, targetClasses, momentum, rho, compaction, lo, hi, seed);
    }

    @Override
    public String name() {
        return switch (loss) {
            case CE -> "apgd-ce";
            case DLR -> "apgd-dlr";
            case DLR_TARGETED -> "apgd-t";
        };
    }

    @Override
    public Norm norm() {
        return Norm.LINF;
    }

    @Override
    public float epsilon() {
        return epsilon;
    }

    public Loss loss() {
        return loss;
    }

    /** Iterations per run (each a forward and backward pass). */
    public int steps() {
        return steps;
    }

    /** Runs from new random starts on the samples not yet broken (per target class for APGD-T). */
    public int restarts() {
        return restarts;
    }

    /** APGD-T's number of target classes: those of the 2nd to (targetClasses + 1)-th highest clean logit. */
    public int targetClasses() {
        return targetClasses;
    }

    /** Whether broken samples leave the batch during a run (the default; the result does not depend on it). */
    public boolean compaction() {
        return compaction;
    }

    public long seed() {
        return seed;
    }

    @Override
    public Apgd withEpsilon(float epsilon) {
        return with(GradientAttack.checkEpsilon(epsilon), steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    /** This attack with {@code steps} iterations (&gt;= 1). */
    public Apgd withSteps(int steps) {
        Settings.atLeast(steps, 1, "steps");
        return with(epsilon, steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    /** This attack with {@code restarts} runs (&gt;= 1) from new random starts on the samples not yet broken. */
    public Apgd withRestarts(int restarts) {
        Settings.atLeast(restarts, 1, "restarts");
        return with(epsilon, steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    /** APGD-T with {@code targetClasses} (&gt;= 1) target classes. */
    public Apgd withTargetClasses(int targetClasses) {
        if (loss != Loss.DLR_TARGETED) {
            throw new IllegalArgumentException(name() + " has no target classes: use apgd-t");
        }
        Settings.atLeast(targetClasses, 1, "target classes");
        return with(epsilon, steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    /** This attack with or without compaction of the broken samples during a run. */
    public Apgd withCompaction(boolean compaction) {
        return with(epsilon, steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    /** This attack clipping x' to [lo, hi] (default [0, 1]). */
    public Apgd withBounds(float lo, float hi) {
        Settings.bounds(lo, hi, false);
        return with(epsilon, steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    /** This attack drawing its random starts from {@code seed}. */
    public Apgd withSeed(long seed) {
        return with(epsilon, steps, restarts, targetClasses, compaction, lo, hi, seed);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(eps=%s, steps=%d, restarts=%d%s%s, bounds=[%s, %s])", name(), epsilon,
                steps, restarts, loss == Loss.DLR_TARGETED ? ", target classes=" + targetClasses : "",
                compaction ? "" : ", no compaction", lo, hi);
    }

    @Override
    public AttackResult run(AttackSession session, Goal goal, float[] images, int[] labels) {
        return run(session, goal, images, labels, null);
    }

    /**
     * {@link #run(AttackSession, Goal, float[], int[])} on the samples i with {@code only[i]} (all where
     * only is null); the others keep x' = x and are not attacked (their clean and adversarial predictions
     * are those at x). Random starts are keyed by a sample's index in {@code images}, so an attacked
     * sample's x' is the one a run over all samples gives it: an ensemble that runs this attack on the
     * samples earlier attacks left unbroken breaks every sample it would break alone.
     *
     * @throws IllegalArgumentException as {@link #run(AttackSession, Goal, float[], int[])}, or if only's
     *     length is not the number of samples
     */
    public AttackResult run(AttackSession session, Goal goal, float[] images, int[] labels, boolean[] only) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(goal, "goal");
        Network network = session.network();
        int classes = network.classes();
        if (loss == Loss.DLR && goal == Goal.TARGETED) {
            throw new IllegalArgumentException("apgd-dlr is untargeted: use apgd-t for targets");
        }
        if (loss == Loss.DLR_TARGETED && goal == Goal.VIRTUAL) {
            throw new IllegalArgumentException("apgd-t takes the true labels (untargeted) or targets (targeted)");
        }
        if (loss == Loss.DLR && classes < 3) {
            throw new IllegalArgumentException("the DLR loss needs at least 3 classes, the network has " + classes);
        }
        if (loss == Loss.DLR_TARGETED && classes < 4) {
            throw new IllegalArgumentException("the targeted DLR loss needs at least 4 classes, the network has "
                    + classes);
        }
        int count = Batches.check(network, goal, images, labels);
        if (only != null && only.length != count) {
            throw new IllegalArgumentException("only has " + only.length + " entries for " + count + " samples");
        }
        int[] ids = new int[count];
        int attacked = 0;
        for (int i = 0; i < count; i++) {
            if (only == null || only[i]) {
                ids[attacked++] = i;
            }
        }
        int size = network.inputSize();
        int capacity = session.capacity();
        Batches.Outcome out = new Batches.Outcome(images, count);
        long passes = 0;
        try (Claim held = session.claim()) {
            Run run = new Run(session, goal);
            for (int from = 0; from < attacked; from += capacity) {
                int n = Math.min(capacity, attacked - from);
                passes += run.chunk(images, labels, ids, from, n, out);
                session.reportProgress(n);
            }
            out.predictAdversarial(session.workspace());
        }
        if (only != null) {
            for (int i = 0; i < count; i++) {
                if (!only[i]) {
                    out.cleanClass[i] = out.adversarialClass[i];
                    out.cleanConfidence[i] = out.adversarialConfidence[i];
                }
            }
        }
        return out.result(images, size, goal, labels, passes);
    }

    /** One run's state over the chunks of its input. */
    private final class Run extends BufferedRun {
        // the rows of the device buffers: origin, current, previous, best, best gradient, gradient, spare
        private static final int ORIGIN = 0;
        private static final int CURRENT = 1;
        private static final int PREVIOUS = 2;
        private static final int BEST = 3;
        private static final int BEST_GRADIENT = 4;
        private static final int GRADIENT = 5;
        private static final int SPARE = 6;
        /** The adversarial x' each chunk sample was found at, by its place in the chunk (never compacted). */
        private static final int FOUND = 7;
        private static final String[] NAMES = {"apgd.origin", "apgd.current", "apgd.previous", "apgd.best",
            "apgd.best-gradient", "apgd.gradient", "apgd.spare", "apgd.found"};

        private final float[] hostRows;
        private final float[] hostLogits;
        private final float[] hostLosses;
        private final float[] cleanLogits;
        private final int[] chunkLabels;
        private final int[] cleanClass;
        private final int[] chunkIds;
        private final int[] positions;
        private final int[] targets;
        private final int[] rowsA;
        private final int[] rowsB;

        Run(AttackSession session, Goal goal) {
            super(session, goal, NAMES);
            int capacity = session.capacity();
            hostRows = new float[capacity * size];
            hostLogits = new float[capacity * classes];
            hostLosses = new float[capacity];
            cleanLogits = new float[capacity * classes];
            chunkLabels = new int[capacity];
            cleanClass = new int[capacity];
            chunkIds = new int[capacity];
            positions = new int[capacity];
            targets = new int[capacity];
            rowsA = new int[capacity];
            rowsB = new int[capacity];
        }

        /** Attacks the samples ids[from, from + n) of images; returns the passes run. */
        long chunk(float[] images, int[] labels, int[] ids, int from, int n, Batches.Outcome out) {
            for (int i = 0; i < n; i++) {
                chunkIds[i] = ids[from + i];
                System.arraycopy(images, chunkIds[i] * size, hostRows, i * size, size);
            }
            float[] confidence = new float[n];
            Batches.predict(workspace, hostRows, 0, n, cleanClass, confidence, cleanLogits);
            for (int i = 0; i < n; i++) {
                out.cleanClass[chunkIds[i]] = cleanClass[i];
                out.cleanConfidence[chunkIds[i]] = confidence[i];
                chunkLabels[i] = goal == Goal.VIRTUAL ? cleanClass[i] : labels[chunkIds[i]];
            }
            boolean[] done = new boolean[n];
            for (int i = 0; i < n; i++) {
                done[i] = Batches.succeeded(goal, cleanClass[i], chunkLabels[i]);
            }
            long passes = 0;
            // APGD-T untargeted: one run per target rank; otherwise one (the labels are the targets for TARGETED)
            boolean perRank = loss == Loss.DLR_TARGETED && goal == Goal.UNTARGETED;
            int ranks = perRank ? Math.min(targetClasses, classes - 1) : 1;
            int[][] ranked = new int[n][];
            if (perRank) {
                for (int i = 0; i < n; i++) {
                    ranked[i] = Batches.ranking(cleanLogits, i, classes);
                }
            }
            boolean[] found = new boolean[n];
            runs:
            for (int rank = 0; rank < ranks; rank++) {
                for (int restart = 0; restart < restarts; restart++) {
                    int m = 0;
                    for (int i = 0; i < n; i++) {
                        if (!done[i]) {
                            positions[m] = i;
                            targets[m] = perRank ? ranked[i][rank + 1] : chunkLabels[i];
                            m++;
                        }
                    }
                    if (m == 0) {
                        break runs;
                    }
                    passes += single(images, m, rank * restarts + restart, done, found);
                }
            }
            // the adversarial x' of every sample found in this chunk, brought back at once
            rows(FOUND, n).copyTo(0, hostRows, 0, n * size);
            for (int i = 0; i < n; i++) {
                if (found[i]) {
                    System.arraycopy(hostRows, i * size, out.adversarial, chunkIds[i] * size, size);
                }
            }
            return passes;
        }

        /** The loss of the m samples at the last forward pass into workspace.losses (negated where descended) and its logit gradient. */
        private Tensor lossAndGradient(Tensor logits, int m, boolean gradient) {
            Labels labelBuffer = workspace.labels(m);
            Tensor dLogits = workspace.logitGradient(m);
            switch (loss) {
                case CE -> workspace.crossEntropy(labelBuffer, goal == Goal.TARGETED ? -1f : 1f, gradient);
                case DLR -> backend.dlrLoss(workspace.losses(m), gradient ? dLogits : null, logits, labelBuffer, null, m,
                        classes, 1f);
                case DLR_TARGETED -> backend.dlrLoss(workspace.losses(m), gradient ? dLogits : null, logits,
                        labelBuffer, session.targets(m), m, classes, 1f);
            }
            workspace.losses(m).copyTo(0, hostLosses, 0, m);
            if (loss == Loss.CE && goal == Goal.TARGETED) {
                for (int j = 0; j < m; j++) {
                    hostLosses[j] = -hostLosses[j];
                }
            }
            return dLogits;
        }

        /**
         * Writes the labels of the m active samples (the label, target or clean class the loss takes; for
         * targeted DLR with the user's targets, the clean class as y) and APGD-T's targets.
         */
        private void uploadLabels(int m) {
            int[] y = new int[m];
            for (int j = 0; j < m; j++) {
                y[j] = loss == Loss.DLR_TARGETED && goal == Goal.TARGETED ? cleanClass[positions[j]]
                        : chunkLabels[positions[j]];
            }
            workspace.labels(m).copyFrom(y);
            if (loss == Loss.DLR_TARGETED) {
                session.targets(m).copyFrom(Arrays.copyOf(targets, m));
            }
        }

        /** One run from a random start on the m samples at positions[0, m); returns the passes run. */
        private long single(float[] images, int m, int restart, boolean[] done, boolean[] found) {
            for (int j = 0; j < m; j++) {
                int sample = chunkIds[positions[j]];
                RandomStart.draw(hostRows, j * size, images, sample * size, size, RandomStart.Kind.SCALED, Norm.LINF,
                        epsilon, lo, hi, seed, sample, restart);
            }
            rows(CURRENT, m).copyFrom(hostRows, 0, 0, m * size);
            for (int j = 0; j < m; j++) {
                System.arraycopy(images, chunkIds[positions[j]] * size, hostRows, j * size, size);
            }
            rows(ORIGIN, m).copyFrom(hostRows, 0, 0, m * size);
            uploadLabels(m);
            float[] stepSize = new float[m];
            Arrays.fill(stepSize, 2f * epsilon);
            Tensor stepSizes = session.vector("apgd.step", m);
            stepSizes.copyFrom(stepSize, 0, 0, m);

            long passes = 0;
            Tensor logits = workspace.logits(rows(CURRENT, m));
            Tensor dLogits = lossAndGradient(logits, m, true);
            backend.copy(rows(GRADIENT, m), workspace.inputGradient(dLogits));
            passes += m;
            logits.copyTo(0, hostLogits, 0, m * classes);
            float[] lossBest = Arrays.copyOf(hostLosses, m);
            float[] lossPrevious = Arrays.copyOf(hostLosses, m);
            float[] lossBestLastCheck = Arrays.copyOf(hostLosses, m);
            boolean[] reducedLastCheck = new boolean[m];
            // as autopgd_base.py (reduced_last_check = ones): the first checkpoint halves on oscillation alone
            Arrays.fill(reducedLastCheck, true);
            int[] increases = new int[m];
            boolean[] broken = new boolean[m];
            int pending = recordBroken(m, broken, done, found);
            backend.copy(rows(BEST, m), rows(CURRENT, m));
            backend.copy(rows(BEST_GRADIENT, m), rows(GRADIENT, m));

            int interval = Math.max((int) (FIRST_CHECKPOINT * steps), 1);
            int shortest = Math.max((int) (SHORTEST_INTERVAL * steps), 1);
            int decrease = Math.max((int) (CHECKPOINT_DECREASE * steps), 1);
            int counter = 0;
            for (int i = 0; i < steps; i++) {
                float a = i == 0 ? 1f : momentum;
                Tensor current = rows(CURRENT, m);
                Tensor previous = i == 0 ? current : rows(PREVIOUS, m);
                backend.apgdStep(rows(PREVIOUS, m), current, previous, rows(ORIGIN, m), rows(GRADIENT, m),
                        stepSizes.slice(0, m), m, a, epsilon, lo, hi);
                swap(CURRENT, PREVIOUS);
                boolean last = i == steps - 1;
                logits = workspace.logits(rows(CURRENT, m));
                dLogits = lossAndGradient(logits, m, !last);
                if (!last) {
                    backend.copy(rows(GRADIENT, m), workspace.inputGradient(dLogits));
                    passes += m;
                }
                logits.copyTo(0, hostLogits, 0, m * classes);
                pending += recordBroken(m, broken, done, found);
                if (last) {
                    break;
                }
                int improved = 0;
                for (int j = 0; j < m; j++) {
                    if (hostLosses[j] > lossPrevious[j]) {
                        increases[j]++;
                    }
                    lossPrevious[j] = hostLosses[j];
                    if (hostLosses[j] > lossBest[j]) {
                        lossBest[j] = hostLosses[j];
                        rowsA[improved++] = j;
                    }
                }
                if (improved > 0) {
                    backend.copyRows(rows(BEST, m), rowsA, rows(CURRENT, m), rowsA, improved);
                    backend.copyRows(rows(BEST_GRADIENT, m), rowsA, rows(GRADIENT, m), rowsA, improved);
                }
                counter++;
                if (counter == interval) {
                    int halved = 0;
                    for (int j = 0; j < m; j++) {
                        boolean oscillating = increases[j] <= interval * rho
                                || (!reducedLastCheck[j] && lossBestLastCheck[j] >= lossBest[j]);
                        reducedLastCheck[j] = oscillating;
                        lossBestLastCheck[j] = lossBest[j];
                        increases[j] = 0;
                        if (oscillating) {
                            stepSize[j] /= 2f;
                            rowsA[halved++] = j;
                        }
                    }
                    if (halved > 0) {
                        stepSizes.copyFrom(stepSize, 0, 0, m);
                        backend.copyRows(rows(CURRENT, m), rowsA, rows(BEST, m), rowsA, halved);
                        backend.copyRows(rows(GRADIENT, m), rowsA, rows(BEST_GRADIENT, m), rowsA, halved);
                    }
                    interval = Math.max(interval - decrease, shortest);
                    counter = 0;
                }
                if (compaction && pending > 0 && (pending * 10 >= m || pending == m)) {
                    int kept = 0;
                    for (int j = 0; j < m; j++) {
                        if (!broken[j]) {
                            rowsA[kept] = j;
                            positions[kept] = positions[j];
                            targets[kept] = targets[j];
                            stepSize[kept] = stepSize[j];
                            lossBest[kept] = lossBest[j];
                            lossPrevious[kept] = lossPrevious[j];
                            lossBestLastCheck[kept] = lossBestLastCheck[j];
                            reducedLastCheck[kept] = reducedLastCheck[j];
                            increases[kept] = increases[j];
                            broken[kept] = false;
                            kept++;
                        }
                    }
                    if (kept == 0) {
                        return passes;
                    }
                    compact(rowsA, kept, m, SPARE, ORIGIN, CURRENT, PREVIOUS, BEST, BEST_GRADIENT, GRADIENT);
                    m = kept;
                    stepSizes.copyFrom(stepSize, 0, 0, m);
                    uploadLabels(m);
                    pending = 0;
                }
            }
            return passes;
        }

        /**
         * The samples the last forward pass (hostLogits) found adversarial for the first time: their x'
         * (the current rows) is the result; returns how many there were.
         */
        private int recordBroken(int m, boolean[] broken, boolean[] done, boolean[] found) {
            int count = 0;
            for (int j = 0; j < m; j++) {
                if (broken[j]) {
                    continue;
                }
                if (Batches.succeeded(goal, Batches.argmax(hostLogits, j, classes), chunkLabels[positions[j]])) {
                    broken[j] = true;
                    done[positions[j]] = true;
                    found[positions[j]] = true;
                    rowsB[count] = positions[j];
                    rowsA[count++] = j;
                }
            }
            if (count > 0) {
                // on the device, one launch: the new adversarial rows into their chunk places
                backend.copyRows(rows(FOUND, session.capacity()), rowsB, rows(CURRENT, m), rowsA, count);
            }
            return count;
        }
    }
}

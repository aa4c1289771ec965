package io.gradsign.attack;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import io.gradsign.cpu.CwAdam;
import io.gradsign.nn.Network;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Carlini and Wagner's L2 attack (2017, "Towards evaluating the robustness of neural networks", section
 * V.A, as their l2_attack.py runs it): per sample, minimise
 * <pre>
 * &Vert;x' &minus; x&Vert;&#8322;&sup2; + c&middot;f(x'),   f(x') = max(z_y(x') &minus; max_{i&ne;y} z_i(x'), &minus;&kappa;)     (untargeted)
 *                           f(x') = max(max_{i&ne;t} z_i(x') &minus; z_t(x'), &minus;&kappa;)     (targeted)
 * </pre>
 * over x' = lo + (hi &minus; lo)&middot;(tanh(w) + 1)/2 (the change of variables that keeps x' in the box), by Adam
 * on w (learning rate 0.01, &beta; 0.9 and 0.999, &epsilon; 10&#8315;&#8312;; its state reset at each step of the search;
 * w starts at atanh(0.999999&middot;(2(x &minus; lo)/(hi &minus; lo) &minus; 1))), with a binary search over c per sample:
 * from c = 10&#8315;&sup3;, a step that found an adversarial x' halves the interval towards smaller c, one that
 * did not raises c tenfold until a success bounds it. Each iteration judges x' before Adam's step: an x'
 * whose class (with the label's logit raised by &kappa;, or the target's lowered) is adversarial and closer
 * than the best so far becomes the sample's result, so the result is the closest adversarial x' of every
 * step of the search. Defaults are the paper's: &kappa; = 0, 9 binary-search steps, 10,000 iterations
 * each with its early abort (every tenth of the iterations, a sample whose objective fell by less than
 * 0.01% since the last check stops for this step).
 *
 * <p>Deliberate differences from l2_attack.py: the early abort is per sample (the reference compares
 * the whole batch's summed objective, so a sample's result depends on its batch; here it does not, and
 * the stopped samples leave the batch); the distance is measured to x itself (the reference measures it
 * to the box-mapped tanh(w&#8320;), 10&#8315;&#8310; away). The margin and its gradient are one kernel ({@link
 * Backend#cwMargin}, c per sample as the gradient's scale), the distance's gradient, the chain rule
 * through tanh and Adam another ({@link Backend#cwAdamStep}), the distances a per-sample reduction
 * ({@link Backend#sampleNorms}).
 */
public final class CarliniWagnerL2 implements Attack {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-8f;
    private static final double UPPER_BOUND = 1e10;

    private final float kappa;
    private final int binarySteps;
    private final int steps;
    private final float learningRate;
    private final float initialConst;
    private final boolean abortEarly;
    private final float epsilon;
    private final float lo;
    private final float hi;

    CarliniWagnerL2(float kappa, int binarySteps, int steps, float learningRate, float initialConst,
                    boolean abortEarly, float epsilon, float lo, float hi) {
        this.kappa = kappa;
        this.binarySteps = binarySteps;
        this.steps = steps;
        this.learningRate = learningRate;
        this.initialConst = initialConst;
        this.abortEarly = abortEarly;
        this.epsilon = epsilon;
        this.lo = lo;
        this.hi = hi;
    }

    private CarliniWagnerL2 with(float kappa, int binarySteps, int steps, float learningRate, float initialConst,
                                 boolean abortEarly, float epsilon, float lo, float hi) {
        return new CarliniWagnerL2(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    @Override
    public String name() {
        return "cw";
    }

    @Override
    public Norm norm() {
        return Norm.L2;
    }

    /** The budget, or +&infin; (the default) for none. */
    @Override
    public float epsilon() {
        return epsilon;
    }

    public float kappa() {
        return kappa;
    }

    public int binarySteps() {
        return binarySteps;
    }

    /** Adam's iterations per binary-search step. */
    public int steps() {
        return steps;
    }

    public float learningRate() {
        return learningRate;
    }

    public float initialConst() {
        return initialConst;
    }

    public boolean abortEarly() {
        return abortEarly;
    }

    /** This attack with the budget {@code epsilon} (&gt;= 0, or +&infin; for none): x' projected onto the L2 ball at the end. */
    @Override
    public CarliniWagnerL2 withEpsilon(float epsilon) {
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, DeepFool.checkBudget(epsilon),
                lo, hi);
    }

    /** This attack with confidence &kappa; (&gt;= 0, finite). */
    public CarliniWagnerL2 withKappa(float kappa) {
        Settings.nonNegative(kappa, "kappa");
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    /** This attack with {@code binarySteps} (&gt;= 1) steps of the search over c. */
    public CarliniWagnerL2 withBinarySteps(int binarySteps) {
        Settings.atLeast(binarySteps, 1, "binary-search steps");
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    /** This attack with {@code steps} (&gt;= 1) Adam iterations per binary-search step. */
    public CarliniWagnerL2 withSteps(int steps) {
        Settings.atLeast(steps, 1, "steps");
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    /** This attack with Adam's learning rate (&gt; 0, finite). */
    public CarliniWagnerL2 withLearningRate(float learningRate) {
        Settings.positive(learningRate, "learning rate");
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    /** This attack starting the search at c = {@code initialConst} (&gt; 0, finite). */
    public CarliniWagnerL2 withInitialConst(float initialConst) {
        Settings.positive(initialConst, "initial const");
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    /** This attack with or without the early abort. */
    public CarliniWagnerL2 withAbortEarly(boolean abortEarly) {
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    /** This attack with x' in [lo, hi] (default [0, 1], lo &lt; hi). */
    public CarliniWagnerL2 withBounds(float lo, float hi) {
        Settings.bounds(lo, hi, true);
        return with(kappa, binarySteps, steps, learningRate, initialConst, abortEarly, epsilon, lo, hi);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "cw(kappa=%s, binary steps=%d, steps=%d, lr=%s, c0=%s%s%s, bounds=[%s, %s])",
                kappa, binarySteps, steps, learningRate, initialConst, abortEarly ? ", abort early" : "",
                Float.isInfinite(epsilon) ? "" : ", eps=" + epsilon, lo, hi);
    }

    @Override
    public AttackResult run(AttackSession session, Goal goal, float[] images, int[] labels) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(goal, "goal");
        Network network = session.network();
        if (network.classes() < 2) {
            throw new IllegalArgumentException("the margin needs at least 2 classes, the network has " + network.classes());
        }
        int count = Batches.check(network, goal, images, labels);
        for (int i = 0; i < count * network.inputSize(); i++) {
            if (images[i] < lo || images[i] > hi) {
                throw new IllegalArgumentException("pixel " + i + " is " + images[i] + ", outside the box [" + lo + ", "
                        + hi + "] that the tanh change of variables maps to");
            }
        }
        return Batches.runInChunks(session, goal, images, labels, count,
                () -> new Run(session, goal)::chunk, Norm.L2, epsilon, lo, hi);
    }

    private final class Run extends BufferedRun {
        private static final int ORIGIN = 0;
        private static final int W = 1;
        private static final int M = 2;
        private static final int V = 3;
        private static final int CURRENT = 4;
        private static final int SPARE = 5;
        /** Each chunk sample's closest adversarial x' so far, by its place in the chunk (never compacted). */
        private static final int BEST = 6;
        private static final String[] NAMES = {"cw.origin", "cw.w", "cw.m", "cw.v", "cw.current", "cw.spare",
            "cw.best"};

        private final float[] hostRows;
        private final float[] hostW;
        private final float[] hostLogits;
        private final float[] hostMargins;
        private final float[] hostDistances;
        private final float[] zeros;
        private final int[] rowsA;
        private final int[] rowsB;
        private final int[] improvedAt;
        private final int[] improvedFrom;

        Run(AttackSession session, Goal goal) {
            super(session, goal, NAMES);
            int capacity = session.capacity();
            hostRows = new float[capacity * size];
            hostW = new float[capacity * size];
            hostLogits = new float[capacity * classes];
            hostMargins = new float[capacity];
            hostDistances = new float[capacity];
            zeros = new float[capacity * size];
            rowsA = new int[capacity];
            rowsB = new int[capacity];
            improvedAt = new int[capacity];
            improvedFrom = new int[capacity];
        }

        /** Whether logits row j is adversarial for label (target) y with confidence &kappa;, as l2_attack.py's compare. */
        private boolean adversarial(int j, int y) {
            int at = j * classes;
            int best = -1;
            float bestValue = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                float z = hostLogits[at + c];
                if (c == y) {
                    z = goal == Goal.TARGETED ? z - kappa : z + kappa;
                }
                if (best < 0 || z > bestValue) {
                    best = c;
                    bestValue = z;
                }
            }
            return goal == Goal.TARGETED ? best == y : best != y;
        }

        long chunk(float[] images, int[] labels, int first, int n, Batches.Outcome out) {
            Batches.predict(workspace, images, first, n, out.cleanClass, out.cleanConfidence);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = goal == Goal.VIRTUAL ? out.cleanClass[first + i] : labels[first + i];
            }
            double[] lower = new double[n];
            double[] upper = new double[n];
            double[] constant = new double[n];
            Arrays.fill(upper, UPPER_BOUND);
            Arrays.fill(constant, initialConst);
            float[] bestSquared = new float[n];
            Arrays.fill(bestSquared, Float.POSITIVE_INFINITY);
            float half = (hi - lo) / 2f;
            // w0 and x'(w0), the same for every step of the search
            float[] w0 = new float[n * size];
            float[] x0 = new float[n * size];
            for (int e = 0; e < n * size; e++) {
                double unit = ((double) images[first * size + e] - lo) / half - 1;
                float w = (float) atanh(unit * 0.999999);
                w0[e] = w;
                x0[e] = lo + half * (CwAdam.tanh(w) + 1f);
            }
            rows(ORIGIN, n).copyFrom(images, first * size, 0, n * size);
            long passes = 0;
            int[] positions = new int[n];
            int check = Math.max(steps / 10, 1);
            for (int search = 0; search < binarySteps; search++) {
                int m = n;
                for (int j = 0; j < n; j++) {
                    positions[j] = j;
                }
                // every buffer in chunk order again (a previous step's compaction moved rows)
                rows(ORIGIN, n).copyFrom(images, first * size, 0, n * size);
                rows(W, n).copyFrom(w0, 0, 0, n * size);
                rows(CURRENT, n).copyFrom(x0, 0, 0, n * size);
                rows(M, n).copyFrom(zeros, 0, 0, n * size);
                rows(V, n).copyFrom(zeros, 0, 0, n * size);
                float[] scale = new float[n];
                for (int j = 0; j < n; j++) {
                    scale[j] = (float) constant[j];
                }
                Tensor scales = session.vector("cw.c", n);
                scales.copyFrom(scale, 0, 0, n);
                workspace.labels(n).copyFrom(Arrays.copyOf(y, n));
                int[] activeLabels = Arrays.copyOf(y, n);
                float[] previous = new float[n];
                Arrays.fill(previous, 1e6f);
                float[] stepBest = new float[n];
                Arrays.fill(stepBest, Float.POSITIVE_INFINITY);
                boolean[] succeeded = new boolean[n];
                double beta1Power = 1;
                double beta2Power = 1;
                for (int it = 0; it < steps && m > 0; it++) {
                    Tensor logits = workspace.logits(rows(CURRENT, m));
                    boolean last = it == steps - 1;
                    Tensor dLogits = workspace.logitGradient(m);
                    backend.cwMargin(workspace.losses(m), last ? null : dLogits, logits, workspace.labels(m),
                            scales.slice(0, m), m, classes, kappa, goal == Goal.TARGETED);
                    backend.sampleNorms(null, session.vector("cw.distance", m), null, rows(CURRENT, m),
                            rows(ORIGIN, m), m);
                    logits.copyTo(0, hostLogits, 0, m * classes);
                    workspace.losses(m).copyTo(0, hostMargins, 0, m);
                    session.vector("cw.distance", m).copyTo(0, hostDistances, 0, m);
                    int stopped = 0;
                    int improved = 0;
                    boolean checking = abortEarly && it % check == 0;
                    for (int j = 0; j < m; j++) {
                        int i = positions[j];
                        float squared = hostDistances[j] * hostDistances[j];
                        if (checking) {
                            float objective = squared + scale[i] * hostMargins[j];
                            if (objective > previous[i] * 0.9999f) {
                                rowsA[stopped++] = j;
                                continue;
                            }
                            previous[i] = objective;
                        }
                        if (adversarial(j, activeLabels[j])) {
                            if (squared < stepBest[i]) {
                                stepBest[i] = squared;
                                succeeded[i] = true;
                            }
                            if (squared < bestSquared[i]) {
                                bestSquared[i] = squared;
                                improvedAt[improved] = i;
                                improvedFrom[improved++] = j;
                            }
                        }
                    }
                    if (improved > 0) {
                        // on the device, one launch: the new best rows into their chunk places
                        backend.copyRows(rows(BEST, n), improvedAt, rows(CURRENT, m), improvedFrom, improved);
                    }
                    if (last) {
                        break;
                    }
                    Tensor gradient = workspace.inputGradient(dLogits);
                    passes += m;
                    beta1Power *= BETA1;
                    beta2Power *= BETA2;
                    backend.cwAdamStep(rows(W, m), rows(M, m), rows(V, m), rows(CURRENT, m), rows(ORIGIN, m), gradient,
                            learningRate, BETA1, BETA2, (float) (1 / (1 - beta1Power)), (float) (1 / (1 - beta2Power)),
                            ADAM_EPSILON, lo, hi);
                    if (stopped > 0) {
                        m = compact(m, positions, activeLabels, stopped);
                        if (m > 0) {
                            float[] s = new float[m];
                            for (int j = 0; j < m; j++) {
                                s[j] = scale[positions[j]];
                            }
                            scales.slice(0, m).copyFrom(s, 0, 0, m);
                            workspace.labels(m).copyFrom(Arrays.copyOf(activeLabels, m));
                        }
                    }
                }
                nextConstants(succeeded, lower, upper, constant);
            }
            // the best x' of every sample that found one, brought back at once
            rows(BEST, n).copyTo(0, hostRows, 0, n * size);
            for (int i = 0; i < n; i++) {
                if (bestSquared[i] < Float.POSITIVE_INFINITY) {
                    System.arraycopy(hostRows, i * size, out.adversarial, (first + i) * size, size);
                }
            }
            return passes;
        }

        /** Removes the rows listed in rowsA[0, stopped) (increasing) from every buffer; returns the rows left. */
        private int compact(int m, int[] positions, int[] activeLabels, int stopped) {
            int kept = 0;
            int s = 0;
            for (int j = 0; j < m; j++) {
                if (s < stopped && rowsA[s] == j) {
                    s++;
                    continue;
                }
                rowsB[kept] = j;
                positions[kept] = positions[j];
                activeLabels[kept] = activeLabels[j];
                kept++;
            }
            if (kept == 0) {
                return 0;
            }
            compact(rowsB, kept, m, SPARE, ORIGIN, W, M, V, CURRENT);
            return kept;
        }
    }

    /**
     * The binary search's next c per sample, as l2_attack.py: where this step found an adversarial x', c
     * bounds the interval from above and c becomes its middle; where not, c bounds it from below and c
     * becomes its middle, or 10c while no step has succeeded yet.
     */
    private static void nextConstants(boolean[] succeeded, double[] lower, double[] upper, double[] constant) {
        for (int i = 0; i < succeeded.length; i++) {
            if (succeeded[i]) {
                upper[i] = Math.min(upper[i], constant[i]);
                if (upper[i] < 1e9) {
                    constant[i] = (lower[i] + upper[i]) / 2;
                }
            } else {
                lower[i] = Math.max(lower[i], constant[i]);
                constant[i] = upper[i] < 1e9 ? (lower[i] + upper[i]) / 2 : constant[i] * 10;
            }
        }
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }
}

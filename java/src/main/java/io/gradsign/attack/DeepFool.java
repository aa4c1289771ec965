package io.gradsign.attack;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.Locale;
import java.util.Objects;

/**
 * DeepFool (Moosavi-Dezfooli, Fawzi and Frossard 2016, "DeepFool: a simple and accurate method to fool
 * deep neural networks", Algorithms 2 and 3): a close to minimal perturbation that changes the model's
 * class. At each iteration the model is linearised at x_i around its class k&#770; (the label, or the clean
 * prediction for {@link Goal#VIRTUAL}): for each candidate class k, f_k = z_k &minus; z_k&#770; and
 * w_k = &nabla;z_k &minus; &nabla;z_k&#770; (one backward pass per candidate); the nearest boundary
 * l = argmin_k |f_k|/&Vert;w_k&Vert;_q (q the dual norm: 2 for L2, 1 for L&infin;) gives the step
 * <pre>
 * L2:   r_i = (|f_l|/&Vert;w_l&Vert;&#8322; + 10&#8315;&#8308;) &middot; w_l/&Vert;w_l&Vert;&#8322;
 * L&infin;:  r_i = (|f_l|/&Vert;w_l&Vert;&#8321; + 10&#8315;&#8308;) &middot; sign(w_l)
 * </pre>
 * (the 10&#8315;&#8308; of the authors' code), and x_{i+1} = clip(x + (1 + overshoot)&middot;&Sigma;r, lo, hi). A sample stops
 * once its class changes; the batch goes on with the others only. Defaults: 50 iterations, overshoot
 * 0.02, all classes as candidates (the paper's and Foolbox's; {@link #withCandidates} restricts them
 * to the top-k classes of the clean logits, for models with many classes), no budget: x' is where the
 * iteration stopped. With a finite &epsilon; ({@link #withEpsilon}) x' is projected onto the &epsilon;-ball at the
 * end and succeeds only if it is still adversarial there.
 *
 * <p>The candidates' gradient norms are per-sample reductions on the backend ({@link
 * Backend#sampleNorms}); after each candidate's backward pass, the samples for which it is the nearest
 * boundary so far copy their row of its gradient into one buffer ({@link Backend#copyRows}), so memory
 * does not grow with the candidates; the step is taken on the host. {@link AttackResult#gradientPasses()} counts the
 * backward passes, (candidates &minus; 1) per sample and iteration.
 */
public final class DeepFool implements Attack {
    private static final float MINIMUM_STEP = 1e-4f;

    private final Norm norm;
    private final int steps;
    private final float overshoot;
    private final int candidates;
    private final float epsilon;
    private final float lo;
    private final float hi;

    DeepFool(Norm norm, int steps, float overshoot, int candidates, float epsilon, float lo, float hi) {
        this.norm = Objects.requireNonNull(norm, "norm");
        this.steps = steps;
        this.overshoot = overshoot;
        this.candidates = candidates;
        this.epsilon = epsilon;
        this.lo = lo;
        this.hi = hi;
    }

    @Override
    public String name() {
        return norm == Norm.L2 ? "deepfool" : "deepfool-linf";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** The budget, or +&infin; (the default) for none. */
    @Override
    public float epsilon() {
        return epsilon;
    }

    public int steps() {
        return steps;
    }

    public float overshoot() {
        return overshoot;
    }

    /** The classes of highest clean logit considered (the sample's own among them), or 0 for all. */
    public int candidates() {
        return candidates;
    }

    /** This attack with the budget {@code epsilon} (&gt;= 0, or +&infin; for none). */
    @Override
    public DeepFool withEpsilon(float epsilon) {
        return new DeepFool(norm, steps, overshoot, candidates, checkBudget(epsilon), lo, hi);
    }

    static float checkBudget(float epsilon) {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0 (or infinite for no budget), got " + epsilon);
        }
        return epsilon;
    }

    /** This attack with at most {@code steps} iterations (&gt;= 1). */
    public DeepFool withSteps(int steps) {
        Settings.atLeast(steps, 1, "steps");
        return new DeepFool(norm, steps, overshoot, candidates, epsilon, lo, hi);
    }

    /** This attack with {@code overshoot} (&gt;= 0, finite). */
    public DeepFool withOvershoot(float overshoot) {
        Settings.nonNegative(overshoot, "overshoot");
        return new DeepFool(norm, steps, overshoot, candidates, epsilon, lo, hi);
    }

    /** This attack over the {@code candidates} (&gt;= 2) classes of highest clean logit. */
    public DeepFool withCandidates(int candidates) {
        Settings.atLeast(candidates, 2, "candidates");
        return new DeepFool(norm, steps, overshoot, candidates, epsilon, lo, hi);
    }

    /** This attack clipping x' to [lo, hi] (default [0, 1]). */
    public DeepFool withBounds(float lo, float hi) {
        Settings.bounds(lo, hi, false);
        return new DeepFool(norm, steps, overshoot, candidates, epsilon, lo, hi);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(steps=%d, overshoot=%s, candidates=%s%s, bounds=[%s, %s])", name(),
                steps, overshoot, candidates == 0 ? "all" : Integer.toString(candidates),
                Float.isInfinite(epsilon) ? "" : ", eps=" + epsilon, lo, hi);
    }

    @Override
    public AttackResult run(AttackSession session, Goal goal, float[] images, int[] labels) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(goal, "goal");
        if (goal == Goal.TARGETED) {
            throw new IllegalArgumentException(name() + " is untargeted: it moves to the nearest boundary");
        }
        Network network = session.network();
        int count = Batches.check(network, goal, images, labels);
        return Batches.runInChunks(session, goal, images, labels, count,
                () -> new Run(session, goal, network.inputSize())::chunk, norm, epsilon, lo, hi);
    }

    private final class Run {
        private final AttackSession session;
        private final Workspace workspace;
        private final Backend backend;
        private final Goal goal;
        private final int size;
        private final int classes;
        private final int others;
        private final float[] hostOrigin;
        private final float[] hostCurrent;
        private final float[] hostTotal;
        private final float[] hostChosen;
        private final float[] hostLogits;
        private final float[] hostNorms;
        private final float[] hostDLogits;
        private final float[] cleanLogits;
        private final int[] chunkLabels;
        private final int[] positions;
        private final int[][] candidateClasses;
        private final int[] rowsA;

        Run(AttackSession session, Goal goal, int size) {
            this.session = session;
            this.workspace = session.workspace();
            this.backend = session.network().backend();
            this.goal = goal;
            this.size = size;
            this.classes = session.network().classes();
            this.others = (candidates == 0 ? classes : Math.min(candidates, classes)) - 1;
            int capacity = session.capacity();
            hostOrigin = new float[capacity * size];
            hostCurrent = new float[capacity * size];
            hostTotal = new float[capacity * size];
            hostChosen = new float[capacity * size];
            hostLogits = new float[capacity * classes];
            hostNorms = new float[capacity];
            hostDLogits = new float[capacity * classes];
            cleanLogits = new float[capacity * classes];
            chunkLabels = new int[capacity];
            positions = new int[capacity];
            candidateClasses = new int[capacity][others];
            rowsA = new int[capacity];
        }

        long chunk(float[] images, int[] labels, int first, int n, Batches.Outcome out) {
            Batches.predict(workspace, images, first, n, out.cleanClass, out.cleanConfidence, cleanLogits);
            int m = 0;
            for (int i = 0; i < n; i++) {
                int label = goal == Goal.VIRTUAL ? out.cleanClass[first + i] : labels[first + i];
                if (out.cleanClass[first + i] != label) {
                    continue; // already misclassified: x' = x
                }
                chunkLabels[m] = label;
                positions[m] = i;
                int[] ranked = Batches.ranking(cleanLogits, i, classes);
                System.arraycopy(ranked, 1, candidateClasses[m], 0, others);
                System.arraycopy(images, (first + i) * size, hostOrigin, m * size, size);
                m++;
            }
            if (m == 0) {
                return 0;
            }
            System.arraycopy(hostOrigin, 0, hostCurrent, 0, m * size);
            java.util.Arrays.fill(hostTotal, 0, m * size, 0f);
            Tensor current = session.rows("deepfool.current", m);
            current.copyFrom(hostCurrent, 0, 0, m * size);
            Tensor chosen = session.rows("deepfool.chosen", session.capacity());
            Tensor norms = session.vector("deepfool.norms", session.capacity());
            float[] bestRatio = new float[session.capacity()];
            float[] coefficient = new float[session.capacity()];
            long passes = 0;
            for (int step = 0; step <= steps; step++) {
                Tensor logits = workspace.logits(current.slice(0, m));
                logits.copyTo(0, hostLogits, 0, m * classes);
                int kept = dropBroken(m, first, out);
                if (kept == 0 || step == steps) {
                    m = kept;
                    break;
                }
                if (kept != m) {
                    m = kept;
                    workspace.logits(current.slice(0, m)); // the kept samples moved to the front: their forward pass
                }
                // per candidate class: the gradient of z_k - z_label, its dual norm, and where it is the nearest
                // boundary so far, the sample's row of it into chosen (the first of equal ratios kept)
                java.util.Arrays.fill(bestRatio, 0, m, Float.POSITIVE_INFINITY);
                java.util.Arrays.fill(coefficient, 0, m, 0f);
                for (int c = 0; c < others; c++) {
                    java.util.Arrays.fill(hostDLogits, 0, m * classes, 0f);
                    for (int j = 0; j < m; j++) {
                        hostDLogits[j * classes + candidateClasses[j][c]] += 1f;
                        hostDLogits[j * classes + chunkLabels[j]] -= 1f;
                    }
                    Tensor dLogits = workspace.logitGradient(m);
                    dLogits.copyFrom(hostDLogits, 0, 0, m * classes);
                    Tensor gradient = workspace.inputGradient(dLogits);
                    passes += m;
                    Tensor normSlice = norms.slice(0, m);
                    if (norm == Norm.L2) {
                        backend.sampleNorms(null, normSlice, null, gradient, null, m);
                    } else {
                        backend.sampleNorms(normSlice, null, null, gradient, null, m);
                    }
                    normSlice.copyTo(0, hostNorms, 0, m);
                    int nearer = 0;
                    for (int j = 0; j < m; j++) {
                        float w = hostNorms[j];
                        if (!(w > 0)) {
                            continue;
                        }
                        int at = j * classes;
                        float ratio = Math.abs(hostLogits[at + candidateClasses[j][c]] - hostLogits[at + chunkLabels[j]])
                                / w;
                        if (ratio < bestRatio[j]) {
                            bestRatio[j] = ratio;
                            coefficient[j] = norm == Norm.L2 ? (ratio + MINIMUM_STEP) / w : ratio + MINIMUM_STEP;
                            rowsA[nearer++] = j;
                        }
                    }
                    if (nearer > 0) {
                        backend.copyRows(chosen.slice(0, m), rowsA, gradient, rowsA, nearer);
                    }
                }
                chosen.slice(0, m).copyTo(0, hostChosen, 0, m * size);
                float scale = 1f + overshoot;
                for (int j = 0; j < m; j++) {
                    float k = coefficient[j];
                    if (k == 0f) {
                        continue; // no candidate with a gradient: no step, and its row of chosen was never written
                    }
                    for (int e = j * size; e < (j + 1) * size; e++) {
                        float w = hostChosen[e];
                        float r = norm == Norm.L2 ? k * w : k * Math.signum(w);
                        hostTotal[e] += r;
                        hostCurrent[e] = Math.min(Math.max(hostOrigin[e] + scale * hostTotal[e], lo), hi);
                    }
                }
                current.slice(0, m).copyFrom(hostCurrent, 0, 0, m * size);
            }
            // the samples left: x' where the iterations stopped
            for (int j = 0; j < m; j++) {
                System.arraycopy(hostCurrent, j * size, out.adversarial, (first + positions[j]) * size, size);
            }
            return passes;
        }

        /**
         * The samples whose class changed (by hostLogits) leave with their current x'; the others move to
         * the front of the host arrays and of the current buffer. Returns how many are left.
         */
        private int dropBroken(int m, int first, Batches.Outcome out) {
            int kept = 0;
            for (int j = 0; j < m; j++) {
                if (Batches.argmax(hostLogits, j, classes) != chunkLabels[j]) {
                    System.arraycopy(hostCurrent, j * size, out.adversarial, (first + positions[j]) * size, size);
                    continue;
                }
                if (kept != j) {
                    System.arraycopy(hostOrigin, j * size, hostOrigin, kept * size, size);
                    System.arraycopy(hostCurrent, j * size, hostCurrent, kept * size, size);
                    System.arraycopy(hostTotal, j * size, hostTotal, kept * size, size);
                    System.arraycopy(hostLogits, j * classes, hostLogits, kept * classes, classes);
                    chunkLabels[kept] = chunkLabels[j];
                    positions[kept] = positions[j];
                    System.arraycopy(candidateClasses[j], 0, candidateClasses[kept], 0, others);
                }
                kept++;
            }
            if (kept != m && kept > 0) {
                session.rows("deepfool.current", kept).copyFrom(hostCurrent, 0, 0, kept * size);
            }
            return kept;
        }
    }
}

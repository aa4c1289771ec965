package io.gradsign.attack;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.Objects;

/**
 * The template of the gradient attacks, in the manner of Foolbox's: from a start (x itself, a
 * uniform point of the &epsilon;-ball, or a random sign step), {@code steps} times: the gradient of the
 * cross-entropy at x' (of the label, ascended; of the target, descended), normalised (its sign for
 * L&infin;; unit L2 norm per sample for L2; MI-FGSM's L1-normalised momentum), a step of
 * {@code stepSize}, the projection onto the &epsilon;-ball around the original x, and clipping to
 * [lo, hi]. Each step's normalise-step-project-clip is one fused operation of the backend
 * ({@link Backend#projectedSignStep}, {@link Backend#l2Step}, {@link Backend#momentumSignStep}).
 * With {@code restarts} &gt; 1 the samples not yet broken start again from new random points. With
 * an early stop, a sample leaves the batch once it is adversarial (checked at every step's forward
 * pass) and the batch carries on with the others only, so later steps cost less. Seeded: the same
 * seed gives the same x' on every backend (see {@link RandomStart}).
 *
 * <p>{@link Attacks} makes each named attack with its paper's parameters; the {@code with...}
 * methods change them.
 */
public final class GradientAttack implements Attack {
    /** How {@link #withEpsilon} rescales the steps: each attack's defaults as functions of &epsilon;. */
    enum Schedule {
        /** One step of &epsilon; (FGSM, FGM). */
        SINGLE,
        /** Kurakin et al.'s BIM: steps min(255&epsilon; + 4, 1.25&middot;255&epsilon;), each of 1/255 (for pixels in [0, 1]). */
        KURAKIN,
        /**
         * Steps of {@code relativeStepSize}&middot;&epsilon;/steps: the steps together travel relativeStepSize
         * times &epsilon; whatever their number (PGD, MI-FGSM).
         */
        RELATIVE,
        /** R+FGSM: a random sign step of &epsilon;/2 (relativeStepSize &middot; &epsilon;), then a gradient step of the rest. */
        RANDOM_THEN_REST
    }

    private final String name;
    private final Norm norm;
    private final float epsilon;
    private final Schedule schedule;
    private final float relativeStepSize;
    /** Explicit settings (from withSteps, withStepSize), or -1 / NaN for the schedule's. */
    private final int fixedSteps;
    private final float fixedStepSize;
    private final RandomStart.Kind start;
    private final int restarts;
    /** MI-FGSM's decay &mu;, or NaN for no momentum. */
    private final float decay;
    private final boolean earlyStop;
    private final float lo;
    private final float hi;
    private final long seed;

    GradientAttack(String name, Norm norm, float epsilon, Schedule schedule, float relativeStepSize, int fixedSteps,
                   float fixedStepSize, RandomStart.Kind start, int restarts, float decay, boolean earlyStop, float lo,
                   float hi, long seed) {
        this.name = Objects.requireNonNull(name, "name");
        this.norm = Objects.requireNonNull(norm, "norm");
        this.epsilon = checkEpsilon(epsilon);
        this.schedule = schedule;
        this.relativeStepSize = relativeStepSize;
        this.fixedSteps = fixedSteps;
        this.fixedStepSize = fixedStepSize;
        this.start = start;
        this.restarts = restarts;
        this.decay = decay;
        this.earlyStop = earlyStop;
        this.lo = lo;
        this.hi = hi;
        this.seed = seed;
    }

    static float checkEpsilon(float epsilon) {
        return Settings.nonNegative(epsilon, "epsilon");
    }

    private GradientAttack with(float epsilon, int fixedSteps, float fixedStepSize, int restarts, boolean earlyStop,
                                float lo, float hi, long seed, float decay) {
        return new GradientAttack(name, norm, epsilon, schedule, relativeStepSize, fixedSteps, fixedStepSize, start,
                restarts, decay, earlyStop, lo, hi, seed);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Norm norm() {
        return norm;
    }

    @Override
    public float epsilon() {
        return epsilon;
    }

    /** The number of gradient steps at this &epsilon;. */
    public int steps() {
        if (fixedSteps > 0) {
            return fixedSteps;
        }
        return switch (schedule) {
            case SINGLE, RANDOM_THEN_REST -> 1;
            case KURAKIN -> Math.max(1, (int) Math.ceil(Math.min(255 * epsilon + 4, 1.25 * 255 * epsilon)));
            case RELATIVE -> throw new IllegalStateException("a relative schedule has fixed steps");
        };
    }

    /** The size &alpha; of each gradient step at this &epsilon;. */
    public float stepSize() {
        if (!Float.isNaN(fixedStepSize)) {
            return fixedStepSize;
        }
        return switch (schedule) {
            case SINGLE -> epsilon;
            case KURAKIN -> 1f / 255;
            case RELATIVE -> relativeStepSize * epsilon / steps();
            case RANDOM_THEN_REST -> epsilon - randomStepSize();
        };
    }

    /** R+FGSM's random sign step &alpha; (0 for the other attacks). */
    float randomStepSize() {
        return schedule == Schedule.RANDOM_THEN_REST ? relativeStepSize * epsilon : 0f;
    }

    public int restarts() {
        return restarts;
    }

    public boolean earlyStop() {
        return earlyStop;
    }

    public long seed() {
        return seed;
    }

    /**
     * Whether this attack is FGSM's single step: one sign step of &epsilon; from x itself, L&infin;, no
     * momentum; it then runs as the backends' fused FGSM step, and a sweep over &epsilon; needs one gradient.
     */
    public boolean isFgsm() {
        return steps() == 1 && norm == Norm.LINF && start == RandomStart.Kind.NONE && Float.isNaN(decay)
                && stepSize() == epsilon;
    }

    /** MI-FGSM's decay factor &mu;, or NaN for an attack without momentum. */
    public float decay() {
        return decay;
    }

    /** The valid range x' is clipped to. */
    public float lo() {
        return lo;
    }

    public float hi() {
        return hi;
    }

    @Override
    public GradientAttack withEpsilon(float epsilon) {
        return with(checkEpsilon(epsilon), fixedSteps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** This attack with {@code steps} gradient steps (&gt;= 1). */
    public GradientAttack withSteps(int steps) {
        Settings.atLeast(steps, 1, "steps");
        if (schedule == Schedule.SINGLE || schedule == Schedule.RANDOM_THEN_REST) {
            throw new IllegalArgumentException(name + " takes one step by definition; use bim, pgd or mifgsm for more");
        }
        return with(epsilon, steps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** This attack with gradient steps of {@code stepSize} (&gt; 0, finite), whatever &epsilon;. */
    public GradientAttack withStepSize(float stepSize) {
        Settings.positive(stepSize, "step size");
        return with(epsilon, fixedSteps, stepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** This attack run {@code restarts} times (&gt;= 1) from new random starts on the samples not yet broken. */
    public GradientAttack withRestarts(int restarts) {
        Settings.atLeast(restarts, 1, "restarts");
        if (restarts > 1 && start == RandomStart.Kind.NONE) {
            throw new IllegalArgumentException(name + " has no random start: restarts would repeat it");
        }
        return with(epsilon, fixedSteps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** This attack stopping each sample once it is adversarial (or not). */
    public GradientAttack withEarlyStop(boolean earlyStop) {
        return with(epsilon, fixedSteps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** This attack clipping x' to [lo, hi] (default [0, 1]). */
    public GradientAttack withBounds(float lo, float hi) {
        if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("bounds must satisfy lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
        return with(epsilon, fixedSteps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** This attack drawing its random starts from {@code seed}. */
    public GradientAttack withSeed(long seed) {
        return with(epsilon, fixedSteps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    /** MI-FGSM with decay &mu; (&gt;= 0, finite). */
    public GradientAttack withDecay(float decay) {
        if (Float.isNaN(this.decay)) {
            throw new IllegalArgumentException(name + " has no momentum: use mifgsm");
        }
        Settings.nonNegative(decay, "decay");
        return with(epsilon, fixedSteps, fixedStepSize, restarts, earlyStop, lo, hi, seed, decay);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(name).append("(eps=").append(epsilon).append(", ").append(norm)
                .append(", steps=").append(steps()).append(", step=").append(stepSize());
        if (start != RandomStart.Kind.NONE) {
            s.append(", random start");
        }
        if (restarts > 1) {
            s.append(", restarts=").append(restarts);
        }
        if (!Float.isNaN(decay)) {
            s.append(", decay=").append(decay);
        }
        if (earlyStop) {
            s.append(", early stop");
        }
        return s.append(", bounds=[").append(lo).append(", ").append(hi).append("])").toString();
    }

    @Override
    public AttackResult run(AttackSession session, Goal goal, float[] images, int[] labels) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(goal, "goal");
        Network network = session.network();
        int count = Batches.check(network, goal, images, labels);
        return Batches.runInChunks(session, goal, images, labels, count,
                () -> new Run(session, goal, network.inputSize())::chunk, norm, Float.POSITIVE_INFINITY, lo, hi);
    }

    /** One run's state over the chunks of its input. */
    private final class Run {
        private final AttackSession session;
        private final Workspace workspace;
        private final Backend backend;
        private final Goal goal;
        private final int size;
        private final int classes;
        private final float alpha = GradientAttack.this.stepSize();
        private final int steps = GradientAttack.this.steps();
        private final float[] hostOrigin;
        private final float[] hostCurrent;
        private final float[] hostMomentum;
        private final float[] logits;
        private final int[] chunkLabels;
        private final int[] positions;

        Run(AttackSession session, Goal goal, int size) {
            this.session = session;
            this.workspace = session.workspace();
            this.backend = session.network().backend();
            this.goal = goal;
            this.size = size;
            this.classes = session.network().classes();
            int capacity = session.capacity();
            hostOrigin = new float[capacity * size];
            hostCurrent = new float[capacity * size];
            hostMomentum = Float.isNaN(decay) ? null : new float[capacity * size];
            logits = new float[capacity * classes];
            chunkLabels = new int[capacity];
            positions = new int[capacity];
        }

        /** Attacks samples [first, first + n); returns the forward-backward passes run. */
        long chunk(float[] images, int[] labels, int first, int n, Batches.Outcome out) {
            Batches.predict(workspace, images, first, n, out.cleanClass, out.cleanConfidence);
            for (int i = 0; i < n; i++) {
                chunkLabels[i] = goal == Goal.VIRTUAL ? out.cleanClass[first + i] : labels[first + i];
            }
            boolean[] done = new boolean[n];
            if (earlyStop) {
                for (int i = 0; i < n; i++) {
                    done[i] = Batches.succeeded(goal, out.cleanClass[first + i], chunkLabels[i]);
                }
            }
            long passes = 0;
            for (int restart = 0; restart < restarts; restart++) {
                int m = 0;
                for (int i = 0; i < n; i++) {
                    if (!done[i]) {
                        positions[m++] = i;
                    }
                }
                if (m == 0) {
                    break;
                }
                passes += steps(images, first, m, restart, done, out);
            }
            return passes;
        }

        /**
         * The steps on the m samples at positions[0, m) of the chunk at {@code first}, from one
         * start; writes each one's x' into out.adversarial; returns the passes run.
         */
        private long steps(float[] images, int first, int m, int restart, boolean[] done, Batches.Outcome out) {
            RandomStart.Kind kind = start;
            float radius = kind == RandomStart.Kind.SIGN ? randomStepSize() : epsilon;
            for (int j = 0; j < m; j++) {
                int sample = first + positions[j];
                System.arraycopy(images, sample * size, hostOrigin, j * size, size);
                RandomStart.draw(hostCurrent, j * size, images, sample * size, size, kind, norm, radius, lo, hi, seed,
                        sample, restart);
            }
            Tensor origin = workspace.input(m);
            origin.copyFrom(hostOrigin, 0, 0, m * size);
            Tensor current = workspace.adversarial(m);
            current.copyFrom(hostCurrent, 0, 0, m * size);
            uploadLabels(m);
            if (hostMomentum != null) {
                java.util.Arrays.fill(hostMomentum, 0, m * size, 0f);
                session.momentum(m).copyFrom(hostMomentum, 0, 0, m * size);
            }
            float scale = goal == Goal.TARGETED ? -1f : 1f;
            long passes = 0;
            boolean fgsm = isFgsm();
            if (fgsm) {
                // FGSM: the backend's fused step (a plan for dense networks), the same bits
                workspace.fgsmStep(origin, current, scale, epsilon, lo, hi, true);
                passes += m;
            }
            for (int step = 0; step < steps && !fgsm; step++) {
                // the gradient by the workspace's FGSM step with a step of 0, which leaves it in the workspace:
                // a backend's fused plan where it has one (dense networks), layer by layer otherwise
                boolean forward = true;
                if (earlyStop) {
                    Tensor logitsNow = workspace.logits(current);
                    int kept = dropBroken(logitsNow, m, first, done, out);
                    if (kept != m) {
                        m = kept;
                        if (m == 0) {
                            return passes;
                        }
                        origin = workspace.input(m);
                        current = workspace.adversarial(m);
                    } else {
                        forward = false;
                    }
                }
                workspace.fgsmStep(current, current, scale, 0f, lo, hi, forward);
                Tensor gradient = workspace.lastInputGradient();
                passes += m;
                if (!Float.isNaN(decay)) {
                    backend.momentumSignStep(current, session.momentum(m), current, origin, gradient, m, decay, alpha,
                            epsilon, lo, hi);
                } else if (norm == Norm.LINF) {
                    backend.projectedSignStep(current, current, origin, gradient, alpha, epsilon, lo, hi);
                } else {
                    backend.l2Step(current, current, origin, gradient, m, alpha, epsilon, lo, hi);
                }
            }
            current.copyTo(0, hostCurrent, 0, m * size);
            for (int j = 0; j < m; j++) {
                System.arraycopy(hostCurrent, j * size, out.adversarial, (first + positions[j]) * size, size);
            }
            if (restart + 1 < restarts) {
                // which samples this start broke: they keep their x', the others start again
                workspace.logits(current).copyTo(0, logits, 0, m * classes);
                for (int j = 0; j < m; j++) {
                    done[positions[j]] |= Batches.succeeded(goal, Batches.argmax(logits, j, classes),
                            chunkLabels[positions[j]]);
                }
            }
            return passes;
        }

        private void uploadLabels(int m) {
            int[] active = new int[m];
            for (int j = 0; j < m; j++) {
                active[j] = chunkLabels[positions[j]];
            }
            workspace.labels(m).copyFrom(active);
        }

        /**
         * Early stop: the samples whose current x' is already adversarial keep it and leave; the
         * others move to the front of every buffer. Returns how many are left.
         */
        private int dropBroken(Tensor logitsNow, int m, int first, boolean[] done, Batches.Outcome out) {
            logitsNow.copyTo(0, logits, 0, m * classes);
            boolean any = false;
            boolean[] broken = new boolean[m];
            for (int j = 0; j < m; j++) {
                broken[j] = Batches.succeeded(goal, Batches.argmax(logits, j, classes), chunkLabels[positions[j]]);
                any |= broken[j];
            }
            if (!any) {
                return m;
            }
            workspace.adversarial(m).copyTo(0, hostCurrent, 0, m * size);
            if (hostMomentum != null) {
                session.momentum(m).copyTo(0, hostMomentum, 0, m * size);
            }
            int kept = 0;
            for (int j = 0; j < m; j++) {
                int i = positions[j];
                if (broken[j]) {
                    done[i] = true;
                    System.arraycopy(hostCurrent, j * size, out.adversarial, (first + i) * size, size);
                    continue;
                }
                if (kept != j) {
                    System.arraycopy(hostOrigin, j * size, hostOrigin, kept * size, size);
                    System.arraycopy(hostCurrent, j * size, hostCurrent, kept * size, size);
                    if (hostMomentum != null) {
                        System.arraycopy(hostMomentum, j * size, hostMomentum, kept * size, size);
                    }
                    positions[kept] = i;
                }
                kept++;
            }
            if (kept > 0) {
                workspace.input(kept).copyFrom(hostOrigin, 0, 0, kept * size);
                workspace.adversarial(kept).copyFrom(hostCurrent, 0, 0, kept * size);
                if (hostMomentum != null) {
                    session.momentum(kept).copyFrom(hostMomentum, 0, 0, kept * size);
                }
                uploadLabels(kept);
            }
            return kept;
        }
    }
}

package io.gradsign.train;

import java.util.Arrays;

/**
 * A learning-rate schedule: the rate of each optimiser step, from the step's index t and the run's
 * total steps T (epochs times steps per epoch), so that a resumed run continues the same curve.
 */
public abstract sealed class LearningRate {

    /** The rate of step t (0-based) of T. */
    public abstract float at(long t, long total);

    /** One line for logs and checkpoints. */
    public abstract String describe();

    @Override
    public String toString() {
        return describe();
    }

    /** The same rate throughout. */
    public static LearningRate constant(float rate) {
        return new Constant(checkRate(rate));
    }

    /**
     * Multiplied by {@code gamma} at each milestone, given as fractions of the run in (0, 1): the step
     * schedule of Madry et al. 2018 and of TRADES (e.g. 0.1 at 50% and 75% of the run).
     */
    public static LearningRate step(float rate, float gamma, double... milestones) {
        checkRate(rate);
        if (!(gamma > 0) || Float.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be finite and > 0, got " + gamma);
        }
        double[] sorted = milestones.clone();
        Arrays.sort(sorted);
        for (double m : sorted) {
            if (!(m > 0 && m < 1)) {
                throw new IllegalArgumentException("milestones must lie in (0, 1), got " + m);
            }
        }
        return new Step(rate, gamma, sorted);
    }

    /** Cosine annealing from {@code rate} to 0 over the run (Loshchilov and Hutter 2017, without restarts). */
    public static LearningRate cosine(float rate) {
        return new Cosine(checkRate(rate));
    }

    /**
     * The cyclic schedule of fast adversarial training (Wong et al. 2020; Smith's one-cycle): linear from 0
     * to {@code peak} over the first 2/5 of the run, then linear back to 0.
     */
    public static LearningRate oneCycle(float peak) {
        return new OneCycle(checkRate(peak));
    }

    private static float checkRate(float rate) {
        if (!(rate >= 0) || Float.isInfinite(rate)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + rate);
        }
        return rate;
    }

    private static double fraction(long t, long total) {
        return total <= 0 ? 0 : Math.min(1.0, (double) t / total);
    }

    static final class Constant extends LearningRate {
        private final float rate;

        Constant(float rate) {
            this.rate = rate;
        }

        @Override
        public float at(long t, long total) {
            return rate;
        }

        @Override
        public String describe() {
            return "constant " + rate;
        }
    }

    static final class Step extends LearningRate {
        private final float rate;
        private final float gamma;
        private final double[] milestones;

        Step(float rate, float gamma, double[] milestones) {
            this.rate = rate;
            this.gamma = gamma;
            this.milestones = milestones;
        }

        @Override
        public float at(long t, long total) {
            double f = fraction(t, total);
            double r = rate;
            for (double m : milestones) {
                if (f >= m) {
                    r *= gamma;
                }
            }
            return (float) r;
        }

        @Override
        public String describe() {
            return "step " + rate + " x" + gamma + " at " + Arrays.toString(milestones);
        }
    }

    static final class Cosine extends LearningRate {
        private final float rate;

        Cosine(float rate) {
            this.rate = rate;
        }

        @Override
        public float at(long t, long total) {
            return (float) (rate * 0.5 * (1 + Math.cos(Math.PI * fraction(t, total))));
        }

        @Override
        public String describe() {
            return "cosine " + rate;
        }
    }

    static final class OneCycle extends LearningRate {
        private final float peak;

        OneCycle(float peak) {
            this.peak = peak;
        }

        @Override
        public float at(long t, long total) {
            // the rate at the step's middle, so that the first step does not take a rate of exactly 0
            double f = total <= 0 ? 0 : Math.min(1.0, (t + 0.5) / total);
            return (float) (f < 0.4 ? peak * f / 0.4 : peak * (1 - f) / 0.6);
        }

        @Override
        public String describe() {
            return "one-cycle " + peak;
        }
    }
}

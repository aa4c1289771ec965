package io.gradsign.train;

import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/**
 * PGD adversarial training, Madry, Makelov, Schmidt, Tsipras and Vladu 2018, "Towards deep learning
 * models resistant to adversarial attacks": the saddle-point objective
 * min_&theta; E[max_{||&delta;||&infin; &le; &epsilon;} J(&theta;, x + &delta;, y)], its inner maximum
 * approximated by PGD under L&infin; from a uniform random start, and the model trained on the loss at
 * the point PGD reaches:
 * <pre>
 * x0 = clip(x + U(&minus;&epsilon;, &epsilon;)^n, lo, hi)
 * x_{t+1} = clip(proj_{||x' &minus; x||&infin; &le; &epsilon;}(x_t + a sign(&nabla;_x J(&theta;, x_t, y))), lo, hi),  t &lt; k
 * loss = J(&theta;, x_k, y)
 * </pre>
 * Defaults: k = 7 steps (the paper's CIFAR-10 setting, and the benchmark), step a = 2.5&epsilon;/k
 * (the rule of the authors' robustness library, as {@link io.gradsign.attack.Attacks#pgd} uses; the
 * paper's CIFAR-10 run takes 2/255 at &epsilon; = 8/255, 0.25&epsilon;), bounds [0, 1]. The start comes from
 * Philox4x32 on the backend ({@link io.gradsign.Backend#randomUniform}), keyed by the trainer's seed
 * and step. Each PGD step is the attack's: {@link Workspace#fgsmStep} for the gradient, then
 * {@link io.gradsign.Backend#projectedSignStep}.
 */
public final class PgdAt implements Objective {
    private final float epsilon;
    private final int steps;
    /** NaN: 2.5 epsilon / steps. */
    private final float stepSize;
    private final float lo;
    private final float hi;

    PgdAt(float epsilon, int steps, float stepSize, float lo, float hi) {
        this.epsilon = Objectives.checkEpsilon("epsilon", epsilon);
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (!Float.isNaN(stepSize)) {
            Objectives.checkEpsilon("stepSize", stepSize);
        }
        Objectives.checkBounds(lo, hi);
        this.steps = steps;
        this.stepSize = stepSize;
        this.lo = lo;
        this.hi = hi;
    }

    /** The number of PGD steps k (default 7); the step size follows it unless set. */
    public PgdAt withSteps(int steps) {
        return new PgdAt(epsilon, steps, stepSize, lo, hi);
    }

    /** The step size a (default 2.5&epsilon;/k). */
    public PgdAt withStepSize(float stepSize) {
        return new PgdAt(epsilon, steps, Objectives.checkEpsilon("stepSize", stepSize), lo, hi);
    }

    public PgdAt withBounds(float lo, float hi) {
        return new PgdAt(epsilon, steps, stepSize, lo, hi);
    }

    public float epsilon() {
        return epsilon;
    }

    public int steps() {
        return steps;
    }

    public float stepSize() {
        return Float.isNaN(stepSize) ? 2.5f * epsilon / steps : stepSize;
    }

    @Override
    public String name() {
        return "pgd-at";
    }

    @Override
    public String describe() {
        return "pgd-at epsilon=" + epsilon + " steps=" + steps + " step=" + stepSize() + " bounds=[" + lo + ", " + hi
                + "]";
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public int workspaceRows(int labelled, int unlabelled) {
        return labelled;
    }

    @Override
    public Step bind(Network network, Workspace workspace, int labelled, int unlabelled, long seed) {
        return bindSteps(network, workspace, labelled, seed, epsilon, steps, stepSize(), lo, hi);
    }

    /**
     * The step of PGD-AT and of fast AT (one step of {@code a} = 1.25&epsilon;): a uniform start in the
     * &epsilon;-ball clipped to [lo, hi], {@code steps} projected sign steps, then the cross-entropy at x'.
     */
    static Step bindSteps(Network network, Workspace workspace, int labelled, long seed, float epsilon, int steps,
                          float a, float lo, float hi) {
        return new StepBase(network, workspace, seed) {
            private final Tensor noise = inputs(labelled);

            @Override
            public Loss run(Tensor clean, int[] labels, int n, int unlabelledRows, long step) {
                Tensor x = clean.slice(0, n);
                Tensor adversarial = workspace.input(n);
                Tensor delta = noise.slice(0, n);
                backend.randomUniform(delta, seed, stream(step, 0), -epsilon, epsilon);
                backend.combine(adversarial, 1f, x, 1f, delta, lo, hi);
                labels(labels, n, 1);
                for (int t = 0; t < steps; t++) {
                    workspace.fgsmStep(adversarial, adversarial, 1f, 0f, lo, hi, true);
                    backend.projectedSignStep(adversarial, adversarial, x, workspace.lastInputGradient(), a, epsilon, lo,
                            hi);
                }
                workspace.logits(adversarial);
                Tensor dLogits = workspace.crossEntropy(workspace.labels(n), 1f / n, true);
                workspace.parameterGradients(dLogits);
                return new Loss(sum(workspace.losses(n), 0, n) / n, correct(n, 0, n, labels), n);
            }
        };
    }
}

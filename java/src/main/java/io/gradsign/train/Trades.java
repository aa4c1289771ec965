package io.gradsign.train;

import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/**
 * TRADES, Zhang, Yu, Jiao, Xing, El Ghaoui and Jordan 2019, "Theoretically principled trade-off
 * between robustness and accuracy":
 * <pre>
 * loss = J(&theta;, x, y) + &beta; KL(p(x) || p(x'))
 * x' = argmax_{||x' &minus; x||&infin; &le; &epsilon;} KL(p(x) || p(x'))   (p(x) held constant in the search)
 * </pre>
 * x' from the authors' search: x0 = x + 0.001 &middot; N(0, I) (clipped to [lo, hi]), then k projected sign
 * steps of size a on the KL term. The gradient of the loss flows through both p(x) and p(x'): one
 * forward and backward pass over x and x' together, the divergence's logit gradients with respect to
 * both arguments from one fused kernel ({@link io.gradsign.Backend#softmaxKl}). Defaults: &beta; = 6 (the
 * paper's), k = 10 (its CIFAR-10 setting), a = 2.5&epsilon;/k (the paper's CIFAR-10 run: 0.007 at
 * &epsilon; = 0.031, 0.23&epsilon;), bounds [0, 1]. The KL is the mean over the batch (the authors' "batchmean").
 */
public final class Trades implements Objective {
    private final float epsilon;
    private final float beta;
    private final int steps;
    private final float stepSize;
    private final float lo;
    private final float hi;

    Trades(float epsilon, float beta, int steps, float stepSize, float lo, float hi) {
        this.epsilon = Objectives.checkEpsilon("epsilon", epsilon);
        this.beta = Objectives.checkEpsilon("beta", beta);
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

    /** The weight &beta; of the KL term (default 6). */
    public Trades withBeta(float beta) {
        return new Trades(epsilon, beta, steps, stepSize, lo, hi);
    }

    /** The steps k of the search for x' (default 10). */
    public Trades withSteps(int steps) {
        return new Trades(epsilon, beta, steps, stepSize, lo, hi);
    }

    /** The step size a of the search (default 2.5&epsilon;/k). */
    public Trades withStepSize(float stepSize) {
        return new Trades(epsilon, beta, steps, Objectives.checkEpsilon("stepSize", stepSize), lo, hi);
    }

    public Trades withBounds(float lo, float hi) {
        return new Trades(epsilon, beta, steps, stepSize, lo, hi);
    }

    public float epsilon() {
        return epsilon;
    }

    public float beta() {
        return beta;
    }

    public int steps() {
        return steps;
    }

    public float stepSize() {
        return Float.isNaN(stepSize) ? 2.5f * epsilon / steps : stepSize;
    }

    @Override
    public String name() {
        return "trades";
    }

    @Override
    public String describe() {
        return "trades epsilon=" + epsilon + " beta=" + beta + " steps=" + steps + " step=" + stepSize() + " bounds=["
                + lo + ", " + hi + "]";
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public int workspaceRows(int labelled, int unlabelled) {
        return 2 * labelled;
    }

    @Override
    public Step bind(Network network, Workspace workspace, int labelled, int unlabelled, long seed) {
        float a = stepSize();
        return new StepBase(network, workspace, seed) {
            private final Tensor noise = inputs(labelled);
            private final Tensor cleanLogits = logitRows(labelled);
            private final Tensor divergences = values(labelled);
            private final Tensor dClean = logitRows(labelled);

            @Override
            public Loss run(Tensor clean, int[] labels, int n, int unlabelledRows, long step) {
                Tensor both = workspace.input(2 * n);
                Tensor x = both.slice(0, n);
                Tensor adversarial = both.slice(n, n);
                Tensor p = cleanLogits.slice(0, n);
                Tensor kl = divergences.slice(0, n);
                backend.copy(x, clean.slice(0, n));
                backend.copy(p, workspace.logits(x));
                Tensor start = noise.slice(0, n);
                backend.randomNormal(start, seed, stream(step, 1));
                backend.combine(adversarial, 1f, x, 0.001f, start, lo, hi);
                for (int t = 0; t < steps; t++) {
                    Tensor q = workspace.logits(adversarial);
                    Tensor dQ = workspace.logitGradient(n);
                    backend.softmaxKl(kl, null, dQ, p, q, n, classes, 1f);
                    Tensor g = workspace.inputGradient(dQ);
                    backend.projectedSignStep(adversarial, adversarial, x, g, a, epsilon, lo, hi);
                }
                int rows = 2 * n;
                Tensor logits = workspace.logits(both);
                Tensor dLogits = workspace.logitGradient(rows);
                crossEntropyRows(logits, dLogits, rows, 0, n, labels(labels, n, 1), 1f / n);
                Tensor dP = dClean.slice(0, n);
                backend.softmaxKl(kl, dP, dLogits.slice(n, n), logits.slice(0, n), logits.slice(n, n), n, classes,
                        beta / n);
                addScaled(dLogits.slice(0, n), 1f, dP);
                workspace.parameterGradients(dLogits);
                double total = (sum(workspace.losses(rows), 0, n) + beta * sum(kl, 0, n)) / n;
                return new Loss(total, correct(rows, 0, n, labels), n);
            }
        };
    }
}

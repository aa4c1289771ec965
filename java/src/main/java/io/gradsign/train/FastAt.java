package io.gradsign.train;

import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/**
 * Fast adversarial training, Wong, Rice and Kolter 2020, "Fast is better than free: revisiting
 * adversarial training": FGSM from a random start, then training on the result alone:
 * <pre>
 * &delta; ~ U(&minus;&epsilon;, &epsilon;)^n,  x0 = clip(x + &delta;, lo, hi)
 * x' = clip(proj_{||x' &minus; x||&infin; &le; &epsilon;}(x0 + a sign(&nabla;_x J(&theta;, x0, y))), lo, hi)
 * loss = J(&theta;, x', y)
 * </pre>
 * Defaults: step a = 1.25&epsilon; (the paper's &alpha; = 10/255 at &epsilon; = 8/255), bounds [0, 1]. The
 * start is drawn on the backend from Philox4x32 ({@link io.gradsign.Backend#randomUniform}), keyed by the
 * trainer's seed and step: the same numbers on every backend. The paper pairs it with a cyclic learning
 * rate ({@link LearningRate#oneCycle}); the random start is what keeps FGSM training from catastrophic
 * overfitting at the paper's radii (8/255 on CIFAR-10, 0.3 on MNIST), not at every one: docs/TRAINING.md
 * shows the MLP overfitting at 0.25 on Fashion-MNIST where the CNN does not. The step is PGD-AT's with
 * one iteration.
 */
public final class FastAt implements Objective {
    private final float epsilon;
    private final float stepSize;
    private final float lo;
    private final float hi;

    FastAt(float epsilon, float stepSize, float lo, float hi) {
        this.epsilon = Objectives.checkEpsilon("epsilon", epsilon);
        this.stepSize = Objectives.checkEpsilon("stepSize", stepSize);
        Objectives.checkBounds(lo, hi);
        this.lo = lo;
        this.hi = hi;
    }

    /** The FGSM step from the random start (default 1.25&epsilon;). */
    public FastAt withStepSize(float stepSize) {
        return new FastAt(epsilon, stepSize, lo, hi);
    }

    public FastAt withBounds(float lo, float hi) {
        return new FastAt(epsilon, stepSize, lo, hi);
    }

    public float epsilon() {
        return epsilon;
    }

    public float stepSize() {
        return stepSize;
    }

    @Override
    public String name() {
        return "fast-at";
    }

    @Override
    public String describe() {
        return "fast-at epsilon=" + epsilon + " step=" + stepSize + " bounds=[" + lo + ", " + hi + "]";
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
        return PgdAt.bindSteps(network, workspace, labelled, seed, epsilon, 1, stepSize, lo, hi);
    }
}

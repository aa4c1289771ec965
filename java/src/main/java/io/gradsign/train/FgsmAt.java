package io.gradsign.train;

import io.gradsign.Labels;
import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/**
 * FGSM adversarial training, Goodfellow, Shlens and Szegedy 2014, "Explaining and harnessing
 * adversarial examples", section 5: the mixed objective
 * <pre>
 * J~(&theta;, x, y) = &alpha; J(&theta;, x, y) + (1 &minus; &alpha;) J(&theta;, x + &epsilon; sign(&nabla;_x J(&theta;, x, y)), y)
 * </pre>
 * with J the softmax cross-entropy, x' clipped to [lo, hi] and held constant (no gradient flows
 * through its construction). Defaults: &alpha; = 0.5 (the paper's), bounds [0, 1]; &epsilon; is the
 * caller's (the paper's MNIST value is 0.25; 0.1 is the usual Fashion-MNIST one).
 *
 * <p>One step: a forward and backward pass at x for the sign of the gradient, one fused sign step,
 * a forward pass at x' (x's activations are kept from the first), and one backward pass over x and x'
 * together (2B rows), whose logit gradients are scaled by &alpha;/B and (1 &minus; &alpha;)/B. Known failure: with a large &epsilon; the model can learn to
 * defeat the single step without becoming robust ("catastrophic overfitting", Wong et al. 2020): FGSM
 * accuracy high, PGD accuracy near zero.
 */
public final class FgsmAt implements Objective {
    private final float epsilon;
    private final float alpha;
    private final float lo;
    private final float hi;

    FgsmAt(float epsilon, float alpha, float lo, float hi) {
        this.epsilon = Objectives.checkEpsilon("epsilon", epsilon);
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        Objectives.checkBounds(lo, hi);
        this.alpha = alpha;
        this.lo = lo;
        this.hi = hi;
    }

    /** The weight of the clean term, in [0, 1]. */
    public FgsmAt withAlpha(float alpha) {
        return new FgsmAt(epsilon, alpha, lo, hi);
    }

    /** The range x' is clipped to. */
    public FgsmAt withBounds(float lo, float hi) {
        return new FgsmAt(epsilon, alpha, lo, hi);
    }

    public float epsilon() {
        return epsilon;
    }

    public float alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return "fgsm-at";
    }

    @Override
    public String describe() {
        return "fgsm-at epsilon=" + epsilon + " alpha=" + alpha + " bounds=[" + lo + ", " + hi + "]";
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
        return new StepBase(network, workspace, seed) {
            @Override
            public Loss run(Tensor clean, int[] labels, int n, int unlabelledRows, long step) {
                Tensor both = workspace.input(2 * n);
                Tensor x = both.slice(0, n);
                Tensor adversarial = both.slice(n, n);
                backend.copy(x, clean.slice(0, n));
                labels(labels, n, 1);
                workspace.fgsmStep(x, adversarial, 1f, epsilon, lo, hi, true);
                Labels doubled = labels(labels, n, 2);
                // x's activations are those of the step's forward pass: the forward pass runs on x' alone
                workspace.logits(both, n);
                Tensor dLogits = workspace.crossEntropy(doubled, 1f / n, true);
                scale(dLogits.slice(0, n), alpha);
                scale(dLogits.slice(n, n), 1f - alpha);
                workspace.parameterGradients(dLogits);
                Tensor losses = workspace.losses(2 * n);
                double total = (alpha * sum(losses, 0, n) + (1 - alpha) * sum(losses, n, n)) / n;
                return new Loss(total, correct(2 * n, 0, n, labels), n);
            }
        };
    }
}

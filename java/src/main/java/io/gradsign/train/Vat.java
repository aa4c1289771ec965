package io.gradsign.train;

import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/**
 * Virtual adversarial training, Miyato, Maeda, Koyama and Ishii 2018, "Virtual adversarial training: a
 * regularization method for supervised and semi-supervised learning" (TPAMI; first as Miyato et al.
 * 2015, "Distributional smoothing with virtual adversarial training"). The local distributional
 * smoothness term needs no label, so it trains on unlabelled images too:
 * <pre>
 * LDS(x) = KL(p(x) || p(x + r_adv)),  p(x) held constant
 * r_adv  = &epsilon; g / ||g||_2,  g = &nabla;_r KL(p(x) || p(x + r)) at r = &xi; d,  d a unit vector
 * loss   = (1/B_l) &Sigma;_labelled J(&theta;, x, y) + w (1/N) &Sigma;_{labelled and unlabelled} LDS(x)
 *          [+ (1/N) &Sigma; H(p(x)) with entropy minimisation: VAT+EntMin]
 * </pre>
 * d comes from the power iteration: d0 a random Gaussian direction (from Philox4x32 on the backend,
 * {@link io.gradsign.Backend#randomNormal}, keyed by the trainer's seed and step), then K times
 * d = g/||g|| with g the gradient above at r = &xi;d, by one backward pass; r_adv from the last g. It
 * approximates the dominant eigenvector of the Hessian of the KL at r = 0. Per-sample normalisation
 * and x + scale&middot;v/||v|| are one kernel ({@link io.gradsign.Backend#l2Normalize}); the KL's gradient
 * with respect to the second logits one more ({@link io.gradsign.Backend#softmaxKl}).
 *
 * <p>Defaults: K = 1 (the paper's), weight w = 1 (the paper's &alpha;), no entropy term; &epsilon; is the
 * caller's (an L2 radius: the paper's MNIST value is 2.0 on pixels in [0, 1]); &xi; = 0.01 rather than
 * the paper's 1e-6: in float32 a step of 1e-6 spread over 784 pixels is below half an ulp of a pixel
 * near 0.5 and vanishes when added, and the logits move by less than their rounding. Unlike the
 * L&infin; objectives, x + r_adv is not clipped to the pixel range (the paper does not). The entropy
 * term is the conditional entropy of Grandvalet and Bengio 2004, as in the paper's VAT+EntMin.
 */
public final class Vat implements Objective {
    static final float DEFAULT_XI = 0.01f;

    private final float epsilon;
    private final float xi;
    private final int powerIterations;
    private final float weight;
    private final boolean entropyMinimisation;

    Vat(float epsilon, float xi, int powerIterations, float weight, boolean entropyMinimisation) {
        this.epsilon = Objectives.checkEpsilon("epsilon", epsilon);
        if (!(xi > 0) || Float.isInfinite(xi)) {
            throw new IllegalArgumentException("xi must be finite and > 0, got " + xi);
        }
        if (powerIterations < 1) {
            throw new IllegalArgumentException("powerIterations must be >= 1, got " + powerIterations);
        }
        this.xi = xi;
        this.powerIterations = powerIterations;
        this.weight = Objectives.checkEpsilon("weight", weight);
        this.entropyMinimisation = entropyMinimisation;
    }

    /** The finite-difference radius &xi; of the power iteration (default 0.01). */
    public Vat withXi(float xi) {
        return new Vat(epsilon, xi, powerIterations, weight, entropyMinimisation);
    }

    /** The power iterations K (default 1). */
    public Vat withPowerIterations(int k) {
        return new Vat(epsilon, xi, k, weight, entropyMinimisation);
    }

    /** The weight of the smoothness term (default 1). */
    public Vat withWeight(float weight) {
        return new Vat(epsilon, xi, powerIterations, weight, entropyMinimisation);
    }

    /** With the entropy term (VAT+EntMin) or without (default). */
    public Vat withEntropyMinimisation(boolean on) {
        return new Vat(epsilon, xi, powerIterations, weight, on);
    }

    public float epsilon() {
        return epsilon;
    }

    public float xi() {
        return xi;
    }

    public int powerIterations() {
        return powerIterations;
    }

    public boolean entropyMinimisation() {
        return entropyMinimisation;
    }

    @Override
    public String name() {
        return "vat";
    }

    @Override
    public String describe() {
        return "vat epsilon=" + epsilon + " xi=" + xi + " power-iterations=" + powerIterations + " weight=" + weight
                + (entropyMinimisation ? " entmin" : "");
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public boolean usesUnlabelled() {
        return true;
    }

    @Override
    public int workspaceRows(int labelled, int unlabelled) {
        int n = labelled + unlabelled;
        return n + (entropyMinimisation ? n : labelled);
    }

    /**
     * The direction d after the power iteration, and r_adv: writes x + r_adv into {@code out} for the
     * {@code n} samples of x. Leaves the clean logits in {@code p}. Package-private for the tests.
     */
    static void adversarialPoint(StepBase s, Tensor out, Tensor x, Tensor p, Tensor direction, Tensor divergences,
                                 int n, float epsilon, float xi, int iterations, long step) {
        s.backend.copy(p, s.workspace.logits(x));
        s.backend.randomNormal(direction, s.seed, StepBase.stream(step, 2));
        s.backend.l2Normalize(out, x, direction, n, xi);
        for (int k = 0; k < iterations; k++) {
            Tensor q = s.workspace.logits(out);
            Tensor dQ = s.workspace.logitGradient(n);
            s.backend.softmaxKl(divergences, null, dQ, p, q, n, s.classes, 1f);
            Tensor g = s.workspace.inputGradient(dQ);
            s.backend.l2Normalize(out, x, g, n, k == iterations - 1 ? epsilon : xi);
        }
    }

    @Override
    public Step bind(Network network, Workspace workspace, int labelled, int unlabelled, long seed) {
        int capacity = labelled + unlabelled;
        return new StepBase(network, workspace, seed) {
            private final Tensor direction = inputs(capacity);
            private final Tensor cleanLogits = logitRows(capacity);
            private final Tensor divergences = values(capacity);
            private final Tensor entropies = values(capacity);
            private final Tensor dCrossEntropy = logitRows(labelled);

            @Override
            public Loss run(Tensor clean, int[] labels, int nl, int nu, long step) {
                int n = nl + nu;
                int rows = n + (entropyMinimisation ? n : nl);
                Tensor in = workspace.input(rows);
                Tensor adversarial = in.slice(0, n);
                Tensor x = clean.slice(0, n);
                Tensor p = cleanLogits.slice(0, n);
                Tensor kl = divergences.slice(0, n);
                adversarialPoint(this, adversarial, x, p, direction.slice(0, n), kl, n, epsilon, xi, powerIterations,
                        step);
                backend.copy(in.slice(n, rows - n), clean.slice(0, rows - n));
                Tensor logits = workspace.logits(in);
                Tensor dLogits = workspace.logitGradient(rows);
                backend.softmaxKl(kl, null, dLogits.slice(0, n), p, logits.slice(0, n), n, classes, weight / n);
                double total = weight * sum(kl, 0, n) / n;
                if (entropyMinimisation) {
                    Tensor h = entropies.slice(0, n);
                    backend.softmaxEntropy(h, dLogits.slice(n, n), logits.slice(n, n), n, classes, 1f / n);
                    total += sum(h, 0, n) / n;
                    Tensor dCe = dCrossEntropy.slice(0, nl);
                    backend.softmaxCrossEntropy(workspace.probabilities(rows).slice(n, nl),
                            workspace.losses(rows).slice(n, nl), dCe, logits.slice(n, nl), labels(labels, nl, 1), nl,
                            classes, 1f / nl);
                    addScaled(dLogits.slice(n, nl), 1f, dCe);
                } else {
                    crossEntropyRows(logits, dLogits, rows, n, nl, labels(labels, nl, 1), 1f / nl);
                }
                workspace.parameterGradients(dLogits);
                total += sum(workspace.losses(rows), n, nl) / nl;
                return new Loss(total, correct(rows, n, nl, labels), nl);
            }
        };
    }
}

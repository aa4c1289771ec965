package io.gradsign.eval;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import io.gradsign.attack.Attack;
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.GradientAttack;
import io.gradsign.attack.Goal;
import io.gradsign.model.Evaluation;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Robust accuracy of a model over an &epsilon; sweep, for any attacks, in one call: per attack and
 * &epsilon; the fraction of samples whose x' the model still labels right, and per sample the
 * smallest &epsilon; of the sweep that breaks it. FGSM's whole sweep comes from one gradient per batch
 * (its direction does not depend on &epsilon;): one backward pass and a forward pass per &epsilon;, the same
 * x' as running FGSM at each &epsilon;.
 */
public final class RobustnessEvaluation {
    private RobustnessEvaluation() {}

    /**
     * Attacks {@code images} (count &times; input size) with their true {@code labels} by each attack at
     * each of {@code epsilons} (untargeted), through {@code session}.
     *
     * @param progress told the samples each attack-and-&epsilon; pass finishes (for progress bars)
     * @throws IllegalArgumentException for no attacks, no or negative or non-finite epsilons, or
     *     images and labels that do not match the network
     */
    public static RobustnessReport sweep(AttackSession session, List<? extends Attack> attacks, float[] epsilons,
                                         float[] images, int[] labels, IntConsumer progress) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(progress, "progress");
        if (attacks == null || attacks.isEmpty()) {
            throw new IllegalArgumentException("no attacks to evaluate");
        }
        if (epsilons == null || epsilons.length == 0) {
            throw new IllegalArgumentException("no epsilons to evaluate");
        }
        for (float e : epsilons) {
            if (!(e >= 0) || Float.isInfinite(e)) {
                throw new IllegalArgumentException("epsilons must be finite and >= 0, got " + e);
            }
        }
        Objects.requireNonNull(labels, "labels");
        int count = Evaluation.checkSamples(session.network(), images, labels);
        List<String> names = new ArrayList<>();
        double[][] accuracy = new double[attacks.size()][epsilons.length];
        float[][] smallest = new float[attacks.size()][count];
        int[] clean = Evaluation.predict(session.network(), images, session.capacity());
        for (int a = 0; a < attacks.size(); a++) {
            Attack attack = attacks.get(a);
            names.add(attack.name());
            java.util.Arrays.fill(smallest[a], Float.NaN);
            int[][] classes;
            if (attack instanceof GradientAttack g && g.isFgsm()) {
                classes = fgsmSweep(session, g, epsilons, images, labels, count, progress);
            } else {
                classes = new int[epsilons.length][];
                for (int e = 0; e < epsilons.length; e++) {
                    AttackResult result = attack.withEpsilon(epsilons[e]).run(session, Goal.UNTARGETED, images, labels);
                    classes[e] = result.adversarialClass();
                    progress.accept(count);
                }
            }
            for (int e = 0; e < epsilons.length; e++) {
                int right = 0;
                for (int i = 0; i < count; i++) {
                    if (classes[e][i] == labels[i]) {
                        right++;
                    } else if (Float.isNaN(smallest[a][i]) || epsilons[e] < smallest[a][i]) {
                        smallest[a][i] = epsilons[e];
                    }
                }
                accuracy[a][e] = count == 0 ? 0 : (double) right / count;
            }
        }
        int right = 0;
        for (int i = 0; i < count; i++) {
            right += clean[i] == labels[i] ? 1 : 0;
        }
        return new RobustnessReport(session.network().spec(), names, epsilons.clone(),
                count == 0 ? 0 : (double) right / count, accuracy, smallest, count);
    }

    /** FGSM's predictions at every epsilon from one gradient per batch: classes[e][sample]. */
    private static int[][] fgsmSweep(AttackSession session, GradientAttack attack, float[] epsilons, float[] images,
                                     int[] labels, int count, IntConsumer progress) {
        Network network = session.network();
        Backend backend = network.backend();
        Workspace workspace = session.workspace();
        int size = network.inputSize();
        int classes = network.classes();
        int[][] predicted = new int[epsilons.length][count];
        float[] logits = new float[session.capacity() * classes];
        try (Claim held = workspace.claim()) {
            for (int first = 0; first < count; first += session.capacity()) {
                int n = Math.min(session.capacity(), count - first);
                Tensor x = workspace.input(n);
                x.copyFrom(images, first * size, 0, n * size);
                workspace.labels(n).copyFrom(java.util.Arrays.copyOfRange(labels, first, first + n));
                Tensor adversarial = workspace.adversarial(n);
                // the first epsilon's step as the attack runs it (a backend's plan where it has one), which
                // leaves the gradient for the others
                workspace.fgsmStep(x, adversarial, 1f, epsilons[0], attack.lo(), attack.hi(), true);
                Tensor gradient = workspace.lastInputGradient();
                for (int e = 0; e < epsilons.length; e++) {
                    if (e > 0) {
                        backend.signStep(adversarial, x, gradient, epsilons[e], attack.lo(), attack.hi());
                    }
                    workspace.logits(adversarial).copyTo(0, logits, 0, n * classes);
                    for (int i = 0; i < n; i++) {
                        int best = 0;
                        for (int c = 1; c < classes; c++) {
                            if (logits[i * classes + c] > logits[i * classes + best]) {
                                best = c;
                            }
                        }
                        predicted[e][first + i] = best;
                    }
                }
            }
        }
        progress.accept(count * epsilons.length);
        return predicted;
    }
}

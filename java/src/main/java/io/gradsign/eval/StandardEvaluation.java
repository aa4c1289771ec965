package io.gradsign.eval;

import io.gradsign.attack.Apgd;
import io.gradsign.attack.Attack;
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.Goal;
import io.gradsign.model.Evaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * A standard evaluation in the spirit of AutoAttack's (Croce and Hein 2020): an ensemble of attacks at
 * one L&infin; budget, each run only on the images that the model still classifies right after the ones
 * before it: APGD-CE, then APGD-T (the targeted DLR loss over the 9 classes of highest clean logit after
 * the first). An image counts as robust if no attack broke it; the report gives the robust accuracy after
 * each attack and, per image, which attack broke it. The ensemble's robust accuracy is never above any
 * single attack's on the same images (APGD's random starts are keyed by an image's index among all, so
 * an image gets the same start in the ensemble as alone). Seeded (the attacks' random starts); on one backend the same seed
 * gives the same report, and across backends the same up to the float rounding of their products.
 * AutoAttack's standard version adds FAB-T and Square, which gradsign does not have.
 */
public final class StandardEvaluation {
    private StandardEvaluation() {}

    /** The standard ensemble at {@code epsilon}: APGD-CE and APGD-T with {@code steps} iterations each, seeded. */
    public static List<Attack> ensemble(float epsilon, int steps, long seed) {
        return List.of(Attacks.apgdCe(epsilon).withSteps(steps).withSeed(seed),
                Attacks.apgdTargeted(epsilon).withSteps(steps).withSeed(seed));
    }

    /**
     * Runs {@code attacks} in turn (untargeted, with the true labels) on the images each leaves unbroken.
     *
     * @param progress told the images each attack finishes (for progress bars)
     * @throws IllegalArgumentException for no attacks, or images and labels that do not match the network
     */
    public static StandardReport run(AttackSession session, List<? extends Attack> attacks, float[] images,
                                     int[] labels, IntConsumer progress) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(labels, "labels");
        if (attacks == null || attacks.isEmpty()) {
            throw new IllegalArgumentException("no attacks to run");
        }
        int count = Evaluation.checkSamples(session.network(), images, labels);
        int size = session.network().inputSize();
        int[] clean = Evaluation.predict(session.network(), images, session.capacity());
        // brokenBy[i]: -1 robust so far, 0 misclassified clean, a + 1 broken by attack a
        int[] brokenBy = new int[count];
        List<Integer> robust = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (clean[i] != labels[i]) {
                brokenBy[i] = 0;
            } else {
                brokenBy[i] = -1;
                robust.add(i);
            }
        }
        float[] adversarial = images.clone();
        List<String> names = new ArrayList<>();
        double[] accuracyAfter = new double[attacks.size()];
        long[] passes = new long[attacks.size()];
        double[] seconds = new double[attacks.size()];
        int[] attacked = new int[attacks.size()];
        for (int a = 0; a < attacks.size(); a++) {
            Attack attack = attacks.get(a);
            names.add(attack.name());
            int m = robust.size();
            attacked[a] = m;
            if (m > 0) {
                long start = System.nanoTime();
                AttackResult result;
                // at[j]: where the result holds robust image j
                int[] at = new int[m];
                if (attack instanceof Apgd apgd) {
                    // the unbroken images where they are: their random starts are those of a run over all
                    boolean[] only = new boolean[count];
                    for (int j = 0; j < m; j++) {
                        only[robust.get(j)] = true;
                        at[j] = robust.get(j);
                    }
                    result = apgd.run(session, Goal.UNTARGETED, images, labels, only);
                } else {
                    float[] subset = new float[m * size];
                    int[] subsetLabels = new int[m];
                    for (int j = 0; j < m; j++) {
                        System.arraycopy(images, robust.get(j) * size, subset, j * size, size);
                        subsetLabels[j] = labels[robust.get(j)];
                        at[j] = j;
                    }
                    result = attack.run(session, Goal.UNTARGETED, subset, subsetLabels);
                }
                seconds[a] = (System.nanoTime() - start) / 1e9;
                passes[a] = result.gradientPasses();
                List<Integer> still = new ArrayList<>();
                for (int j = 0; j < m; j++) {
                    int i = robust.get(j);
                    if (result.adversarialClass()[at[j]] != labels[i]) {
                        brokenBy[i] = a + 1;
                        System.arraycopy(result.adversarial(), at[j] * size, adversarial, i * size, size);
                    } else {
                        still.add(i);
                    }
                }
                robust = still;
            }
            accuracyAfter[a] = count == 0 ? 0 : (double) robust.size() / count;
            progress.accept(count);
        }
        int right = 0;
        for (int i = 0; i < count; i++) {
            right += clean[i] == labels[i] ? 1 : 0;
        }
        float epsilon = attacks.get(0).epsilon();
        return new StandardReport(session.network().spec(), epsilon, count,
                count == 0 ? 0 : (double) right / count, names, accuracyAfter, attacked, passes, seconds, brokenBy,
                adversarial);
    }

    /** {@link #run} of {@link #ensemble}. */
    public static StandardReport run(AttackSession session, float epsilon, int steps, long seed, float[] images,
                                     int[] labels, IntConsumer progress) {
        return run(session, ensemble(epsilon, steps, seed), images, labels, progress);
    }
}

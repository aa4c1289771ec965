package io.gradsign.cli;

import io.gradsign.attack.Attack;
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Goal;
import io.gradsign.model.Fgsm;
import io.gradsign.model.FgsmResult;
import java.io.PrintWriter;

/** One attack run over many samples, batch by batch (for the progress bar), and what it did to the model. */
final class AttackRun {
    private AttackRun() {}

    /**
     * What an attack did.
     *
     * @param cleanAccuracy fraction of x classified as labelled
     * @param adversarialAccuracy fraction of x' classified as labelled
     * @param cleanConfidence mean softmax probability of the predicted class at x
     * @param adversarialConfidence mean softmax probability of the predicted class at x'
     * @param correctThenWrong fraction of samples right at x and wrong at x'
     * @param reachedTarget fraction of x' classified as the target (targeted attacks; NaN otherwise)
     */
    record Summary(int count, double cleanAccuracy, double adversarialAccuracy, double cleanConfidence,
                   double adversarialConfidence, double correctThenWrong, double reachedTarget) {}

    /**
     * Attacks images (count, inputs) in batches of {@code batch}; {@code targets} are the attack's labels
     * (the true labels, the targets, or null for virtual FGSM).
     */
    static FgsmResult run(Fgsm fgsm, Fgsm.Mode mode, float[] images, int[] targets, int inputs, float epsilon, int batch,
                          String task, PrintWriter err) {
        int count = images.length / inputs;
        FgsmResult all = new FgsmResult(new float[images.length], new int[count], new float[count], new int[count],
                new float[count]);
        try (Progress progress = Progress.start(task, count, "images", err)) {
            for (int start = 0; start < count; start += batch) {
                int n = Math.min(batch, count - start);
                float[] batchImages = java.util.Arrays.copyOfRange(images, start * inputs, (start + n) * inputs);
                int[] batchTargets = targets == null ? null : java.util.Arrays.copyOfRange(targets, start, start + n);
                FgsmResult part = fgsm.attack(mode, batchImages, batchTargets, epsilon, 0f, 1f);
                System.arraycopy(part.adversarial(), 0, all.adversarial(), start * inputs, n * inputs);
                System.arraycopy(part.cleanClass(), 0, all.cleanClass(), start, n);
                System.arraycopy(part.cleanConfidence(), 0, all.cleanConfidence(), start, n);
                System.arraycopy(part.adversarialClass(), 0, all.adversarialClass(), start, n);
                System.arraycopy(part.adversarialConfidence(), 0, all.adversarialConfidence(), start, n);
                progress.step(n);
            }
        }
        return all;
    }

    /** The summary of {@code result} against the true {@code labels}; {@code target} is -1 unless targeted. */
    static Summary summarize(FgsmResult result, int[] labels, int target) {
        int count = result.count();
        int correctThenWrong = 0;
        int reached = 0;
        double cleanConfidence = 0;
        double adversarialConfidence = 0;
        for (int i = 0; i < count; i++) {
            if (result.cleanClass()[i] == labels[i] && result.adversarialClass()[i] != labels[i]) {
                correctThenWrong++;
            }
            if (result.adversarialClass()[i] == target) {
                reached++;
            }
            cleanConfidence += result.cleanConfidence()[i];
            adversarialConfidence += result.adversarialConfidence()[i];
        }
        return new Summary(count, result.cleanAccuracy(labels), result.adversarialAccuracy(labels),
                cleanConfidence / count, adversarialConfidence / count, (double) correctThenWrong / count,
                target < 0 ? Double.NaN : (double) reached / count);
    }

    /**
     * Runs {@code attack} on all of {@code images} in one call through {@code session} (so random
     * starts are those of the same call from Java), the progress bar following its batches.
     */
    static AttackResult run(AttackSession session, Attack attack, Goal goal, float[] images, int[] targets,
                            int count, String task, PrintWriter err) {
        try (Progress progress = Progress.start(task, count, "images", err)) {
            session.onProgress(progress::step);
            try {
                return session.run(attack, goal, images, targets);
            } finally {
                session.onProgress(null);
            }
        }
    }

    /** The same result as model.Fgsm reports it (for the FGSM figure). */
    static FgsmResult asFgsmResult(AttackResult result) {
        return new FgsmResult(result.adversarial(), result.cleanClass(), result.cleanConfidence(),
                result.adversarialClass(), result.adversarialConfidence());
    }

    /**
     * What an attack did, beyond {@link Summary}: its success rate by its goal, the mean size of x' - x
     * in L-infinity and L2, and the forward-backward passes it ran (in samples).
     */
    record Extent(double successRate, double meanLinf, double meanL2, long gradientPasses) {
        static Extent of(AttackResult result) {
            double linf = 0;
            double l2 = 0;
            for (int i = 0; i < result.count(); i++) {
                linf += result.linf()[i];
                l2 += result.l2()[i];
            }
            int n = Math.max(1, result.count());
            return new Extent(result.successRate(), linf / n, l2 / n, result.gradientPasses());
        }
    }
}

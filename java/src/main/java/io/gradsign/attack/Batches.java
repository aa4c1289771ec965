package io.gradsign.attack;

import io.gradsign.Tensor;
import io.gradsign.model.Evaluation;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.Arrays;
import java.util.Objects;

/** What every attack does around its steps: the checks, the predictions at x and x', the result. */
final class Batches {
    private Batches() {}

    /** Checks an attack's arguments before any native call; returns the number of samples. */
    static int check(Network network, Goal goal, float[] images, int[] labels) {
        Objects.requireNonNull(images, "images");
        if (goal == Goal.VIRTUAL && labels != null) {
            throw new IllegalArgumentException("a virtual attack takes no labels: it uses the model's own predictions");
        }
        if (goal != Goal.VIRTUAL) {
            Objects.requireNonNull(labels, goal == Goal.TARGETED ? "targets" : "labels");
        }
        return Evaluation.checkSamples(network, images, labels);
    }

    /** What an attack does to samples [first, first + n) of its input; returns the forward-backward passes run. */
    interface Chunk {
        long run(float[] images, int[] labels, int first, int n, Outcome out);
    }

    /**
     * An attack's run over checked inputs of {@code count} samples: holds the session, makes the run's
     * state with {@code start} (once, for every chunk), runs it on chunks of the session's capacity,
     * reporting each, moves every x' onto the &epsilon;-ball of {@code norm} when {@code epsilon} is finite
     * (the minimal-perturbation attacks' budget), and predicts at every x'.
     */
    static AttackResult runInChunks(AttackSession session, Goal goal, float[] images, int[] labels, int count,
                                    java.util.function.Supplier<Chunk> start, Norm norm, float epsilon, float lo,
                                    float hi) {
        int size = session.network().inputSize();
        int capacity = session.capacity();
        Outcome out = new Outcome(images, count);
        long passes = 0;
        try (Claim held = session.claim()) {
            Chunk run = start.get();
            for (int first = 0; first < count; first += capacity) {
                int n = Math.min(capacity, count - first);
                passes += run.run(images, labels, first, n, out);
                session.reportProgress(n);
            }
            if (Float.isFinite(epsilon)) {
                Budget.project(out.adversarial, images, count, size, norm, epsilon, lo, hi);
            }
            out.predictAdversarial(session.workspace());
        }
        return out.result(images, size, goal, labels, passes);
    }

    /** Whether a sample the model puts in class {@code predicted} is adversarial for {@code label} under {@code goal}. */
    static boolean succeeded(Goal goal, int predicted, int label) {
        return goal == Goal.TARGETED ? predicted == label : predicted != label;
    }

    /** The first class of the largest value in row {@code row} of values (rows of {@code classes}). */
    static int argmax(float[] values, int row, int classes) {
        int best = 0;
        int at = row * classes;
        for (int c = 1; c < classes; c++) {
            if (values[at + c] > values[at + best]) {
                best = c;
            }
        }
        return best;
    }

    /** The classes of sample row {@code row} of logits in decreasing order of logit (lower class first on ties). */
    static int[] ranking(float[] logits, int row, int classes) {
        Integer[] order = new Integer[classes];
        for (int c = 0; c < classes; c++) {
            order[c] = c;
        }
        int at = row * classes;
        Arrays.sort(order, (a, b) -> {
            int byValue = Float.compare(logits[at + b], logits[at + a]);
            return byValue != 0 ? byValue : Integer.compare(a, b);
        });
        int[] ranked = new int[classes];
        for (int c = 0; c < classes; c++) {
            ranked[c] = order[c];
        }
        return ranked;
    }

    /**
     * The class (the largest logit; the first of equal ones) and its softmax probability of samples
     * [first, first + n) of images.
     */
    static void predict(Workspace workspace, float[] images, int first, int n, int[] classes, float[] confidence) {
        predict(workspace, images, first, n, classes, confidence, null);
    }

    /** {@link #predict}, also keeping the logits of the n samples in {@code logitsOut} (n &times; classes) unless it is null. */
    static void predict(Workspace workspace, float[] images, int first, int n, int[] classes, float[] confidence,
                        float[] logitsOut) {
        int size = workspace.network().inputSize();
        int k = workspace.network().classes();
        Tensor x = workspace.input(n);
        x.copyFrom(images, first * size, 0, n * size);
        float[] logits = workspace.logits(x).toArray();
        if (logitsOut != null) {
            System.arraycopy(logits, 0, logitsOut, 0, n * k);
        }
        workspace.crossEntropy(workspace.labels(n), 1f, false);
        float[] probabilities = workspace.probabilities(n).toArray();
        for (int i = 0; i < n; i++) {
            int best = argmax(logits, i, k);
            classes[first + i] = best;
            confidence[first + i] = probabilities[i * k + best];
        }
    }

    /** The per-sample outputs of one run, filled chunk by chunk. */
    static final class Outcome {
        final float[] adversarial;
        final int[] cleanClass;
        final float[] cleanConfidence;
        final int[] adversarialClass;
        final float[] adversarialConfidence;

        /** x' starts as x. */
        Outcome(float[] images, int count) {
            adversarial = images.clone();
            cleanClass = new int[count];
            cleanConfidence = new float[count];
            adversarialClass = new int[count];
            adversarialConfidence = new float[count];
        }

        /** The predictions at every x', chunk by chunk through the workspace. */
        void predictAdversarial(Workspace workspace) {
            int count = cleanClass.length;
            for (int first = 0; first < count; first += workspace.capacity()) {
                int n = Math.min(workspace.capacity(), count - first);
                predict(workspace, adversarial, first, n, adversarialClass, adversarialConfidence);
            }
        }

        /** The result, with each sample's success (against {@code labels}, or the clean class for VIRTUAL) and norms. */
        AttackResult result(float[] images, int size, Goal goal, int[] labels, long passes) {
            int count = cleanClass.length;
            boolean[] success = new boolean[count];
            float[] linf = new float[count];
            float[] l2 = new float[count];
            for (int i = 0; i < count; i++) {
                int label = goal == Goal.VIRTUAL ? cleanClass[i] : labels[i];
                success[i] = succeeded(goal, adversarialClass[i], label);
                double max = 0;
                double squares = 0;
                for (int j = i * size; j < (i + 1) * size; j++) {
                    double d = (double) adversarial[j] - images[j];
                    max = Math.max(max, Math.abs(d));
                    squares += d * d;
                }
                linf[i] = (float) max;
                l2[i] = (float) Math.sqrt(squares);
            }
            return new AttackResult(adversarial, cleanClass, cleanConfidence, adversarialClass, adversarialConfidence,
                    success, linf, l2, passes);
        }
    }
}

package io.gradsign.model;

import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import io.gradsign.cpu.NonFinite;

/** Accuracy and mean confidence of a model on labelled samples, through a {@link Workspace}. */
public final class Evaluation {
    private Evaluation() {}

    /** The model's predicted class of each sample (count, inputs), in batches of {@code batchSize}. */
    public static int[] predict(Network model, float[] images, int batchSize) {
        int count = checkSamples(model, images, null);
        int[] predicted = new int[count];
        float[] confidence = new float[count];
        int classes = model.classes();
        try (Workspace workspace = model.workspace(batchSize)) {
            float[] probabilities = new float[batchSize * classes];
            for (int start = 0; start < count; start += batchSize) {
                int batch = Math.min(batchSize, count - start);
                Tensor x = workspace.input(batch);
                x.copyFrom(images, start * model.inputSize(), 0, batch * model.inputSize());
                workspace.logits(x);
                workspace.crossEntropy(workspace.labels(batch), 1f, false);
                workspace.probabilities(batch).copyTo(0, probabilities, 0, batch * classes);
                Fgsm.predict(probabilities, batch, classes, predicted, confidence, start);
            }
        }
        return predicted;
    }

    /** Fraction of samples the model classifies as labelled. */
    public static double accuracy(Network model, float[] images, int[] labels, int batchSize) {
        checkSamples(model, images, labels);
        int[] predicted = predict(model, images, batchSize);
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                right++;
            }
        }
        return labels.length == 0 ? 0 : (double) right / labels.length;
    }

    /** Checks images against the model (whole samples, finite values) and labels (count, range); returns the count. */
    public static int checkSamples(Network model, float[] images, int[] labels) {
        model.checkOpen();
        int inputs = model.inputSize();
        if (images.length % inputs != 0) {
            throw new IllegalArgumentException(images.length + " floats is not a whole number of samples of shape "
                    + model.inputShape() + " (" + inputs + " floats)");
        }
        int count = images.length / inputs;
        long bad = NonFinite.firstIndex(images, 0, images.length);
        if (bad >= 0) {
            throw new IllegalArgumentException("value " + (bad % inputs) + " of sample " + (bad / inputs) + " is "
                    + images[(int) bad]);
        }
        if (labels != null) {
            if (labels.length != count) {
                throw new IllegalArgumentException(labels.length + " labels for " + count + " samples");
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= model.classes()) {
                    throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, "
                            + model.classes() + ")");
                }
            }
        }
        return count;
    }
}

package io.gradsign.model;

/**
 * What one FGSM run returns: the adversarial batch and, per sample, the clean and adversarial
 * predicted class with its confidence (softmax probability).
 *
 * @param adversarial x' (count, inputs), row-major
 * @param cleanClass predicted class of x
 * @param cleanConfidence softmax probability of cleanClass at x
 * @param adversarialClass predicted class of x'
 * @param adversarialConfidence softmax probability of adversarialClass at x'
 */
public record FgsmResult(float[] adversarial, int[] cleanClass, float[] cleanConfidence, int[] adversarialClass,
                         float[] adversarialConfidence) {

    /** Number of samples. */
    public int count() {
        return cleanClass.length;
    }

    /** Fraction of samples whose adversarial class equals {@code labels}. */
    public double adversarialAccuracy(int[] labels) {
        return accuracy(adversarialClass, labels);
    }

    /** Fraction of samples whose clean class equals {@code labels}. */
    public double cleanAccuracy(int[] labels) {
        return accuracy(cleanClass, labels);
    }

    private static double accuracy(int[] predicted, int[] labels) {
        if (labels.length != predicted.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + predicted.length + " samples");
        }
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                right++;
            }
        }
        return labels.length == 0 ? 0 : (double) right / labels.length;
    }
}

package io.gradsign.attack;

/**
 * What an attack did to each sample: x', the model's class and confidence (softmax probability of
 * that class) at x and at x', whether the attack succeeded (by its {@link Goal}: another class than
 * the label, the target class, or another class than the clean prediction), and the size of x' &minus;
 * x in L&infin; and L2. Also the forward-backward passes the attack ran, counted in samples: with an
 * early stop they are fewer than samples &times; steps. The arrays are the result's own; the caller may
 * keep or change them.
 *
 * @param adversarial x', (count &times; input size), row-major like the images
 * @param gradientPasses forward and backward passes run, in samples
 */
public record AttackResult(float[] adversarial, int[] cleanClass, float[] cleanConfidence, int[] adversarialClass,
                           float[] adversarialConfidence, boolean[] success, float[] linf, float[] l2,
                           long gradientPasses) {
    /** The number of samples. */
    public int count() {
        return success.length;
    }

    /** The fraction of samples the attack succeeded on. */
    public double successRate() {
        int n = 0;
        for (boolean s : success) {
            n += s ? 1 : 0;
        }
        return count() == 0 ? 0 : (double) n / count();
    }

    /** The fraction of samples whose x' the model still gives its true label: robust accuracy under this attack. */
    public double adversarialAccuracy(int[] labels) {
        return accuracy(adversarialClass, labels);
    }

    /** The fraction of samples the model gets right at x. */
    public double cleanAccuracy(int[] labels) {
        return accuracy(cleanClass, labels);
    }

    private double accuracy(int[] predicted, int[] labels) {
        if (labels.length != predicted.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + predicted.length + " samples");
        }
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        return labels.length == 0 ? 0 : (double) right / labels.length;
    }
}

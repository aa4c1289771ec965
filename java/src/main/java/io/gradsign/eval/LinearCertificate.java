package io.gradsign.eval;

import io.gradsign.Activation;
import io.gradsign.nn.Dense;
import io.gradsign.nn.Network;

/**
 * The exact worst case of a linear model (softmax regression: one dense layer, logits z = Wx + b)
 * under an L&infin; budget &epsilon;, from the weights alone (<i>Deep Learning</i> &sect;7.13; Goodfellow et
 * al. 2014): a perturbation &delta; with &Vert;&delta;&Vert;&infin; &le; &epsilon; moves the margin z&#7527; &minus; z&#11388; by at most
 * &epsilon;&Vert;w&#7527; &minus; w&#11388;&Vert;&#8321;, reached at &delta; = &minus;&epsilon;&middot;sign(w&#7527; &minus; w&#11388;). A correctly classified x therefore
 * keeps its class for every &epsilon; below its certified radius r = min over j &ne; y of
 * (z&#7527; &minus; z&#11388;)/&Vert;w&#7527; &minus; w&#11388;&Vert;&#8321;, and some perturbation of size r ties it. Clipping x' to the valid
 * range only removes perturbations, so no attack in that range does better; where clipping does not
 * bind, FGSM on the margin of the nearest class reaches the bound. Sums in double.
 */
public final class LinearCertificate {
    private final int inputs;
    private final int classes;
    /** w (classes, inputs) and b, in double. */
    private final double[] weights;
    private final double[] bias;
    /** l1[y][j] = &Vert;w&#7527; &minus; w&#11388;&Vert;&#8321;. */
    private final double[][] l1;

    private LinearCertificate(float[] weights, float[] bias, int inputs, int classes) {
        this.inputs = inputs;
        this.classes = classes;
        this.weights = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            this.weights[i] = weights[i];
        }
        this.bias = new double[classes];
        for (int c = 0; c < classes; c++) {
            this.bias[c] = bias[c];
        }
        l1 = new double[classes][classes];
        for (int y = 0; y < classes; y++) {
            for (int j = 0; j < classes; j++) {
                double sum = 0;
                for (int i = 0; i < inputs; i++) {
                    sum += Math.abs(this.weights[y * inputs + i] - this.weights[j * inputs + i]);
                }
                l1[y][j] = sum;
            }
        }
    }

    /**
     * The certificate of {@code network}.
     *
     * @throws IllegalArgumentException unless the network is one dense layer without activation on a
     *     flat input (softmax regression)
     */
    public static LinearCertificate of(Network network) {
        if (network.layers().size() != 1 || !(network.layers().get(0) instanceof Dense dense)
                || dense.activation() != Activation.NONE || network.inputShape().rank() != 1) {
            throw new IllegalArgumentException("a linear certificate needs softmax regression (one dense layer, no"
                    + " activation, flat input); this network is " + network.spec());
        }
        return new LinearCertificate(network.weights(0), network.biases(0), network.inputSize(), network.classes());
    }

    /** The logits of sample {@code s} of images, in double. */
    private double[] logits(float[] images, int s) {
        double[] z = new double[classes];
        for (int c = 0; c < classes; c++) {
            double sum = bias[c];
            for (int i = 0; i < inputs; i++) {
                sum += weights[c * inputs + i] * images[s * inputs + i];
            }
            z[c] = sum;
        }
        return z;
    }

    /**
     * Each sample's certified radius: 0 where the model gets it wrong (or ties), else the smallest
     * L&infin; perturbation that can change its class, min over j &ne; y of (z&#7527; &minus; z&#11388;)/&Vert;w&#7527; &minus; w&#11388;&Vert;&#8321;
     * (infinite where no other class has different weights).
     */
    public double[] radii(float[] images, int[] labels) {
        int count = check(images, labels);
        double[] radius = new double[count];
        for (int s = 0; s < count; s++) {
            radius[s] = nearest(images, s, labels[s], null);
        }
        return radius;
    }

    /** The class of each sample's nearest decision boundary (the j of its radius), or -1 for a radius of 0. */
    public int[] nearestClasses(float[] images, int[] labels) {
        int count = check(images, labels);
        int[] nearest = new int[count];
        for (int s = 0; s < count; s++) {
            nearest(images, s, labels[s], nearest);
        }
        return nearest;
    }

    /** Sample s's radius; with {@code classes}, classes[s] = the class that gives it (-1 for a radius of 0). */
    private double nearest(float[] images, int s, int y, int[] classes) {
        double[] z = logits(images, s);
        double best = Double.POSITIVE_INFINITY;
        int nearest = -1;
        for (int j = 0; j < this.classes && best > 0; j++) {
            if (j == y) {
                continue;
            }
            double margin = z[y] - z[j];
            if (margin <= 0) {
                best = 0;
                nearest = -1;
            } else if (l1[y][j] > 0 && margin / l1[y][j] < best) {
                best = margin / l1[y][j];
                nearest = j;
            }
        }
        if (classes != null) {
            classes[s] = nearest;
        }
        return best;
    }

    /** The fraction of radii above epsilon: the accuracy no L&infin; attack of size epsilon can lower. */
    public static double certifiedAccuracy(double[] radii, float epsilon) {
        int certified = 0;
        for (double r : radii) {
            certified += r > epsilon ? 1 : 0;
        }
        return radii.length == 0 ? 0 : (double) certified / radii.length;
    }

    private int check(float[] images, int[] labels) {
        java.util.Objects.requireNonNull(images, "images");
        java.util.Objects.requireNonNull(labels, "labels");
        if (images.length != (long) labels.length * inputs) {
            throw new IllegalArgumentException(images.length + " floats for " + labels.length + " samples of "
                    + inputs + " inputs");
        }
        for (int s = 0; s < labels.length; s++) {
            if (labels[s] < 0 || labels[s] >= classes) {
                throw new IllegalArgumentException("label " + s + " is " + labels[s] + ", not in [0, " + classes + ")");
            }
        }
        for (int i = 0; i < images.length; i++) {
            if (!Float.isFinite(images[i])) {
                throw new IllegalArgumentException("value " + (i % inputs) + " of sample " + (i / inputs) + " is "
                        + images[i]);
            }
        }
        return labels.length;
    }
}

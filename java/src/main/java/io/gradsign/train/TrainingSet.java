package io.gradsign.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The images a {@link Trainer} learns from: all labelled, or a semi-supervised split into a few
 * labelled images and the rest used without their labels. Holds indices into the caller's arrays (no copy).
 */
public final class TrainingSet {
    private final float[] images;
    private final int[] labels;
    private final int inputs;
    private final int[] labelled;
    private final int[] unlabelled;

    private TrainingSet(float[] images, int[] labels, int inputs, int[] labelled, int[] unlabelled) {
        this.images = images;
        this.labels = labels;
        this.inputs = inputs;
        this.labelled = labelled;
        this.unlabelled = unlabelled;
    }

    /** Every image with its label. */
    public static TrainingSet labelled(float[] images, int[] labels, int inputs) {
        int count = check(images, labels, inputs);
        int[] all = new int[count];
        for (int i = 0; i < count; i++) {
            all[i] = i;
        }
        return new TrainingSet(images, labels, inputs, all, new int[0]);
    }

    /**
     * A semi-supervised split: {@code count} labelled images, balanced over the {@code classes} classes
     * (count / classes of each, the first count % classes classes one more), chosen at random by
     * {@code seed}; every other image is used without its label.
     *
     * @throws IllegalArgumentException if count is not in [classes, images], or a class has too few images
     */
    public static TrainingSet semiSupervised(float[] images, int[] labels, int inputs, int classes, int count,
                                             long seed) {
        int total = check(images, labels, inputs);
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be > 0, got " + classes);
        }
        if (count < classes || count > total) {
            throw new IllegalArgumentException("the labelled images must number between the " + classes
                    + " classes and the " + total + " images, got " + count);
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < total; i++) {
            int label = labels[i];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " at " + i + " is outside [0, " + classes + ")");
            }
            byClass.get(label).add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] chosen = new boolean[total];
        int[] picked = new int[count];
        int next = 0;
        for (int c = 0; c < classes; c++) {
            int want = count / classes + (c < count % classes ? 1 : 0);
            List<Integer> members = byClass.get(c);
            if (members.size() < want) {
                throw new IllegalArgumentException("class " + c + " has " + members.size() + " images, fewer than the "
                        + want + " labelled ones asked of it");
            }
            // the first `want` of a seeded partial Fisher-Yates shuffle
            int[] order = members.stream().mapToInt(Integer::intValue).toArray();
            for (int k = 0; k < want; k++) {
                int j = k + random.nextInt(order.length - k);
                int t = order[k];
                order[k] = order[j];
                order[j] = t;
                chosen[order[k]] = true;
                picked[next++] = order[k];
            }
        }
        java.util.Arrays.sort(picked);
        int[] rest = new int[total - count];
        int r = 0;
        for (int i = 0; i < total; i++) {
            if (!chosen[i]) {
                rest[r++] = i;
            }
        }
        return new TrainingSet(images, labels, inputs, picked, rest);
    }

    private static int check(float[] images, int[] labels, int inputs) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        if (inputs <= 0 || images.length % inputs != 0) {
            throw new IllegalArgumentException(images.length + " floats is not a whole number of samples of " + inputs
                    + " floats");
        }
        int count = images.length / inputs;
        if (labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
        if (count == 0) {
            throw new IllegalArgumentException("no images to train on");
        }
        return count;
    }

    public float[] images() {
        return images;
    }

    public int[] labels() {
        return labels;
    }

    /** Floats per image. */
    public int inputs() {
        return inputs;
    }

    /** The indices of the labelled images (a copy). */
    public int[] labelledIndices() {
        return labelled.clone();
    }

    /** The indices of the images used without labels (a copy; empty unless semi-supervised). */
    public int[] unlabelledIndices() {
        return unlabelled.clone();
    }

    int labelledCount() {
        return labelled.length;
    }

    int unlabelledCount() {
        return unlabelled.length;
    }

    int labelledAt(int k) {
        return labelled[k];
    }

    int unlabelledAt(int k) {
        return unlabelled[k];
    }

    public boolean isSemiSupervised() {
        return unlabelled.length > 0;
    }
}

package io.gradsign.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Labelled images, immutable: {@code count} images of {@code rows × cols} features each, stored as one
 * row-major float array (count, rows·cols), with one label in [0, classes) per image and a name per
 * class.
 *
 * <p>The constructor checks that the lengths agree, that every label is a class and that no feature
 * is NaN or infinite. Accessors return copies, so a dataset cannot change after it is built; read
 * batches with {@link #images(int, int)} and {@link #labels(int, int)}.
 */
public final class Dataset {
    private final float[] images; // (count, rows·cols), row-major
    private final int[] labels;   // (count), each in [0, classes)
    private final int rows;
    private final int cols;
    private final List<String> classNames;

    /**
     * A dataset over copies of {@code images} and {@code labels}.
     *
     * @param images (count, rows·cols) features, row-major; finite
     * @param labels one label per image, each in [0, classNames.size())
     * @param rows   rows of one image, positive
     * @param cols   columns of one image, positive
     * @param classNames the name of each class, at least one, none null
     * @throws IllegalArgumentException if the lengths disagree, a label is not a class, a feature is NaN
     *                                  or infinite, or a size is not positive
     */
    public Dataset(float[] images, int[] labels, int rows, int cols, List<String> classNames) {
        this(Objects.requireNonNull(images, "images").clone(), Objects.requireNonNull(labels, "labels").clone(),
                rows, cols, classNames, true);
    }

    // takes ownership of the arrays (no copy): for loaders and subset, whose arrays are fresh
    private Dataset(float[] images, int[] labels, int rows, int cols, List<String> classNames, boolean owned) {
        Objects.requireNonNull(classNames, "classNames");
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("rows and cols must be positive, got " + rows + " × " + cols);
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one class");
        }
        for (int i = 0; i < classNames.size(); i++) {
            if (classNames.get(i) == null) {
                throw new IllegalArgumentException("the name of class " + i + " is null");
            }
        }
        long features = (long) rows * cols;
        if ((long) labels.length * features != images.length) {
            throw new IllegalArgumentException("images hold " + images.length + " floats, but " + labels.length
                    + " labels of " + rows + " × " + cols + " images need " + (long) labels.length * features);
        }
        int classes = classNames.size();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " is outside [0, "
                        + classes + ")");
            }
        }
        for (int i = 0; i < images.length; i++) {
            if (!Float.isFinite(images[i])) {
                throw new IllegalArgumentException("feature " + (i % features) + " of image " + (i / features)
                        + " is " + images[i]);
            }
        }
        this.images = images;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.classNames = List.copyOf(classNames);
    }

    /** A dataset over these arrays without copying them; the caller must not keep or change them. */
    static Dataset owning(float[] images, int[] labels, int rows, int cols, List<String> classNames) {
        return new Dataset(images, labels, rows, cols, classNames, true);
    }

    /** The number of images (and labels). */
    public int count() {
        return labels.length;
    }

    /** Rows of one image. */
    public int rows() {
        return rows;
    }

    /** Columns of one image. */
    public int cols() {
        return cols;
    }

    /** Features of one image: rows · cols. */
    public int features() {
        return rows * cols;
    }

    /** The number of classes; every label is in [0, classes). */
    public int classes() {
        return classNames.size();
    }

    /** The name of each class, by label. Unmodifiable. */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The name of one class.
     *
     * @throws IllegalArgumentException if {@code label} is not in [0, classes)
     */
    public String className(int label) {
        if (label < 0 || label >= classNames.size()) {
            throw new IllegalArgumentException("label " + label + " is outside [0, " + classNames.size() + ")");
        }
        return classNames.get(label);
    }

    /** Every image, (count, rows·cols) row-major. A copy. */
    public float[] images() {
        return images.clone();
    }

    /**
     * Images [from, to), ((to - from), rows·cols) row-major: one batch. A copy.
     *
     * @throws IllegalArgumentException unless 0 ≤ from ≤ to ≤ count
     */
    public float[] images(int from, int to) {
        checkRange(from, to);
        return Arrays.copyOfRange(images, from * features(), to * features());
    }

    /**
     * One image, rows·cols features row-major. A copy.
     *
     * @throws IllegalArgumentException if {@code index} is not in [0, count)
     */
    public float[] image(int index) {
        checkIndex(index);
        return Arrays.copyOfRange(images, index * features(), (index + 1) * features());
    }

    /** Every label. A copy. */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * Labels [from, to): one batch. A copy.
     *
     * @throws IllegalArgumentException unless 0 ≤ from ≤ to ≤ count
     */
    public int[] labels(int from, int to) {
        checkRange(from, to);
        return Arrays.copyOfRange(labels, from, to);
    }

    /**
     * One label.
     *
     * @throws IllegalArgumentException if {@code index} is not in [0, count)
     */
    public int label(int index) {
        checkIndex(index);
        return labels[index];
    }

    /** How many images each class has, by label. */
    public int[] classCounts() {
        int[] counts = new int[classNames.size()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Images and labels [from, to) as a dataset of their own, with the same classes.
     *
     * @throws IllegalArgumentException unless 0 ≤ from ≤ to ≤ count
     */
    public Dataset subset(int from, int to) {
        return owning(images(from, to), labels(from, to), rows, cols, classNames);
    }

    private void checkRange(int from, int to) {
        if (from < 0 || from > to || to > labels.length) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") is not within [0, "
                    + labels.length + "]");
        }
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IllegalArgumentException("index " + index + " is outside [0, " + labels.length + ")");
        }
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Dataset)) {
            return false;
        }
        Dataset that = (Dataset) other;
        return rows == that.rows && cols == that.cols && classNames.equals(that.classNames)
                && Arrays.equals(labels, that.labels) && Arrays.equals(images, that.images);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, cols, classNames, Arrays.hashCode(labels), Arrays.hashCode(images));
    }

    @Override
    public String toString() {
        return "Dataset[" + count() + " images of " + rows + " × " + cols + ", " + classes() + " classes]";
    }
}

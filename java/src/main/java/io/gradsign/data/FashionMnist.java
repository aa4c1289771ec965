package io.gradsign.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando, MIT license): 28 × 28 grey images of clothing in 10 classes, 60000 for
 * training and 10000 for testing, pixels scaled to [0, 1].
 *
 * <p>{@link #load(Path)} reads the four standard IDX files, each plain or gzipped, from a folder:
 * Debian's {@code dataset-fashion-mnist} installs them gzipped in {@link #DEFAULT_DIRECTORY}.
 * {@link #embeddedSample()} reads the small sample shipped in the jar (the first 2000 training and
 * first 1000 test items), so that demos and tests run where the package is absent.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} installs the data. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

    /** The names of the 10 classes, by label. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    // the standard file names, each plain or with .gz (as Debian installs them)
    /** The training images' file name, without the {@code .gz} it may carry. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** The training labels' file name, without the {@code .gz} it may carry. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** The test images' file name, without the {@code .gz} it may carry. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** The test labels' file name, without the {@code .gz} it may carry. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    // the sample's folder in the jar, beside this class
    private static final String SAMPLE_RESOURCES = "fashion-mnist-sample/";

    private final Dataset train;
    private final Dataset test;

    private FashionMnist(Dataset train, Dataset test) {
        this.train = train;
        this.test = test;
    }

    /** The training set. */
    public Dataset train() {
        return train;
    }

    /** The test set. */
    public Dataset test() {
        return test;
    }

    /**
     * Reads Fashion-MNIST from {@link #DEFAULT_DIRECTORY}.
     *
     * @throws NoSuchFileException if a file is missing (is {@code dataset-fashion-mnist} installed?)
     * @throws IdxFormatException if a file is not what Fashion-MNIST holds
     */
    public static FashionMnist load() throws IOException {
        return load(DEFAULT_DIRECTORY);
    }

    /**
     * Reads Fashion-MNIST from the four standard files in {@code directory}, each named as in
     * {@link #TRAIN_IMAGES} and the others, with or without {@code .gz} (the plain one is preferred
     * where both exist; gzip is told from the content either way).
     *
     * @throws NoSuchFileException if a file is missing in both forms
     * @throws IdxFormatException if a file is not valid IDX, images are not 3-dimensional unsigned
     *                            bytes, labels not 1-dimensional unsigned bytes, the counts of images and
     *                            labels disagree, a label is not one of the 10 classes, or the
     *                            training and test images differ in size
     */
    public static FashionMnist load(Path directory) throws IOException {
        Dataset train = dataset(read(directory, TRAIN_IMAGES), read(directory, TRAIN_LABELS));
        IdxFile testImages = read(directory, TEST_IMAGES);
        Dataset test = dataset(testImages, read(directory, TEST_LABELS));
        // a model trained on one shape cannot be tested on another
        if (test.rows() != train.rows() || test.cols() != train.cols()) {
            throw new IdxFormatException(testImages.source(), "images are " + test.rows() + "x" + test.cols()
                    + " but the training images are " + train.rows() + "x" + train.cols());
        }
        return new FashionMnist(train, test);
    }

    /**
     * Whether {@code directory} holds the four files (plain or gzipped); says nothing of their content.
     */
    public static boolean isInstalled(Path directory) {
        for (String name : List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)) {
            if (locate(directory, name) == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * The sample shipped in the jar: the first 2000 training and first 1000 test items of Fashion-MNIST,
     * about 200 and 100 per class. Enough to train a toy model and run the demos; far too few to judge one.
     *
     * @throws UncheckedIOException if the sample is missing from the jar or cannot be read (a broken jar)
     */
    public static FashionMnist embeddedSample() {
        try {
            Dataset train = dataset(readResource(TRAIN_IMAGES), readResource(TRAIN_LABELS));
            Dataset test = dataset(readResource(TEST_IMAGES), readResource(TEST_LABELS));
            return new FashionMnist(train, test);
        } catch (IOException e) {
            throw new UncheckedIOException("the Fashion-MNIST sample in gradsign's jar cannot be read: "
                    + e.getMessage(), e);
        }
    }

    private static Path locate(Path directory, String name) {
        for (Path candidate : List.of(directory.resolve(name), directory.resolve(name + ".gz"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static IdxFile read(Path directory, String name) throws IOException {
        Path file = locate(directory, name);
        if (file == null) {
            throw new NoSuchFileException(directory.resolve(name).toString(), null,
                    "Fashion-MNIST file missing, neither " + name + " nor " + name + ".gz is in " + directory
                            + (directory.equals(DEFAULT_DIRECTORY)
                            ? " (apt-get install dataset-fashion-mnist installs them there)" : ""));
        }
        return IdxFile.read(file);
    }

    private static IdxFile readResource(String name) throws IOException {
        String resource = SAMPLE_RESOURCES + name + ".gz";
        try (InputStream in = FashionMnist.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NoSuchFileException(resource, null, "not among gradsign's resources");
            }
            return IdxFile.read(in, "resource io/gradsign/data/" + resource);
        }
    }

    // images are (count, rows, cols) unsigned bytes, labels (count) unsigned bytes in [0, 10)
    private static Dataset dataset(IdxFile images, IdxFile labels) throws IdxFormatException {
        if (images.type() != IdxType.UNSIGNED_BYTE || images.rank() != 3) {
            throw new IdxFormatException(images.source(), "expected images as unsigned bytes of 3 dimensions"
                    + " (count, rows, cols), found " + images);
        }
        if (labels.type() != IdxType.UNSIGNED_BYTE || labels.rank() != 1) {
            throw new IdxFormatException(labels.source(), "expected labels as unsigned bytes of 1 dimension"
                    + " (count), found " + labels);
        }
        if (images.dimension(0) != labels.dimension(0)) {
            throw new IdxFormatException(labels.source(), "holds " + labels.dimension(0) + " labels but "
                    + images.source() + " holds " + images.dimension(0) + " images");
        }
        int[] labelValues = labels.ints();
        for (int i = 0; i < labelValues.length; i++) {
            if (labelValues[i] >= CLASS_NAMES.size()) {
                throw new IdxFormatException(labels.source(), "label " + labelValues[i] + " at index " + i
                        + " is outside [0, " + CLASS_NAMES.size() + ")");
            }
        }
        return Dataset.owning(images.toUnitFloats(), labelValues, images.dimension(1), images.dimension(2),
                CLASS_NAMES);
    }

    @Override
    public String toString() {
        return "FashionMnist[train " + train + ", test " + test + "]";
    }
}

package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.data.Dataset;
import io.gradsign.model.ModelFile;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model-file FILE}: the model to attack or evaluate, by default the MLP shipped in the jar. */
final class ModelOptions {
    /** The models shipped in the jar for Fashion-MNIST. */
    enum Shipped {
        cnn("/io/gradsign/models/fashion-cnn.gsm", "cnn"),
        mlp("/io/gradsign/models/fashion-mlp.gsm", "mlp"),
        /** The CNN adversarially trained with PGD at epsilon 0.1 (docs/TRAINING.md). */
        cnn_pgd_at("/io/gradsign/models/fashion-cnn-pgd-at.gsm", "cnn-pgd-at");

        final String resource;
        private final String option;

        Shipped(String resource, String option) {
            this.resource = resource;
            this.option = option;
        }

        /** The name on the command line (picocli matches it too). */
        @Override
        public String toString() {
            return option;
        }
    }

    @Option(names = "--model-file", paramLabel = "FILE",
            description = "a model written by 'train' (default: a model shipped in the jar, see --shipped)")
    Path file;

    @Option(names = "--shipped", paramLabel = "MODEL",
            description = "the shipped model used without --model-file: cnn, mlp or cnn-pgd-at (the CNN"
                    + " adversarially trained with PGD) (default: ${DEFAULT-VALUE})")
    Shipped shipped = Shipped.cnn;

    /**
     * Loads the model onto {@code backend}, checks that it takes {@code data}'s images and gives its
     * classes, and says which it is.
     *
     * @throws IllegalArgumentException if the model's input or classes do not fit the data (exit code 1:
     *     the files disagree)
     */
    Network load(Backend backend, PrintWriter out, Dataset data) throws IOException {
        Network model;
        String source;
        if (file != null) {
            model = ModelFile.load(backend, file);
            source = file.toString();
        } else {
            model = loadShipped(backend, shipped);
            source = "fashion-" + shipped + ", shipped in the jar";
        }
        if (!fits(model.inputShape(), data) || model.classes() != data.classes()) {
            String message = source + " takes inputs of " + model.inputShape() + " (" + model.inputSize()
                    + " features) in " + model.classes() + " classes, but the data's images are " + data.rows() + "x"
                    + data.cols() + " (" + data.features() + " features) in " + data.classes() + " classes";
            model.close();
            throw new IllegalArgumentException(message);
        }
        out.println("model: " + source + " (" + describe(model) + ")");
        out.flush();
        return model;
    }

    /**
     * Whether a model with this input shape takes the data's images: (features) flat, or (1, rows, cols)
     * for one that starts with a convolution or pooling.
     */
    static boolean fits(Shape input, Dataset data) {
        return switch (input.rank()) {
            case 1 -> input.dim(0) == data.features();
            case 3 -> input.dim(0) == 1 && input.dim(1) == data.rows() && input.dim(2) == data.cols();
            default -> false;
        };
    }

    /** The model's short name: its file's name, or fashion-cnn / fashion-mlp for a shipped one. */
    String name() {
        return file == null ? "fashion-" + shipped : String.valueOf(file.getFileName());
    }

    /** A model shipped in the jar, on {@code backend}. */
    static Network loadShipped(Backend backend, Shipped which) throws IOException {
        try (InputStream in = ModelOptions.class.getResourceAsStream(which.resource)) {
            if (in == null) {
                throw new NoSuchFileException(which.resource, null, "the shipped model is missing from the jar");
            }
            return ModelFile.read(backend, ByteBuffer.wrap(in.readAllBytes()), Path.of(which.resource.substring(1)));
        }
    }

    /** A short summary for captions: the kinds of layer counted and the parameters, e.g. "2 conv, 2 pool, 2 dense; 421642 parameters". */
    static String summary(Network model) {
        java.util.Map<String, Integer> kinds = new java.util.LinkedHashMap<>();
        for (io.gradsign.nn.Layer layer : model.layers()) {
            String kind = layer instanceof io.gradsign.nn.Conv2d ? "conv"
                    : layer instanceof io.gradsign.nn.MaxPool2d || layer instanceof io.gradsign.nn.AvgPool2d ? "pool"
                    : layer instanceof io.gradsign.nn.Dense ? "dense" : null;
            if (kind != null) {
                kinds.merge(kind, 1, Integer::sum);
            }
        }
        StringBuilder text = new StringBuilder();
        kinds.forEach((kind, count) -> text.append(text.length() == 0 ? "" : ", ").append(count).append(' ').append(kind));
        return text.append("; ").append(model.parameterCount()).append(" parameters").toString();
    }

    /** The input shape and layers, for example "(1, 28, 28) conv32k3p1-relu-pool2-...". */
    static String describe(Network model) {
        return model.inputShape() + " " + model.spec();
    }
}

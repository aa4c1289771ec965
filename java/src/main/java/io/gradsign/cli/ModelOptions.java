package io.gradsign.cli;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.model.DenseLayer;
import io.gradsign.model.ModelFile;
import io.gradsign.model.Sequential;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model-file FILE}: the model to attack or evaluate, by default the MLP shipped in the jar. */
final class ModelOptions {
    /** Where the shipped model lies among the jar's resources. */
    static final String SHIPPED_RESOURCE = "/io/gradsign/models/fashion-mlp.gsm";

    @Option(names = "--model-file", paramLabel = "FILE",
            description = "a model written by 'train' (default: the MLP for Fashion-MNIST shipped in the jar)")
    Path file;

    /** Loads the model onto {@code backend} and says which it is. */
    Sequential load(Backend backend, PrintWriter out) throws IOException {
        Sequential model;
        String source;
        if (file != null) {
            model = ModelFile.load(backend, file);
            source = file.toString();
        } else {
            model = loadShipped(backend);
            source = "fashion-mlp, shipped in the jar";
        }
        if (model.inputs() != 28 * 28 || model.classes() != 10) {
            String shape = describe(model);
            model.close();
            throw new IllegalArgumentException(source + " is a " + shape + " model, Fashion-MNIST needs 784 inputs"
                    + " and 10 classes");
        }
        out.println("model: " + source + " (" + describe(model) + ")");
        out.flush();
        return model;
    }

    /** The model's short name: its file's name, or fashion-mlp for the shipped one. */
    String name() {
        return file == null ? "fashion-mlp" : String.valueOf(file.getFileName());
    }

    /** The MLP shipped in the jar, on {@code backend}. */
    static Sequential loadShipped(Backend backend) throws IOException {
        try (InputStream in = ModelOptions.class.getResourceAsStream(SHIPPED_RESOURCE)) {
            if (in == null) {
                throw new NoSuchFileException(SHIPPED_RESOURCE, null, "the shipped model is missing from the jar");
            }
            return ModelFile.read(backend, ByteBuffer.wrap(in.readAllBytes()), Path.of(SHIPPED_RESOURCE.substring(1)));
        }
    }

    /** Layer widths and activations, for example "784-128 relu-10". */
    static String describe(Sequential model) {
        StringBuilder text = new StringBuilder().append(model.inputs());
        for (DenseLayer layer : model.layers()) {
            text.append('-').append(layer.outFeatures());
            if (layer.activation() != Activation.NONE) {
                text.append(' ').append(layer.activation().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return text.toString();
    }
}

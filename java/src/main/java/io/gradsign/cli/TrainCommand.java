package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Evaluation;
import io.gradsign.model.ModelFile;
import io.gradsign.Shape;
import io.gradsign.nn.Dense;
import io.gradsign.nn.Flatten;
import io.gradsign.nn.Layer;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import io.gradsign.model.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gradsign train}: trains softmax regression, an MLP, a CNN or any layer spec on Fashion-MNIST and saves it. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model on Fashion-MNIST with SGD and momentum; print the loss and test accuracy per"
                + " epoch; save it.")
final class TrainCommand implements Callable<Integer> {
    /** The kinds of model {@code --model} takes. */
    enum Architecture { softmax, mlp, cnn }

    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "KIND", description = "softmax, mlp or cnn (default: ${DEFAULT-VALUE})")
    Architecture architecture = Architecture.mlp;

    @Option(names = "--layers", paramLabel = "SPEC", description = "the layers in short form, instead of --model's,"
            + " for example conv32k3p1-relu-pool2-conv64k3p1-relu-pool2-dense128-relu-dense10 (the cnn)")
    String layers;

    @Option(names = "--hidden", split = ",", paramLabel = "WIDTHS",
            description = "the MLP's hidden widths, comma-separated (default: 128)")
    int[] hidden = {128};

    @Option(names = "--epochs", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    int epochs = 10;

    @Option(names = "--batch", description = "samples per step (default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--learning-rate", paramLabel = "RATE", description = "step size (default: ${DEFAULT-VALUE})")
    float learningRate = 0.05f;

    @Option(names = "--momentum", description = "in [0, 1) (default: ${DEFAULT-VALUE})")
    float momentum = 0.9f;

    @Option(names = "--seed", description = "initial weights and sample order (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--out", paramLabel = "FILE", description = "where to save the model (default: ${DEFAULT-VALUE})")
    Path out = Path.of("model.gsm");

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        check(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        check(batch >= 1, "--batch must be at least 1, got " + batch);
        check(learningRate >= 0 && Float.isFinite(learningRate), "--learning-rate must be finite and >= 0, got "
                + learningRate);
        check(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        for (int width : hidden) {
            check(width >= 1, "--hidden widths must be at least 1, got " + width);
        }
        checkOut();
        List<Layer> chosen;
        try {
            chosen = layers(10);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), layersOption() + ": " + e.getMessage());
        }
        PrintWriter printer = spec.commandLine().getOut();
        try (Backend backend = main.backendChoice.open(printer)) {
            FashionMnist fashion = data.load(printer);
            // the layers again, for the data's classes, and checked against the data's image shape
            Dataset train = fashion.train();
            chosen = layers(train.classes());
            Shape input = inputShape(chosen, train);
            long parameters = 0;
            try {
                for (Shape shape : Network.parameterShapes(input, chosen)) {
                    parameters += shape.size();
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), layersOption() + ": " + e.getMessage());
            }
            // the initial weights are drawn on the Java heap; training holds the parameters, their momentum and
            // their gradients besides: a model whose weights alone take a quarter of the heap cannot train here
            long heap = Runtime.getRuntime().maxMemory();
            if (parameters > heap / 4 / Float.BYTES) {
                throw new CommandLine.ParameterException(spec.commandLine(), String.format(Locale.ROOT,
                        "%s: the model has %d parameters (%.1f GB of floats), too many for this Java heap of %.1f GB"
                                + " (GRADSIGN_JAVA_OPTS=-Xmx... sets it)", layersOption(), parameters,
                        parameters * 4e-9, heap * 1e-9));
            }
            try (Network model = Network.create(backend, input, chosen, seed)) {
                printer.printf("training %s (%s): %d epochs, batch %d, learning rate %s, momentum %s, seed %d%n",
                        layers == null ? architecture : "a network", ModelOptions.describe(model), epochs, batch,
                        learningRate, momentum, seed);
                printer.flush();
                train(model, fashion, printer, spec.commandLine().getErr());
                ModelFile.save(model, out);
                printer.printf("saved %s (%d bytes)%n", out, Files.size(out));
            }
        }
        return 0;
    }

    /**
     * --out, checked before any work: not a directory, in a folder that exists and can be written; a file
     * that cannot be saved would otherwise cost the whole training.
     */
    private void checkOut() throws IOException {
        if (Files.isDirectory(out)) {
            throw new FileSystemException(out.toString(), null, "is a directory: --out needs a file name, such as "
                    + out.resolve("model.gsm"));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new NoSuchFileException(parent.toString(), null, "the folder of --out does not exist");
        }
        if (parent != null && !Files.isWritable(parent)) {
            throw new AccessDeniedException(parent.toString(), null, "the folder of --out cannot be written");
        }
    }

    /** The option that chose the layers, for messages. */
    private String layersOption() {
        return layers != null ? "--layers" : architecture == Architecture.mlp ? "--hidden" : "--model";
    }

    /** The layers --layers or --model names; --model's end in {@code classes} outputs (--layers says its own). */
    List<Layer> layers(int classes) {
        if (layers != null) {
            return LayerSpec.parse(layers);
        }
        return switch (architecture) {
            case softmax -> Network.softmaxRegression(classes);
            case mlp -> Network.mlp(hidden, classes);
            case cnn -> LayerSpec.parse(LayerSpec.FASHION_CNN);
        };
    }

    /**
     * One image of {@code data} as the layers take it: (1, rows, cols) for layers that start with a
     * convolution or pooling, else (rows·cols) features.
     */
    static Shape inputShape(List<Layer> layers, Dataset data) {
        Layer first = layers.get(0);
        return first instanceof Dense || first instanceof Flatten ? Shape.of(data.features())
                : Shape.of(1, data.rows(), data.cols());
    }

    /** Trains {@code model} for {@link #epochs} epochs, printing the loss and test accuracy of each. */
    void train(Network model, FashionMnist fashion, PrintWriter out, PrintWriter err) {
        Dataset train = fashion.train();
        float[] images = train.images();
        int[] labels = train.labels();
        float[] testImages = fashion.test().images();
        int[] testLabels = fashion.test().labels();
        int count = train.count();
        try (Trainer trainer = new Trainer(model, batch, learningRate, momentum, seed)) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long start = System.nanoTime();
                double loss;
                try (Progress progress = Progress.start("epoch " + epoch + "/" + epochs, count, "images", err)) {
                    loss = trainer.trainEpoch(images, labels, progress::step);
                } catch (IllegalStateException diverged) {
                    throw new IllegalStateException("epoch " + epoch + ": " + diverged.getMessage()
                            + "; no model saved", diverged);
                }
                double accuracy = Evaluation.accuracy(model, testImages, testLabels, 500);
                out.printf("epoch %2d/%d  loss %.4f  test accuracy %6.2f%%  (%.1f s)%n", epoch, epochs, loss,
                        100 * accuracy, (System.nanoTime() - start) / 1e9);
                out.flush();
            }
        }
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}

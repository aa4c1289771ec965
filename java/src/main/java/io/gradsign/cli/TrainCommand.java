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
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new java.nio.file.NoSuchFileException(parent.toString(), null, "the folder of --out does not exist");
        }
        List<Layer> chosen;
        try {
            chosen = layers();
            Network.parameterShapes(inputShape(chosen), chosen);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--layers: " + e.getMessage());
        }
        PrintWriter printer = spec.commandLine().getOut();
        try (Backend backend = main.backendChoice.open(printer)) {
            FashionMnist fashion = data.load(printer);
            try (Network model = Network.create(backend, inputShape(chosen), chosen, seed)) {
                printer.printf("training %s (%s): %d epochs, batch %d, learning rate %s, momentum %s, seed %d%n",
                        architecture, ModelOptions.describe(model), epochs, batch, learningRate, momentum, seed);
                printer.flush();
                train(model, fashion, printer, spec.commandLine().getErr());
                ModelFile.save(model, out);
                printer.printf("saved %s (%d bytes)%n", out, Files.size(out));
            }
        }
        return 0;
    }

    /** The layers --layers or --model names (Fashion-MNIST's 10 classes). */
    List<Layer> layers() {
        if (layers != null) {
            return LayerSpec.parse(layers);
        }
        return switch (architecture) {
            case softmax -> Network.softmaxRegression(10);
            case mlp -> Network.mlp(hidden, 10);
            case cnn -> LayerSpec.parse(LayerSpec.FASHION_CNN);
        };
    }

    /** Images as (1, 28, 28) for layers that start with a convolution or pooling, else as 784 features. */
    static Shape inputShape(List<Layer> layers) {
        Layer first = layers.get(0);
        return first instanceof Dense || first instanceof Flatten ? Shape.of(28 * 28) : Shape.of(1, 28, 28);
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

package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.DenseLayer;
import io.gradsign.model.Evaluation;
import io.gradsign.model.ModelFile;
import io.gradsign.model.Sequential;
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

/** {@code gradsign train}: trains softmax regression or an MLP on Fashion-MNIST and saves it. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model on Fashion-MNIST with SGD and momentum; print the loss and test accuracy per"
                + " epoch; save it.")
final class TrainCommand implements Callable<Integer> {
    /** The kinds of model {@code --model} takes. */
    enum Architecture { softmax, mlp }

    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "KIND", description = "softmax or mlp (default: ${DEFAULT-VALUE})")
    Architecture architecture = Architecture.mlp;

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
        PrintWriter printer = spec.commandLine().getOut();
        try (Backend backend = main.backendChoice.open(printer)) {
            FashionMnist fashion = data.load(printer);
            List<DenseLayer> layers = architecture == Architecture.softmax
                    ? Sequential.softmaxRegression(28 * 28, 10)
                    : Sequential.mlp(28 * 28, hidden, 10);
            try (Sequential model = Sequential.create(backend, layers, seed)) {
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

    /** Trains {@code model} for {@link #epochs} epochs, printing the loss and test accuracy of each. */
    void train(Sequential model, FashionMnist fashion, PrintWriter out, PrintWriter err) {
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

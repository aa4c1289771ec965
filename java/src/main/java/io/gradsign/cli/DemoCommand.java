package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Fgsm;
import io.gradsign.model.FgsmResult;
import io.gradsign.Shape;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gradsign demo}, also what runs without a command: the shipped MLP (or one trained on the spot)
 * attacked with untargeted FGSM at several &epsilon;, a table of what it does, and the figure.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Attack the Fashion-MNIST test set with FGSM at several epsilons; print accuracy and mean"
                + " confidence per epsilon; write the figure (x, + eps * sign(grad_x J), = x').")
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--train", description = "train an MLP (784-128-10 on Fashion-MNIST) here instead of loading the shipped one")
    boolean train;

    @Option(names = "--epochs", description = "epochs of --train (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--epsilons", split = ",", paramLabel = "LIST",
            description = "the epsilons of the table (default: 0,0.05,0.1,0.2,0.3)")
    float[] epsilons = {0f, 0.05f, 0.1f, 0.2f, 0.3f};

    @Option(names = "--figure-epsilon", paramLabel = "EPS", description = "the epsilon of the figure (default:"
            + " ${DEFAULT-VALUE})")
    float figureEpsilon = 0.1f;

    @Option(names = "--png", paramLabel = "FILE", description = "where to write the figure (default: ${DEFAULT-VALUE})")
    Path png = Path.of("fgsm-demo.png");

    @Mixin
    BatchOptions batching;

    /** --batch, checked at the start of call(). */
    private int batch;

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws IOException {
        for (float epsilon : epsilons) {
            check(Float.isFinite(epsilon) && epsilon >= 0, "--epsilons must be finite and >= 0, got " + epsilon);
        }
        check(Float.isFinite(figureEpsilon) && figureEpsilon >= 0, "--figure-epsilon must be finite and >= 0, got "
                + figureEpsilon);
        batch = batching.checked(spec);
        check(epochs >= 1, "--epochs must be at least 1, got " + epochs);

        AttackCommand.checkFigurePath(png, "--png");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.println("gradsign demo: FGSM (Goodfellow et al. 2014) against " + (train || model.file == null
                && model.shipped == ModelOptions.Shipped.mlp ? "an MLP" : model.file == null ? "a CNN" : "a model")
                + " for Fashion-MNIST");
        try (Backend backend = main.backendChoice.open(out)) {
            FashionMnist fashion = data.load(out);
            try (Network network = model(backend, fashion, out, err);
                 Network robust = showsRobustCnn() ? ModelOptions.loadShipped(backend, ModelOptions.Shipped.cnn_pgd_at)
                         : null) {
                if (robust != null) {
                    out.println("beside it: fashion-cnn-pgd-at, shipped in the jar (" + ModelOptions.describe(robust)
                            + "), the same CNN adversarially trained with PGD at epsilon 0.1 (docs/TRAINING.md)");
                }
                attack(network, robust, fashion.test(), out, err);
            }
        }
        return 0;
    }

    private Network model(Backend backend, FashionMnist fashion, PrintWriter out, PrintWriter err) throws IOException {
        if (!train) {
            return model.load(backend, out, fashion.test());
        }
        TrainCommand trainer = new TrainCommand();
        trainer.epochs = epochs;
        Dataset train = fashion.train();
        Network network = Network.create(backend, Shape.of(train.features()),
                Network.mlp(trainer.hidden, train.classes()), trainer.seed);
        try {
            out.printf("model: training an MLP (%s) here: %d epochs, batch %d, learning rate %s, momentum %s%n",
                    ModelOptions.describe(network), trainer.epochs, trainer.batch, trainer.learningRate,
                    trainer.momentum);
            out.flush();
            trainer.train(network, fashion, out, err);
            return network;
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /** The default demo (the shipped CNN) shows the adversarially trained CNN beside it. */
    private boolean showsRobustCnn() {
        return !train && model.file == null && model.shipped == ModelOptions.Shipped.cnn;
    }

    private void attack(Network network, Network robust, Dataset test, PrintWriter out, PrintWriter err)
            throws IOException {
        float[] images = test.images();
        int[] labels = test.labels();
        out.printf(Locale.ROOT, "attack: untargeted FGSM, x' = clip(x + eps * sign(grad_x J(theta, x, y)), 0, 1), on"
                + " the %d test images%s%n", test.count(), data.usesSample() ? " of the embedded sample" : "");
        out.println();
        out.println("  epsilon  accuracy  mean confidence  correct -> wrong     time"
                + (robust == null ? "" : "  |  PGD-trained: accuracy  mean confidence"));
        out.flush();
        FgsmResult forFigure = null;
        try (Fgsm fgsm = new Fgsm(network, Math.min(batch, test.count()));
             Fgsm robustFgsm = robust == null ? null : new Fgsm(robust, Math.min(batch, test.count()))) {
            for (float epsilon : epsilons) {
                long start = System.nanoTime();
                FgsmResult result = AttackRun.run(fgsm, Fgsm.Mode.UNTARGETED, images, labels, test.features(), epsilon,
                        batch, String.format(Locale.ROOT, "epsilon %.2f", epsilon), err);
                AttackRun.Summary summary = AttackRun.summarize(result, labels, -1);
                String beside = "";
                if (robustFgsm != null) {
                    AttackRun.Summary other = AttackRun.summarize(AttackRun.run(robustFgsm, Fgsm.Mode.UNTARGETED, images,
                            labels, test.features(), epsilon, batch, String.format(Locale.ROOT,
                                    "PGD-trained, epsilon %.2f", epsilon), err), labels, -1);
                    beside = String.format(Locale.ROOT, "  |  %20.2f%%  %14.1f%%", 100 * other.adversarialAccuracy(),
                            100 * other.adversarialConfidence());
                }
                out.printf(Locale.ROOT, "  %7.2f  %7.2f%%  %14.1f%%  %14.2f%%  %5.1f s%s%n", epsilon,
                        100 * summary.adversarialAccuracy(), 100 * summary.adversarialConfidence(),
                        100 * summary.correctThenWrong(), (System.nanoTime() - start) / 1e9, beside);
                out.flush();
                if (epsilon == figureEpsilon) {
                    forFigure = result;
                }
            }
            out.println();
            out.println("accuracy and mean confidence (softmax probability of the predicted class) are at x'; correct"
                    + " -> wrong counts images classified correctly at x and wrongly at x'.");
            if (forFigure == null) {
                forFigure = AttackRun.run(fgsm, Fgsm.Mode.UNTARGETED, images, labels, test.features(), figureEpsilon,
                        batch, "figure", err);
            }
            int chosen = FgsmFigure.choose(forFigure, labels);
            AttackCommand.writeFigure(fgsm, Fgsm.Mode.UNTARGETED, test, chosen, labels[chosen], forFigure,
                    figureEpsilon, png, data.usesSample(), train ? "trained here" : model.name(), network, out, err);
        }
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}

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
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.Goal;
import io.gradsign.train.EpochResult;
import io.gradsign.train.LearningRate;
import io.gradsign.train.Objective;
import io.gradsign.train.Objectives;
import io.gradsign.train.Trainer;
import io.gradsign.train.TrainingConfig;
import io.gradsign.train.TrainingSet;
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
        description = "Train a model on Fashion-MNIST with SGD and momentum, plainly, adversarially (fgsm-at,"
                + " fast-at, pgd-at, trades) or with virtual adversarial training (vat, semi-supervised with"
                + " --labelled); print the loss and accuracy per epoch; save the model and a checkpoint each epoch;"
                + " check its accuracy under FGSM and PGD-20 at the end.")
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

    /** The values {@code --init} takes. */
    enum Init { glorot, fan_in }

    @Option(names = "--init", paramLabel = "KIND", converter = InitConverter.class, description = "the initial"
            + " weights: glorot (uniform in +-sqrt(6/(fan-in + fan-out)), zero biases) or fan-in (weights and biases"
            + " uniform in +-1/sqrt(fan-in), PyTorch's default) (default: glorot)")
    Init init = Init.glorot;

    /** --init's values as written on the command line (fan-in, not fan_in). */
    static final class InitConverter implements CommandLine.ITypeConverter<Init> {
        @Override
        public Init convert(String value) {
            return switch (value) {
                case "glorot" -> Init.glorot;
                case "fan-in" -> Init.fan_in;
                default -> throw new CommandLine.TypeConversionException("'" + value + "': expected glorot or fan-in");
            };
        }
    }

    @Option(names = "--out", paramLabel = "FILE", description = "where to save the model, after every epoch; the"
            + " trainer's state goes beside it in FILE.state (default: ${DEFAULT-VALUE})")
    Path out = Path.of("model.gsm");

    @Option(names = "--objective", paramLabel = "NAME", description = "standard, fgsm-at, fast-at, pgd-at, trades or"
            + " vat (default: ${DEFAULT-VALUE})")
    String objective = "standard";

    @Option(names = "--epsilon", description = "the radius of the training perturbation: L-infinity for the"
            + " adversarial objectives (default 0.1), L2 for vat (default 2.0)")
    Float epsilon;

    @Option(names = "--alpha", description = "fgsm-at: the weight of the clean loss (default 0.5)")
    Float alpha;

    @Option(names = "--pgd-steps", paramLabel = "K", description = "pgd-at (default 7) and trades (default 10): the"
            + " attack's steps")
    Integer pgdSteps;

    @Option(names = "--step-size", paramLabel = "A", description = "fast-at (default 1.25 epsilon), pgd-at and trades"
            + " (default 2.5 epsilon / K): the attack's step")
    Float stepSize;

    @Option(names = "--beta", description = "trades: the weight of the KL term (default 6)")
    Float beta;

    @Option(names = "--xi", description = "vat: the power iteration's finite-difference radius (default 0.01)")
    Float xi;

    @Option(names = "--power-iterations", paramLabel = "K", description = "vat: power iterations (default 1)")
    Integer powerIterations;

    @Option(names = "--vat-weight", paramLabel = "W", description = "vat: the weight of the smoothness term (default 1)")
    Float vatWeight;

    @Option(names = "--entmin", description = "vat: add entropy minimisation (VAT+EntMin)")
    boolean entmin;

    @Option(names = "--labelled", paramLabel = "N", description = "keep the labels of N training images (balanced per"
            + " class, chosen by --seed) and use the rest without labels (semi-supervised)")
    Integer labelled;

    @Option(names = "--unlabelled-batch", paramLabel = "N", description = "with --labelled, unlabelled images per step"
            + " (default: --batch)")
    Integer unlabelledBatch;

    @Option(names = "--schedule", paramLabel = "KIND", description = "the learning rate over the run: constant, step"
            + " (x0.1 at 50%% and 75%%), cosine or one-cycle (up to the rate at 40%%, then down to 0) (default:"
            + " ${DEFAULT-VALUE})")
    String schedule = "constant";

    @Option(names = "--weight-decay", paramLabel = "W", description = "L2 weight decay, as PyTorch's SGD (default:"
            + " ${DEFAULT-VALUE})")
    float weightDecay = 0f;

    @Option(names = "--resume", description = "continue the run saved in --out and --out's .state file (the same"
            + " options)")
    boolean resume;

    @Option(names = "--check-images", paramLabel = "N", description = "test images of the robustness check at the"
            + " end, 0 for none (default: ${DEFAULT-VALUE})")
    int checkImages = 1000;

    @Option(names = "--check-epsilon", paramLabel = "EPS", description = "the check's L-infinity radius (default:"
            + " --epsilon for the L-infinity objectives, else 0.1)")
    Float checkEpsilon;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        check(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        check(batch >= 1, "--batch must be at least 1, got " + batch);
        check(learningRate >= 0 && Float.isFinite(learningRate), "--learning-rate must be finite and >= 0, got "
                + learningRate);
        check(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        check(weightDecay >= 0 && Float.isFinite(weightDecay), "--weight-decay must be finite and >= 0, got "
                + weightDecay);
        check(checkImages >= 0, "--check-images must be >= 0, got " + checkImages);
        check(labelled == null || labelled >= 1, "--labelled must be at least 1, got " + labelled);
        check(unlabelledBatch == null || unlabelledBatch >= 1, "--unlabelled-batch must be at least 1, got "
                + unlabelledBatch);
        check(unlabelledBatch == null || labelled != null, "--unlabelled-batch needs --labelled");
        for (int width : hidden) {
            check(width >= 1, "--hidden widths must be at least 1, got " + width);
        }
        Objective chosenObjective = objective();
        LearningRate rate = schedule();
        float radius = checkEpsilon != null ? checkEpsilon
                : epsilon != null && !objective.equals("vat") ? epsilon : 0.1f;
        check(radius >= 0 && Float.isFinite(radius), "--check-epsilon must be finite and >= 0, got " + radius);
        checkOut();
        Path state = out.resolveSibling(out.getFileName() + ".state");
        if (resume && (!Files.isRegularFile(out) || !Files.isRegularFile(state))) {
            throw new NoSuchFileException(Files.isRegularFile(out) ? state.toString() : out.toString(), null,
                    "--resume needs the model and its .state file from an earlier run with the same --out");
        }
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
            TrainingSet set;
            if (labelled != null) {
                check(labelled <= train.count(), "--labelled must be at most the " + train.count()
                        + " training images, got " + labelled);
                try {
                    set = TrainingSet.semiSupervised(train.images(), train.labels(), train.features(), train.classes(),
                            labelled, seed);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--labelled: " + e.getMessage());
                }
            } else {
                set = TrainingSet.labelled(train.images(), train.labels(), train.features());
            }
            TrainingConfig config = new TrainingConfig(chosenObjective, batch,
                    unlabelledBatch != null ? unlabelledBatch : batch, epochs, rate, momentum, weightDecay, seed);
            Network.Initialisation initialisation = init == Init.glorot ? Network.Initialisation.GLOROT_UNIFORM
                    : Network.Initialisation.FAN_IN_UNIFORM;
            try (Network model = resume ? ModelFile.load(backend, out)
                    : Network.create(backend, input, chosen, seed, initialisation)) {
                printer.printf("training %s (%s): %s%n", resume ? "from " + out : layers == null ? architecture
                        : "a network", ModelOptions.describe(model), config.describe());
                if (set.isSemiSupervised()) {
                    printer.printf("semi-supervised: %d labelled images, %d without labels%n",
                            set.labelledIndices().length, set.unlabelledIndices().length);
                }
                printer.flush();
                train(model, config, set, fashion, state, printer, spec.commandLine().getErr());
                printer.printf("saved %s (%d bytes) and its checkpoint %s%n", out, Files.size(out), state);
                if (checkImages > 0) {
                    robustnessCheck(model, fashion.test(), radius, printer, spec.commandLine().getErr());
                }
            }
        }
        return 0;
    }

    /** The objective --objective names, with the options that apply to it; an option for another objective is refused. */
    private Objective objective() {
        if (!Objectives.NAMES.contains(objective)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--objective must be one of "
                    + String.join(", ", Objectives.NAMES) + ", got '" + objective + "'");
        }
        String[][] applies = {
            {"--alpha", "fgsm-at"}, {"--pgd-steps", "pgd-at", "trades"}, {"--step-size", "fast-at", "pgd-at", "trades"},
            {"--beta", "trades"}, {"--xi", "vat"}, {"--power-iterations", "vat"}, {"--vat-weight", "vat"}, {"--entmin", "vat"},
            {"--epsilon", "fgsm-at", "fast-at", "pgd-at", "trades", "vat"}};
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String[] rule : applies) {
            List<String> objectives = List.of(rule).subList(1, rule.length);
            if (parsed.hasMatchedOption(rule[0]) && !objectives.contains(objective)) {
                throw new CommandLine.ParameterException(spec.commandLine(), rule[0] + " applies to "
                        + String.join(" and ", objectives) + ", not to --objective " + objective);
            }
        }
        try {
            float e = epsilon != null ? epsilon : objective.equals("vat") ? 2.0f : 0.1f;
            return switch (objective) {
                case "standard" -> Objectives.standard();
                case "fgsm-at" -> alpha == null ? Objectives.fgsmAt(e) : Objectives.fgsmAt(e).withAlpha(alpha);
                case "fast-at" -> stepSize == null ? Objectives.fastAt(e) : Objectives.fastAt(e).withStepSize(stepSize);
                case "pgd-at" -> {
                    var o = Objectives.pgdAt(e);
                    o = pgdSteps == null ? o : o.withSteps(pgdSteps);
                    yield stepSize == null ? o : o.withStepSize(stepSize);
                }
                case "trades" -> {
                    var o = Objectives.trades(e);
                    o = pgdSteps == null ? o : o.withSteps(pgdSteps);
                    o = beta == null ? o : o.withBeta(beta);
                    yield stepSize == null ? o : o.withStepSize(stepSize);
                }
                default -> {
                    var o = Objectives.vat(e);
                    o = xi == null ? o : o.withXi(xi);
                    o = powerIterations == null ? o : o.withPowerIterations(powerIterations);
                    o = vatWeight == null ? o : o.withWeight(vatWeight);
                    yield o.withEntropyMinimisation(entmin);
                }
            };
        } catch (IllegalArgumentException bad) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--objective " + objective + ": "
                    + bad.getMessage());
        }
    }

    private LearningRate schedule() {
        return switch (schedule) {
            case "constant" -> LearningRate.constant(learningRate);
            case "step" -> LearningRate.step(learningRate, 0.1f, 0.5, 0.75);
            case "cosine" -> LearningRate.cosine(learningRate);
            case "one-cycle" -> LearningRate.oneCycle(learningRate);
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--schedule must be constant, step, cosine or one-cycle, got '" + schedule + "'");
        };
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

    /** Plain training for the demo: the options' model, batch, rate and momentum, no checkpoints. */
    void train(Network model, FashionMnist fashion, PrintWriter printer, PrintWriter err) throws IOException {
        Dataset train = fashion.train();
        TrainingConfig config = TrainingConfig.of(Objectives.standard(), batch, epochs,
                LearningRate.constant(learningRate)).withMomentum(momentum).withSeed(seed);
        train(model, config, TrainingSet.labelled(train.images(), train.labels(), train.features()), fashion, null,
                printer, err);
    }

    /**
     * Trains {@code model} for the config's epochs (from the checkpoint's with --resume), printing the
     * loss, training and test accuracy of each, and (where state is not null) saving the model and the
     * trainer's state after each.
     */
    void train(Network model, TrainingConfig config, TrainingSet set, FashionMnist fashion, Path state,
               PrintWriter printer, PrintWriter err) throws IOException {
        float[] testImages = fashion.test().images();
        int[] testLabels = fashion.test().labels();
        try (Trainer trainer = new Trainer(model, config)) {
            if (resume && state != null) {
                trainer.restoreState(state);
                printer.printf("resumed after epoch %d of %d (step %d)%n", trainer.epochsDone(), config.epochs(),
                        trainer.stepsDone());
            }
            long steps = trainer.stepsPerEpoch(set);
            for (int epoch = trainer.epochsDone() + 1; epoch <= config.epochs(); epoch++) {
                EpochResult result;
                try (Progress progress = Progress.start("epoch " + epoch + "/" + config.epochs(), steps, "steps", err)) {
                    result = trainer.trainEpoch(set, (samples, loss, accuracy) -> progress.step(1, String.format(
                            Locale.ROOT, "loss %.4f, accuracy %.1f%%", loss, 100 * accuracy)));
                } catch (IllegalStateException diverged) {
                    throw new IllegalStateException("epoch " + epoch + ": " + diverged.getMessage() + (state == null
                            ? "" : epoch == 1 ? "; no model saved" : "; " + out + " and its checkpoint hold epoch "
                            + (epoch - 1)), diverged);
                }
                double accuracy = Evaluation.accuracy(model, testImages, testLabels, 500);
                if (state != null) {
                    ModelFile.save(model, out);
                    trainer.saveState(state);
                }
                printer.printf(Locale.ROOT, "epoch %2d/%d  loss %.4f  train accuracy %6.2f%%  test accuracy %6.2f%%  lr %.4g"
                                + "  (%.1f s)%n", epoch, config.epochs(), result.loss(), 100 * result.accuracy(),
                        100 * accuracy, result.learningRate(), result.seconds());
                printer.flush();
            }
        }
    }

    /** Clean, FGSM and PGD-20 accuracy (L-infinity, radius epsilon) on the first --check-images test images. */
    private void robustnessCheck(Network model, Dataset test, float radius, PrintWriter out, PrintWriter err) {
        int n = Math.min(checkImages, test.count());
        Dataset part = test.subset(0, n);
        try (AttackSession session = new AttackSession(model, Math.min(batch, n) < 100 ? Math.min(n, 100)
                : Math.min(batch, n))) {
            AttackResult fgsm = session.run(Attacks.fgsm(radius), Goal.UNTARGETED, part.images(), part.labels());
            AttackResult pgd;
            try (Progress progress = Progress.start("PGD-20 check", n, "images", err)) {
                session.onProgress(progress::step);
                pgd = session.run(Attacks.pgd(radius).withSteps(20).withEarlyStop(true), Goal.UNTARGETED,
                        part.images(), part.labels());
            }
            out.printf(Locale.ROOT, "robustness check on %d test images at epsilon %s: clean %.2f%%, FGSM %.2f%%,"
                            + " PGD-20 %.2f%%%n", n, radius, 100 * fgsm.cleanAccuracy(part.labels()),
                    100 * fgsm.adversarialAccuracy(part.labels()), 100 * pgd.adversarialAccuracy(part.labels()));
            out.flush();
        }
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}

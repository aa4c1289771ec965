package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Fgsm;
import io.gradsign.model.FgsmResult;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gradsign attack}: FGSM on the test set; accuracy and confidence before and after, and the figure. */
@Command(name = "attack", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Attack test images with FGSM, x' = clip(x + eps*sign(grad_x J), 0, 1); print the clean and"
                + " adversarial accuracy and mean confidences.")
final class AttackCommand implements Callable<Integer> {
    /** The values {@code --mode} takes. */
    enum Mode { untargeted, targeted, virtual }

    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--epsilon", description = "the step, in pixel units of [0, 1] (default: ${DEFAULT-VALUE})")
    float epsilon = 0.1f;

    @Option(names = "--mode", description = "untargeted (ascend the true label's loss), targeted (descend the"
            + " target's loss), virtual (ascend the loss of the model's own prediction) (default: ${DEFAULT-VALUE})")
    Mode mode = Mode.untargeted;

    @Option(names = "--target", paramLabel = "CLASS", description = "the class a targeted attack aims for, 0-9")
    Integer target;

    @Option(names = "--count", paramLabel = "N", description = "attack the first N test images (default: all)")
    Integer count;

    @Mixin
    BatchOptions batching;

    /** --batch, checked at the start of call(). */
    private int batch;

    @Option(names = "--png", paramLabel = "FILE", description = "write the figure (x, the step, x') for one image")
    Path png;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        check(Float.isFinite(epsilon) && epsilon >= 0, "--epsilon must be finite and >= 0, got " + epsilon);
        batch = batching.checked(spec);
        check(count == null || count >= 1, "--count must be at least 1, got " + count);
        check(mode == Mode.targeted || target == null, "--target is only for --mode targeted");
        check(mode != Mode.targeted || target != null, "--mode targeted needs --target CLASS (0-9)");
        check(target == null || (target >= 0 && target < FashionMnist.CLASS_NAMES.size()),
                "--target must be a class in [0, 10), got " + target);

        PrintWriter out = spec.commandLine().getOut();
        checkFigurePath(png, "--png");
        try (Backend backend = main.backendChoice.open(out)) {
            Dataset test = data.load(out).test();
            try (Network network = model.load(backend, out, test)) {
                attack(network, test, out);
            }
        }
        return 0;
    }

    private void attack(Network network, Dataset test, PrintWriter out) throws IOException {
        int n = count == null ? test.count() : Math.min(count, test.count());
        float[] images = test.images(0, n);
        int[] labels = test.labels(0, n);
        Fgsm.Mode fgsmMode = Fgsm.Mode.valueOf(mode.name().toUpperCase(Locale.ROOT));
        int[] attackLabels = switch (mode) {
            case untargeted -> labels;
            case targeted -> filled(n, target);
            case virtual -> null;
        };
        out.printf(Locale.ROOT, "attack: %s FGSM at epsilon %s on %d test images%s%n", mode, epsilon, n,
                mode == Mode.targeted ? ", target " + target + " (" + FashionMnist.CLASS_NAMES.get(target) + ")" : "");
        out.flush();
        try (Fgsm fgsm = new Fgsm(network, Math.min(batch, n))) {
            FgsmResult result = AttackRun.run(fgsm, fgsmMode, images, attackLabels, test.features(), epsilon,
                    batch, "attack", spec.commandLine().getErr());
            AttackRun.Summary summary = AttackRun.summarize(result, labels, target == null ? -1 : target);
            out.printf(Locale.ROOT, "clean accuracy:          %6.2f%%   mean confidence %5.1f%%%n",
                    100 * summary.cleanAccuracy(), 100 * summary.cleanConfidence());
            out.printf(Locale.ROOT, "adversarial accuracy:    %6.2f%%   mean confidence %5.1f%%%n",
                    100 * summary.adversarialAccuracy(), 100 * summary.adversarialConfidence());
            out.printf(Locale.ROOT, "correct, then wrong:     %6.2f%%%n", 100 * summary.correctThenWrong());
            if (mode == Mode.targeted) {
                out.printf(Locale.ROOT, "classified as the target: %5.2f%%%n", 100 * summary.reachedTarget());
            }
            if (png != null) {
                int chosen = FgsmFigure.choose(result, labels);
                writeFigure(fgsm, fgsmMode, test, chosen, attackLabels == null ? null : attackLabels[chosen],
                        result, epsilon, png, data.usesSample(), model.name(), network, out,
                        spec.commandLine().getErr());
            }
        }
    }

    /**
     * A figure's path, checked before the work that leads to it: not a directory (which writing would
     * fail on, or replace), and no file where its folder should be (the folder itself is created).
     */
    static void checkFigurePath(Path file, String option) throws IOException {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null, "is a directory: " + option
                    + " needs a file name, such as " + file.resolve("fgsm.png"));
        }
        for (Path folder = file.toAbsolutePath().getParent(); folder != null; folder = folder.getParent()) {
            if (Files.isDirectory(folder)) {
                if (!Files.isWritable(folder)) {
                    throw new AccessDeniedException(folder.toString(), null, "the folder of " + option
                            + " cannot be written");
                }
                return;
            }
            if (Files.exists(folder)) {
                throw new FileSystemException(folder.toString(), null, "is a file, not a folder: "
                        + option + " " + file + " cannot be written");
            }
        }
    }

    /** Draws image {@code index} of {@code test}, attacked in {@code result}, to {@code file} and says so. */
    static void writeFigure(Fgsm fgsm, Fgsm.Mode mode, Dataset test, int index, Integer attackLabel,
                            FgsmResult result, float epsilon, Path file, boolean sample, String modelName,
                            Network network,
                            PrintWriter out, PrintWriter err) throws IOException {
        float[] clean = test.image(index);
        int features = test.features();
        float[] adversarial = Arrays.copyOfRange(result.adversarial(), index * features, (index + 1) * features);
        float[] step = FgsmFigure.stepSign(fgsm, mode, clean, attackLabel);
        String cleanClass = test.className(result.cleanClass()[index]);
        String adversarialClass = test.className(result.adversarialClass()[index]);
        String footer = String.format(Locale.ROOT, "test image #%d%s, labelled %s; %s FGSM; model %s (%s); backend %s",
                index, sample ? " of the embedded sample" : "", test.className(test.label(index)),
                mode.name().toLowerCase(Locale.ROOT), modelName, ModelOptions.summary(network),
                network.backend().kind());
        FgsmFigure.write(new FgsmFigure.Content(clean, step, adversarial, test.rows(), test.cols(), epsilon,
                cleanClass, result.cleanConfidence()[index], adversarialClass, result.adversarialConfidence()[index],
                mode == Fgsm.Mode.TARGETED, footer), file, err);
        out.printf(Locale.ROOT, "figure: %s (test image #%d: %s %.1f%% -> %s %.1f%% at epsilon %s)%n", file, index,
                cleanClass, 100 * result.cleanConfidence()[index], adversarialClass,
                100 * result.adversarialConfidence()[index], epsilon);
        out.flush();
    }

    private static int[] filled(int n, int value) {
        int[] values = new int[n];
        Arrays.fill(values, value);
        return values;
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}

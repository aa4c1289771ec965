package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.attack.Apgd;
import io.gradsign.attack.Attack;
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.CarliniWagnerL2;
import io.gradsign.attack.DeepFool;
import io.gradsign.attack.Goal;
import io.gradsign.attack.GradientAttack;
import io.gradsign.attack.Norm;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.data.IdxFile;
import io.gradsign.eval.PerturbationNorms;
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

/**
 * {@code gradsign attack}: any attack of {@link Attacks} on the test set; accuracy, confidence, success and
 * the size of the perturbation (for the minimal-perturbation attacks its median and a histogram); FGSM's
 * figure, x' as IDX float32, tiles of x beside x'.
 */
@Command(name = "attack", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Attack test images (fgsm, fgm, bim, pgd, pgd-l2, rfgsm, mifgsm, apgd-ce, apgd-dlr, apgd-t,"
                + " deepfool, deepfool-linf, cw); print the clean and adversarial accuracy, success rate, mean"
                + " confidences and the size of x' - x.")
final class AttackCommand implements Callable<Integer> {
    /** The values {@code --mode} takes. */
    enum Mode { untargeted, targeted, virtual }

    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--attack", paramLabel = "NAME", description = "fgsm, fgm, bim, pgd, pgd-l2, rfgsm, mifgsm,"
            + " apgd-ce, apgd-dlr, apgd-t, deepfool, deepfool-linf or cw (default: ${DEFAULT-VALUE})")
    String attackName = "fgsm";

    @Option(names = "--epsilon", description = "the budget, in pixel units of [0, 1]: the L-inf radius, or the L2"
            + " radius for fgm, pgd-l2 and cw (default: 0.1 for L-inf attacks, 1 for L2 ones; none for deepfool,"
            + " deepfool-linf and cw, which look for the smallest perturbation)")
    Float epsilon;

    @Option(names = "--steps", paramLabel = "N", description = "iterations (bim, pgd, pgd-l2, mifgsm, apgd-*,"
            + " deepfool's most, cw's Adam steps per binary-search step; default: the attack's)")
    Integer steps;

    @Option(names = "--kappa", paramLabel = "K", description = "cw's confidence margin kappa >= 0 (default: 0)")
    Float kappa;

    @Option(names = "--binary-steps", paramLabel = "N", description = "cw's binary-search steps over c (default: 9)")
    Integer binarySteps;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "cw's Adam learning rate (default: 0.01)")
    Float learningRate;

    @Option(names = "--initial-const", paramLabel = "C", description = "cw's first c (default: 0.001)")
    Float initialConst;

    @Option(names = "--overshoot", paramLabel = "O", description = "deepfool's overshoot (default: 0.02)")
    Float overshoot;

    @Option(names = "--candidates", paramLabel = "K", description = "deepfool's candidate classes: the K of highest"
            + " clean logit (default: all)")
    Integer candidates;

    @Option(names = "--target-classes", paramLabel = "N", description = "apgd-t's target classes (default: 9)")
    Integer targetClasses;

    @Option(names = "--histogram", paramLabel = "FILE", description = "write a PNG histogram of the L2 (L-inf for"
            + " deepfool-linf) norms of the successful perturbations")
    Path histogram;

    @Option(names = "--step-size", paramLabel = "ALPHA", description = "the size of each step (default: the"
            + " attack's, e.g. 2.5*eps/steps for pgd)")
    Float stepSize;

    @Option(names = "--restarts", paramLabel = "N", description = "random restarts on the samples not yet broken"
            + " (pgd, pgd-l2, apgd-*; default: 1)")
    Integer restarts;

    @Option(names = "--decay", paramLabel = "MU", description = "mifgsm's momentum decay (default: 1)")
    Float decay;

    @Option(names = "--early-stop", description = "stop each image once it is adversarial (fewer passes; x' is then"
            + " the first adversarial point, not the last step's)")
    boolean earlyStop;

    @Option(names = "--seed", description = "the seed of the random starts (pgd, pgd-l2, rfgsm; default: 0)")
    Long seed;

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

    @Option(names = "--png", paramLabel = "FILE", description = "write FGSM's figure (x, the step, x') for one image"
            + " (fgsm only; --out-tiles for any attack)")
    Path png;

    @Option(names = "--out-images", paramLabel = "FILE", description = "write x' as an IDX file of float32 (type"
            + " 0x0D), (count, rows, cols)")
    Path outImages;

    @Option(names = "--out-labels", paramLabel = "FILE", description = "write the true labels of those images as"
            + " IDX unsigned bytes, (count)")
    Path outLabels;

    @Option(names = "--out-tiles", paramLabel = "FILE", description = "write a PNG of x beside x' for the first 32"
            + " images, a red frame where the attack succeeded")
    Path outTiles;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        check(epsilon == null || (Float.isFinite(epsilon) && epsilon >= 0),
                "--epsilon must be finite and >= 0, got " + epsilon);
        batch = batching.checked(spec);
        check(count == null || count >= 1, "--count must be at least 1, got " + count);
        check(steps == null || steps >= 1, "--steps must be at least 1, got " + steps);
        check(stepSize == null || (Float.isFinite(stepSize) && stepSize > 0),
                "--step-size must be finite and > 0, got " + stepSize);
        check(restarts == null || restarts >= 1, "--restarts must be at least 1, got " + restarts);
        check(decay == null || (Float.isFinite(decay) && decay >= 0), "--decay must be finite and >= 0, got " + decay);
        check(kappa == null || (Float.isFinite(kappa) && kappa >= 0), "--kappa must be finite and >= 0, got " + kappa);
        check(binarySteps == null || binarySteps >= 1, "--binary-steps must be at least 1, got " + binarySteps);
        check(learningRate == null || (Float.isFinite(learningRate) && learningRate > 0),
                "--learning-rate must be finite and > 0, got " + learningRate);
        check(initialConst == null || (Float.isFinite(initialConst) && initialConst > 0),
                "--initial-const must be finite and > 0, got " + initialConst);
        check(overshoot == null || (Float.isFinite(overshoot) && overshoot >= 0),
                "--overshoot must be finite and >= 0, got " + overshoot);
        check(candidates == null || candidates >= 2, "--candidates must be at least 2, got " + candidates);
        check(targetClasses == null || targetClasses >= 1, "--target-classes must be at least 1, got "
                + targetClasses);
        check(mode == Mode.targeted || target == null, "--target is only for --mode targeted");
        check(mode != Mode.targeted || target != null, "--mode targeted needs --target CLASS (0-9)");
        check(target == null || (target >= 0 && target < FashionMnist.CLASS_NAMES.size()),
                "--target must be a class in [0, 10), got " + target);
        Attack attack = configured();
        check(png == null || attack.name().equals("fgsm"), "--png draws FGSM's figure, not " + attack.name()
                + "'s: --out-tiles FILE.png shows x beside x' for any attack");

        PrintWriter out = spec.commandLine().getOut();
        checkFigurePath(png, "--png");
        checkOutputPath(outImages, "--out-images", "adversarial-images-idx3-float");
        checkOutputPath(outLabels, "--out-labels", "adversarial-labels-idx1-ubyte");
        checkOutputPath(outTiles, "--out-tiles", "tiles.png");
        checkOutputPath(histogram, "--histogram", "norms.png");
        try (Backend backend = main.backendChoice.open(out)) {
            Dataset test = data.load(out).test();
            try (Network network = model.load(backend, out, test)) {
                attack(attack, network, test, out);
            }
        }
        return 0;
    }

    /** The attack the options describe; a setting it refuses is a usage error naming the option. */
    private Attack configured() {
        Attack named;
        try {
            named = Attacks.named(attackName, 0f);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attack: " + e.getMessage());
        }
        String name = attackName.toLowerCase(Locale.ROOT);
        boolean minimal = name.equals("deepfool") || name.equals("deepfool-linf") || name.equals("cw");
        boolean apgd = name.startsWith("apgd-");
        only(kappa, "--kappa", name.equals("cw"), "cw");
        only(binarySteps, "--binary-steps", name.equals("cw"), "cw");
        only(learningRate, "--learning-rate", name.equals("cw"), "cw");
        only(initialConst, "--initial-const", name.equals("cw"), "cw");
        only(overshoot, "--overshoot", name.startsWith("deepfool"), "deepfool and deepfool-linf");
        only(candidates, "--candidates", name.startsWith("deepfool"), "deepfool and deepfool-linf");
        only(targetClasses, "--target-classes", name.equals("apgd-t"), "apgd-t");
        only(stepSize, "--step-size", !minimal && !apgd, "the gradient attacks (apgd adapts its own)");
        only(decay, "--decay", !minimal && !apgd, "mifgsm");
        only(seed, "--seed", !minimal, "the attacks with random starts");
        only(restarts, "--restarts", !minimal, "pgd, pgd-l2 and apgd-*");
        check(!earlyStop || (!minimal && !apgd), "--early-stop is for the gradient attacks: " + name
                + " stops each image once it is adversarial already");
        check(histogram == null || minimal, "--histogram is for the minimal-perturbation attacks (deepfool,"
                + " deepfool-linf, cw)");
        float budget = epsilon != null ? epsilon : minimal ? Float.POSITIVE_INFINITY
                : named.norm() == Norm.L2 ? 1f : 0.1f;
        Attack attack = named.withEpsilon(budget);
        try {
            if (attack instanceof GradientAttack g) {
                return configuredGradient(g);
            }
            if (attack instanceof Apgd a) {
                a = steps != null ? a.withSteps(steps) : a;
                a = restarts != null ? a.withRestarts(restarts) : a;
                a = targetClasses != null ? a.withTargetClasses(targetClasses) : a;
                return seed != null ? a.withSeed(seed) : a;
            }
            if (attack instanceof DeepFool d) {
                d = steps != null ? d.withSteps(steps) : d;
                d = overshoot != null ? d.withOvershoot(overshoot) : d;
                return candidates != null ? d.withCandidates(candidates) : d;
            }
            CarliniWagnerL2 cw = (CarliniWagnerL2) attack;
            cw = steps != null ? cw.withSteps(steps) : cw;
            cw = kappa != null ? cw.withKappa(kappa) : cw;
            cw = binarySteps != null ? cw.withBinarySteps(binarySteps) : cw;
            cw = learningRate != null ? cw.withLearningRate(learningRate) : cw;
            return initialConst != null ? cw.withInitialConst(initialConst) : cw;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), name + ": " + e.getMessage());
        }
    }

    /** A usage error unless {@code value} is null or {@code applies}. */
    private void only(Object value, String option, boolean applies, String attacks) {
        check(value == null || applies, option + " is for " + attacks + ", not " + attackName);
    }

    /** A gradient attack with the options' settings. */
    private GradientAttack configuredGradient(GradientAttack attack) {
        try {
            if (steps != null) {
                attack = attack.withSteps(steps);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps " + steps + ": " + e.getMessage());
        }
        if (stepSize != null) {
            attack = attack.withStepSize(stepSize);
        }
        try {
            if (restarts != null) {
                attack = attack.withRestarts(restarts);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--restarts " + restarts + ": "
                    + e.getMessage());
        }
        try {
            if (decay != null) {
                attack = attack.withDecay(decay);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--decay " + decay + ": " + e.getMessage());
        }
        if (seed != null) {
            attack = attack.withSeed(seed);
        }
        return attack.withEarlyStop(earlyStop);
    }

    private void attack(Attack attack, Network network, Dataset test, PrintWriter out) throws IOException {
        int n = count == null ? test.count() : Math.min(count, test.count());
        float[] images = test.images(0, n);
        int[] labels = test.labels(0, n);
        Goal goal = Goal.valueOf(mode.name().toUpperCase(Locale.ROOT));
        int[] attackLabels = switch (mode) {
            case untargeted -> labels;
            case targeted -> filled(n, target);
            case virtual -> null;
        };
        out.printf(Locale.ROOT, "attack: %s %s on %d test images%s%n", mode, attack, n,
                mode == Mode.targeted ? ", target " + target + " (" + FashionMnist.CLASS_NAMES.get(target) + ")" : "");
        out.flush();
        AttackResult result;
        long started;
        long elapsed;
        try (AttackSession session = new AttackSession(network, Math.min(batch, n))) {
            started = System.nanoTime();
            result = AttackRun.run(session, attack, goal, images, attackLabels, n, "attack", spec.commandLine().getErr());
            elapsed = System.nanoTime() - started;
        } catch (IllegalArgumentException e) {
            // a goal the attack does not take (deepfool targeted, apgd-dlr targeted): a usage error
            throw new CommandLine.ParameterException(spec.commandLine(), attack.name() + ": " + e.getMessage());
        }
        FgsmResult asFgsm = AttackRun.asFgsmResult(result);
        AttackRun.Summary summary = AttackRun.summarize(asFgsm, labels, target == null ? -1 : target);
        AttackRun.Extent extent = AttackRun.Extent.of(result);
        out.printf(Locale.ROOT, "clean accuracy:          %6.2f%%   mean confidence %5.1f%%%n",
                100 * summary.cleanAccuracy(), 100 * summary.cleanConfidence());
        out.printf(Locale.ROOT, "adversarial accuracy:    %6.2f%%   mean confidence %5.1f%%%n",
                100 * summary.adversarialAccuracy(), 100 * summary.adversarialConfidence());
        out.printf(Locale.ROOT, "correct, then wrong:     %6.2f%%%n", 100 * summary.correctThenWrong());
        if (mode == Mode.targeted) {
            out.printf(Locale.ROOT, "classified as the target: %5.2f%%%n", 100 * summary.reachedTarget());
        }
        out.printf(Locale.ROOT, "success rate:            %6.2f%%   (%s)%n", 100 * extent.successRate(),
                switch (mode) {
                    case untargeted -> "x' not classified as its label";
                    case targeted -> "x' classified as the target";
                    case virtual -> "x' classified otherwise than x";
                });
        out.printf(Locale.ROOT, "mean |x' - x|:           L-inf %.4f   L2 %.4f%n", extent.meanLinf(), extent.meanL2());
        out.printf(Locale.ROOT, "forward-backward passes: %d (%.2f per image)%n", extent.gradientPasses(),
                (double) extent.gradientPasses() / n);
        boolean minimal = attack instanceof DeepFool || attack instanceof CarliniWagnerL2;
        if (minimal) {
            boolean[] rightAtX = new boolean[n];
            for (int i = 0; i < n; i++) {
                rightAtX[i] = result.cleanClass()[i] == labels[i];
            }
            PerturbationNorms norms = PerturbationNorms.of(result, attack.norm(), rightAtX);
            out.printf(Locale.ROOT, "%s of the successful x' - x: median %.4f, mean %.4f, 90th percentile %.4f"
                    + " (%d images right at x and broken)%n", attack.norm() == Norm.L2 ? "L2" : "L-inf",
                    norms.median(), norms.mean(), norms.percentile(0.9), norms.count());
            if (histogram != null) {
                createFolder(histogram);
                norms.writeHistogram(histogram, attack.name() + " on " + model.name(), 800, 500);
                out.printf(Locale.ROOT, "histogram: %s%n", histogram);
            }
        }
        double seconds = elapsed / 1e9;
        out.printf(Locale.ROOT, "time: %.2f s, %d forward-backward passes (%.0f/s)%n", seconds,
                extent.gradientPasses(), extent.gradientPasses() / Math.max(seconds, 1e-9));
        out.flush();
        if (outImages != null) {
            createFolder(outImages);
            IdxFile.writeFloats(outImages, new int[] {n, test.rows(), test.cols()}, result.adversarial());
            out.printf(Locale.ROOT, "adversarial images: %s (IDX float32, %d x %d x %d)%n", outImages, n, test.rows(),
                    test.cols());
        }
        if (outLabels != null) {
            createFolder(outLabels);
            IdxFile.writeUnsignedBytes(outLabels, new int[] {n}, labels);
            out.printf(Locale.ROOT, "labels: %s (IDX unsigned bytes, %d)%n", outLabels, n);
        }
        if (outTiles != null) {
            AdversarialTiles.write(images, result.adversarial(), result.success(), test.rows(), test.cols(), outTiles);
            out.printf(Locale.ROOT, "tiles: %s (x beside x' for the first %d images)%n", outTiles,
                    AdversarialTiles.pairs(n));
        }
        out.flush();
        if (png != null) {
            Fgsm.Mode fgsmMode = Fgsm.Mode.valueOf(mode.name().toUpperCase(Locale.ROOT));
            int chosen = FgsmFigure.choose(asFgsm, labels);
            try (Fgsm fgsm = new Fgsm(network, 1)) {
                writeFigure(fgsm, fgsmMode, test, chosen, attackLabels == null ? null : attackLabels[chosen],
                        asFgsm, attack.epsilon(), png, data.usesSample(), model.name(), network, out,
                        spec.commandLine().getErr());
            }
        }
    }

    private static void createFolder(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    /** {@link #checkFigurePath} for an output whose example name is {@code example}. */
    static void checkOutputPath(Path file, String option, String example) throws IOException {
        if (file != null && Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null, "is a directory: " + option
                    + " needs a file name, such as " + file.resolve(example));
        }
        checkFigurePath(file, option);
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

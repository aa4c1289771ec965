package io.gradsign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** The command-line program on the CPU backend and the embedded sample: parsing, exit codes, results, the figure. */
class MainTest {
    @TempDir
    Path directory;

    /** What one run of the program printed and returned. */
    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Run run(String... args) {
        CommandLine commandLine = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    static List<List<String>> badArguments() {
        return List.of(
                List.of("--backend", "gpu", "eval"),
                List.of("nosuchcommand"),
                List.of("train", "--epochs", "0"),
                List.of("train", "--hidden", "128,x"),
                List.of("train", "--model", "resnet"),
                List.of("train", "--layers", "conv8k3-bogus-dense10"),
                List.of("train", "--layers", "conv8k31-dense10"),
                List.of("train", "--layers", "conv8k3"),
                List.of("attack", "--shipped", "vgg"),
                List.of("train", "--momentum", "1"),
                List.of("train", "--init", "he"),
                List.of("attack", "--epsilon", "-0.1"),
                List.of("attack", "--attack", "cw", "--kappa", "-1"),
                List.of("attack", "--attack", "cw", "--binary-steps", "0"),
                List.of("attack", "--attack", "cw", "--learning-rate", "0"),
                List.of("attack", "--attack", "deepfool", "--candidates", "1"),
                List.of("attack", "--attack", "deepfool", "--kappa", "1"),
                List.of("attack", "--attack", "apgd-ce", "--step-size", "0.01"),
                List.of("attack", "--attack", "pgd", "--target-classes", "3"),
                List.of("attack", "--attack", "deepfool", "--mode", "targeted", "--target", "3", "--count", "2",
                        "--sample"),
                List.of("attack", "--attack", "carlini"),
                List.of("eval", "--standard", "--attacks", "pgd"),
                List.of("eval", "--standard", "--epsilon", "-1"),
                List.of("eval", "--standard", "--steps", "0"),
                List.of("eval", "--steps", "10"),
                List.of("eval", "--attacks", "deepfool"),
                List.of("eval", "--attacks", "apgd-ce:decay=1"),
                List.of("attack", "--epsilon", "NaN"),
                List.of("attack", "--mode", "targeted"),
                List.of("attack", "--target", "3"),
                List.of("attack", "--mode", "targeted", "--target", "10"),
                List.of("attack", "--count", "0"),
                List.of("eval", "--batch", "0"),
                List.of("eval", "--backend", "cpu", "--data", "/nonexistent", "--sample"),
                List.of("bench", "--seconds", "-1"),
                List.of("demo", "--epsilons", "0,x"),
                List.of("attack", "--steps", "0"),
                List.of("attack", "--attack", "nosuch"),
                List.of("attack", "--attack", "pgd", "--step-size", "0"),
                List.of("attack", "--attack", "pgd", "--restarts", "0"),
                List.of("attack", "--attack", "fgsm", "--restarts", "2"),
                List.of("attack", "--attack", "fgsm", "--steps", "5"),
                List.of("attack", "--attack", "pgd", "--decay", "0.5"),
                List.of("attack", "--attack", "mifgsm", "--decay", "-1"),
                List.of("attack", "--attack", "pgd", "--png", "x.png"),
                List.of("eval", "--attacks", "fgsm,nosuch"),
                List.of("eval", "--attacks", "fgsm", "--epsilons", "0:x:0.1"),
                List.of("eval", "--attacks", "fgsm", "--epsilons", "0.3:0:0.1"),
                List.of("eval", "--attacks", "fgsm", "--epsilons", "0:0.3:0"),
                List.of("eval", "--attacks", "fgsm", "--epsilons", "0,-0.1"),
                List.of("eval", "--attacks", "pgd:bogus=1"),
                List.of("eval", "--attacks", "pgd:steps=0"),
                List.of("eval", "--attacks", "fgsm:restarts=2"),
                List.of("eval", "--count", "0"),
                List.of("eval", "--csv", "robust.csv"),
                List.of("train", "--objective", "nosuch"),
                List.of("train", "--objective", "fgsm-at", "--beta", "2"),
                List.of("train", "--alpha", "0.3"),
                List.of("train", "--objective", "fgsm-at", "--alpha", "2"),
                List.of("train", "--objective", "pgd-at", "--pgd-steps", "0"),
                List.of("train", "--objective", "trades", "--epsilon", "-1"),
                List.of("train", "--objective", "vat", "--xi", "0"),
                List.of("train", "--objective", "vat", "--power-iterations", "0"),
                List.of("train", "--labelled", "0"),
                List.of("train", "--unlabelled-batch", "64"),
                List.of("train", "--schedule", "sometimes"),
                List.of("train", "--weight-decay", "-1"),
                List.of("train", "--check-images", "-1"),
                List.of("train", "--backend", "cpu", "--sample", "--labelled", "5"),
                List.of("train", "--backend", "cpu", "--sample", "--labelled", "1000000"));
    }

    /**
     * train --objective with checkpoints: the model and its state after each epoch, --resume continues
     * from them (and refuses another run's options), the robustness check at the end.
     */
    @Test
    void adversarialTrainingCheckpointsResumesAndChecksRobustness() throws IOException {
        Path model = directory.resolve("robust.gsm");
        String[] common = {"--backend", "cpu", "train", "--sample", "--hidden", "16", "--objective", "pgd-at",
            "--epsilon", "0.1", "--pgd-steps", "2", "--batch", "100", "--out", model.toString()};
        Run first = run(concat(common, "--epochs", "1", "--check-images", "50"));
        assertEquals(0, first.exitCode(), first::toString);
        assertTrue(first.out().contains("pgd-at epsilon=0.1 steps=2"), first::toString);
        assertTrue(first.out().contains("epoch  1/1"), first::toString);
        assertTrue(first.out().matches("(?s).*robustness check on 50 test images at epsilon 0.1: clean [0-9.]+%, FGSM"
                + " [0-9.]+%, PGD-20 [0-9.]+%.*"), first::toString);
        assertTrue(Files.isRegularFile(directory.resolve("robust.gsm.state")), "no checkpoint state");
        Run other = run(concat(common, "--epochs", "2", "--resume", "--check-images", "0"));
        assertOneLineError(other, 1, "gradsign train: error: " + directory.resolve("robust.gsm.state")
                + ": it was saved by another run");
        Path state = directory.resolve("robust.gsm.state");
        Files.delete(state);
        Run missing = run(concat(common, "--epochs", "1", "--resume", "--check-images", "0"));
        assertOneLineError(missing, 1, "gradsign train: error: " + state);
        Run again = run(concat(common, "--epochs", "2", "--check-images", "0"));
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.out().contains("epoch  2/2") && !again.out().contains("robustness check"), again::toString);
        Run resumed = run(concat(common, "--epochs", "2", "--check-images", "0", "--resume"));
        assertEquals(0, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.out().contains("resumed after epoch 2 of 2"), resumed::toString);
        assertFalse(resumed.out().contains("epoch  1/2"), resumed::toString);
        assertNoTemporaryFiles();
    }

    /** VAT on a semi-supervised split of the sample, with its parameters named in the log. */
    @Test
    void vatTrainsOnASemiSupervisedSplit() {
        Path model = directory.resolve("vat.gsm");
        Run run = run("--backend", "cpu", "train", "--sample", "--hidden", "16", "--objective", "vat", "--epsilon", "1",
                "--xi", "0.02", "--entmin", "--labelled", "100", "--unlabelled-batch", "200", "--epochs", "1",
                "--schedule", "one-cycle", "--weight-decay", "0.0005", "--check-images", "0", "--out", model.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("semi-supervised: 100 labelled images, 1900 without labels"), run::toString);
        assertTrue(run.out().contains("vat epsilon=1.0 xi=0.02 power-iterations=1 weight=1.0 entmin"), run::toString);
        assertTrue(run.out().contains("epoch  1/1"), run::toString);
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void badArgumentsGiveOneLineAndExitCode2(List<String> args) {
        Run run = run(args.toArray(String[]::new));
        assertEquals(2, run.exitCode(), run::toString);
        String firstLine = run.err().lines().findFirst().orElse("");
        assertTrue(firstLine.startsWith("gradsign"), run::toString);
        assertNoStackTrace(run);
    }

    /** Every command's help formats cleanly: picocli warns on System.err of an unescaped % in a description. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"train", "attack", "eval", "bench", "demo"})
    void helpFormatsWithoutWarnings(String command) {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        Run run;
        try {
            run = run(command, "--help");
        } finally {
            System.setErr(saved);
        }
        assertEquals(0, run.exitCode(), run::toString);
        String warnings = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(!warnings.contains("WARN"), warnings);
    }

    @Test
    void helpListsTheCommands() {
        Run run = run("--help");
        assertEquals(0, run.exitCode(), run::toString);
        for (String command : List.of("demo", "train", "attack", "eval", "bench", "--backend")) {
            assertTrue(run.out().contains(command), () -> command + " missing from\n" + run);
        }
    }

    @Test
    void backendIsAcceptedBeforeAndAfterTheCommandAndPrinted() {
        for (String[] args : new String[][] {{"--backend", "cpu", "eval", "--sample"},
                {"eval", "--sample", "--backend", "cpu"}}) {
            Run run = run(args);
            assertEquals(0, run.exitCode(), run::toString);
            assertTrue(run.out().startsWith("backend: cpu: requested by the caller"), run::toString);
        }
    }

    @Test
    void shippedModelScoresAtLeast80PercentOnTheSample() {
        Run run = run("--backend", "cpu", "eval", "--sample");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("data: the Fashion-MNIST sample embedded in the jar"), run::toString);
        double accuracy = percent(run.out(), "test accuracy: ([0-9.]+)%");
        assertTrue(accuracy >= 80, () -> "accuracy " + accuracy + "% < 80%\n" + run);
    }

    @Test
    void minimalPerturbationAttacksPrintTheirNormsAndDrawAHistogram() {
        Path histogram = directory.resolve("norms/cw.png");
        Run cw = run("--backend", "cpu", "attack", "--sample", "--shipped", "mlp", "--attack", "cw", "--count", "6",
                "--binary-steps", "2", "--steps", "30", "--histogram", histogram.toString());
        assertEquals(0, cw.exitCode(), cw::toString);
        assertTrue(cw.out().contains("L2 of the successful x' - x: median"), cw::toString);
        assertTrue(cw.out().contains("time: "), cw::toString);
        assertTrue(java.nio.file.Files.isRegularFile(histogram), cw::toString);
        for (String attack : List.of("deepfool", "deepfool-linf")) {
            Run run = run("--backend", "cpu", "attack", "--sample", "--shipped", "mlp", "--attack", attack, "--count",
                    "6");
            assertEquals(0, run.exitCode(), run::toString);
            assertTrue(percent(run.out(), "success rate: +([0-9.]+)%") >= 80, run::toString);
            assertTrue(run.out().contains("of the successful x' - x: median"), run::toString);
        }
        Run apgd = run("--backend", "cpu", "attack", "--sample", "--shipped", "mlp", "--attack", "apgd-t", "--count",
                "6", "--steps", "5", "--target-classes", "2", "--epsilon", "0.05");
        assertEquals(0, apgd.exitCode(), apgd::toString);
        assertTrue(apgd.out().contains("apgd-t(eps=0.05, steps=5, restarts=1, target classes=2"), apgd::toString);
    }

    @Test
    void theStandardEvaluationReportsEachAttack() throws java.io.IOException {
        Path csv = directory.resolve("standard.csv");
        Path json = directory.resolve("standard.json");
        Path plot = directory.resolve("standard.png");
        Run run = run("--backend", "cpu", "eval", "--sample", "--shipped", "mlp", "--standard", "--count", "30",
                "--steps", "5", "--csv", csv.toString(), "--json", json.toString(), "--plot", plot.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("apgd-ce") && run.out().contains("apgd-t"), run::toString);
        double robust = percent(run.out(), "robust accuracy: ([0-9.]+)%");
        double clean = percent(run.out(), "(?m)^clean +30 +[0-9]+ +([0-9.]+)%");
        assertTrue(robust <= clean, run::toString);
        assertTrue(run.out().contains("time: "), run::toString);
        assertEquals(4, java.nio.file.Files.readAllLines(csv).size(), "header, clean and two attacks");
        assertTrue(java.nio.file.Files.readString(json).contains("\"brokenBy\""));
        assertTrue(java.nio.file.Files.size(plot) > 1000);
    }

    @Test
    void theShippedMlpStaysSelectable() {
        Run run = run("--backend", "cpu", "eval", "--sample", "--shipped", "mlp");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("fashion-mlp, shipped in the jar"), run::toString);
        assertTrue(percent(run.out(), "test accuracy: ([0-9.]+)%") >= 80, run::toString);
    }

    @Test
    void trainTakesALayerSpecAndEvalAndAttackReadTheCnn() {
        Path model = directory.resolve("cnn.gsm");
        Run train = run("--backend", "cpu", "train", "--sample", "--layers", "conv4k3p1-relu-pool2-dense10", "--epochs",
                "1", "--out", model.toString());
        assertEquals(0, train.exitCode(), train::toString);
        assertTrue(train.out().contains("(1, 28, 28) conv4k3p1-relu-pool2-flatten-dense10"), train::toString);
        Run eval = run("--backend", "cpu", "eval", "--sample", "--model-file", model.toString());
        assertEquals(0, eval.exitCode(), eval::toString);
        assertTrue(percent(eval.out(), "test accuracy: ([0-9.]+)%") > 50, eval::toString);
        Run attack = run("--backend", "cpu", "attack", "--sample", "--model-file", model.toString(), "--count", "200");
        assertEquals(0, attack.exitCode(), attack::toString);
        assertTrue(percent(attack.out(), "adversarial accuracy: +([0-9.]+)%")
                < percent(attack.out(), "clean accuracy: +([0-9.]+)%"), attack::toString);
    }

    @Test
    void epsilonZeroLeavesAccuracyUnchanged() {
        Run run = run("--backend", "cpu", "attack", "--sample", "--epsilon", "0", "--count", "300");
        assertEquals(0, run.exitCode(), run::toString);
        double clean = percent(run.out(), "clean accuracy: +([0-9.]+)%");
        double adversarial = percent(run.out(), "adversarial accuracy: +([0-9.]+)%");
        assertEquals(clean, adversarial, 0, run::toString);
        assertEquals(0, percent(run.out(), "correct, then wrong: +([0-9.]+)%"), 0, run::toString);
        assertTrue(clean > 50, run::toString);
    }

    @Test
    void attackLowersAccuracyAndTargetedReachesTheTarget() {
        Run untargeted = run("--backend", "cpu", "attack", "--sample", "--epsilon", "0.1", "--count", "300");
        assertEquals(0, untargeted.exitCode(), untargeted::toString);
        double clean = percent(untargeted.out(), "clean accuracy: +([0-9.]+)%");
        double adversarial = percent(untargeted.out(), "adversarial accuracy: +([0-9.]+)%");
        assertTrue(adversarial < clean - 20, untargeted::toString);

        Run targeted = run("--backend", "cpu", "attack", "--sample", "--mode", "targeted", "--target", "8",
                "--epsilon", "0.1", "--count", "300");
        assertEquals(0, targeted.exitCode(), targeted::toString);
        assertTrue(percent(targeted.out(), "classified as the target: +([0-9.]+)%") > 20, targeted::toString);

        Run virtual = run("--backend", "cpu", "attack", "--sample", "--mode", "virtual", "--count", "100");
        assertEquals(0, virtual.exitCode(), virtual::toString);
    }

    @Test
    void attackWritesTheFigure() throws IOException {
        Path png = directory.resolve("figures/fgsm.png");
        Run run = run("--backend", "cpu", "attack", "--sample", "--count", "200", "--png", png.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("figure: " + png), run::toString);
        assertFigure(png);
    }

    @Test
    void demoPrintsTheTableAndWritesTheFigure() throws IOException {
        Path png = directory.resolve("demo.png");
        Run run = run("--backend", "cpu", "demo", "--sample", "--epsilons", "0,0.1", "--png", png.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("on the 1000 test images of the embedded sample"), run::toString);
        assertTrue(Pattern.compile("(?m)^ +0\\.00 +[0-9.]+% ").matcher(run.out()).find(), run::toString);
        assertTrue(Pattern.compile("(?m)^ +0\\.10 +[0-9.]+% ").matcher(run.out()).find(), run::toString);
        // the adversarially trained CNN beside the plain one: at 0.1 it keeps far more of its accuracy
        java.util.regex.Matcher row = Pattern.compile("(?m)^ +0\\.10 +([0-9.]+)% .*\\| +([0-9.]+)% ").matcher(run.out());
        assertTrue(row.find(), run::toString);
        assertTrue(Double.parseDouble(row.group(2)) > Double.parseDouble(row.group(1)) + 30, run::toString);
        assertTrue(run.out().contains("fashion-cnn-pgd-at"), run::toString);
        assertFigure(png);
    }

    @Test
    void trainSavesAModelThatEvalReads() {
        Path model = directory.resolve("model.gsm");
        Run train = run("--backend", "cpu", "train", "--sample", "--model", "softmax", "--epochs", "1",
                "--out", model.toString());
        assertEquals(0, train.exitCode(), train::toString);
        assertTrue(train.out().contains("epoch  1/1  loss "), train::toString);
        Run eval = run("--backend", "cpu", "eval", "--sample", "--model-file", model.toString());
        assertEquals(0, eval.exitCode(), eval::toString);
        assertTrue(percent(eval.out(), "test accuracy: ([0-9.]+)%") > 50, eval::toString);
    }

    @Test
    void corruptOrMissingModelFileGivesExitCode1AndAClearMessage() throws IOException {
        Path garbage = directory.resolve("garbage.gsm");
        Files.write(garbage, "this is not a model, just text long enough".getBytes());
        Run run = run("--backend", "cpu", "eval", "--sample", "--model-file", garbage.toString());
        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("error: " + garbage + ": not a gradsign model file"), run::toString);
        assertNoStackTrace(run);

        byte[] shipped;
        try (var in = MainTest.class.getResourceAsStream(ModelOptions.Shipped.mlp.resource)) {
            assertNotNull(in, "the shipped model is missing");
            shipped = in.readAllBytes();
        }
        shipped[shipped.length / 2] ^= 0x10;
        Path flipped = directory.resolve("flipped.gsm");
        Files.write(flipped, shipped);
        Run corrupt = run("--backend", "cpu", "attack", "--sample", "--model-file", flipped.toString());
        assertEquals(1, corrupt.exitCode(), corrupt::toString);
        assertTrue(corrupt.err().contains("checksum mismatch: the file is corrupt"), corrupt::toString);
        assertNoStackTrace(corrupt);

        Run missing = run("--backend", "cpu", "eval", "--model-file", directory.resolve("none.gsm").toString());
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("no such file: " + directory.resolve("none.gsm")), missing::toString);
    }

    @Test
    void missingDataFolderGivesExitCode1() {
        Run run = run("--backend", "cpu", "eval", "--data", directory.resolve("nothing").toString());
        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Fashion-MNIST file missing"), run::toString);
        assertNoStackTrace(run);
    }

    @Test
    void aDirectoryAsTheModelFileIsNamedInTheMessage() throws IOException {
        Path folder = Files.createDirectory(directory.resolve("models"));
        Run run = run("--backend", "cpu", "eval", "--sample", "--model-file", folder.toString());
        assertOneLineError(run, 1, "gradsign eval: error: " + folder + ": is a directory, not a model file");
    }

    @Test
    void hiddenWidthsTooLargeAreRefusedBeforeAnythingIsAllocated() {
        Path model = directory.resolve("huge.gsm");
        Run overflow = run("--backend", "cpu", "train", "--sample", "--hidden", "2000000000", "--out", model.toString());
        assertOneLineError(overflow, 2, "gradsign train: --hidden: layer 0 (dense2000000000-relu) is too large");
        // each layer fits an int, the whole does not fit the heap (3.6e9 floats, 14 GB)
        Run heap = run("--backend", "cpu", "train", "--sample", "--hidden", "2000000,1000", "--out", model.toString());
        assertOneLineError(heap, 2, "gradsign train: --hidden: the model has 3570011010 parameters");
        assertTrue(heap.err().contains("too many for this Java heap"), heap::toString);
        assertFalse(Files.exists(model), "a model was written");
        assertNoTemporaryFiles();
    }

    @Test
    void aDivergingTrainingStopsSaysSoAndSavesNothing() {
        Path model = directory.resolve("diverged.gsm");
        Run run = run("--backend", "cpu", "train", "--sample", "--hidden", "16", "--learning-rate", "1e30",
                "--epochs", "2", "--out", model.toString());
        assertOneLineError(run, 1, "gradsign train: error: epoch 1: training diverged: the loss is ");
        assertTrue(run.err().contains("learning rate 1.0E30") && run.err().contains("no model saved"), run::toString);
        assertFalse(run.out().contains("epoch  1/2"), run::toString);
        assertFalse(Files.exists(model), "a model was written");
        assertNoTemporaryFiles();
    }

    @Test
    void aDirectoryAsTrainsOutputIsRefusedBeforeTraining() throws IOException {
        Path folder = Files.createDirectory(directory.resolve("out"));
        Run run = run("--backend", "cpu", "train", "--sample", "--model", "softmax", "--epochs", "1", "--out",
                folder.toString());
        assertOneLineError(run, 1, "gradsign train: error: " + folder + ": is a directory: --out needs a file name");
        assertFalse(run.out().contains("epoch"), run::toString);
        assertTrue(Files.isDirectory(folder), "the folder was replaced");
        assertNoTemporaryFiles();

        Run missing = run("--backend", "cpu", "train", "--sample", "--out", directory.resolve("no/such/m.gsm").toString());
        assertOneLineError(missing, 1, "gradsign train: error: " + directory.resolve("no/such") + ": the folder of --out does not exist");
    }

    @Test
    void aDirectoryAsTheFigureIsRefusedBeforeTheAttackAndKept() throws IOException {
        Path folder = Files.createDirectory(directory.resolve("figure"));
        Run attack = run("--backend", "cpu", "attack", "--sample", "--count", "10", "--png", folder.toString());
        assertOneLineError(attack, 1, "gradsign attack: error: " + folder + ": is a directory: --png needs a file name");
        assertFalse(attack.out().contains("attack:"), attack::toString);
        assertTrue(Files.isDirectory(folder), "the empty folder was replaced");

        Run demo = run("--backend", "cpu", "demo", "--sample", "--epsilons", "0", "--png", folder.toString());
        assertOneLineError(demo, 1, "gradsign demo: error: " + folder + ": is a directory");
        assertTrue(Files.isDirectory(folder), "the empty folder was replaced");

        Path file = Files.writeString(directory.resolve("plain"), "a file");
        Path under = file.resolve("fgsm.png");
        Run notAFolder = run("--backend", "cpu", "attack", "--sample", "--count", "10", "--png", under.toString());
        assertOneLineError(notAFolder, 1, "gradsign attack: error: " + file + ": is a file, not a folder");
    }

    @Test
    void badAttackSettingsNameTheOptionInOneLine() {
        assertOneLineError(run("attack", "--attack", "nosuch"), 2, "gradsign attack: --attack: no attack called"
                + " 'nosuch': the attacks are fgsm, fgm, bim, pgd, pgd-l2, rfgsm, mifgsm");
        assertOneLineError(run("attack", "--epsilon", "-0.1"), 2, "gradsign attack: --epsilon must be finite and >= 0,"
                + " got -0.1");
        assertOneLineError(run("attack", "--steps", "0"), 2, "gradsign attack: --steps must be at least 1, got 0");
        assertOneLineError(run("attack", "--mode", "targeted", "--target", "10"), 2,
                "gradsign attack: --target must be a class in [0, 10), got 10");
        assertOneLineError(run("attack", "--restarts", "2"), 2, "gradsign attack: --restarts 2: fgsm has no random"
                + " start");
        assertOneLineError(run("attack", "--attack", "bim", "--decay", "0.5"), 2, "gradsign attack: --decay 0.5: bim"
                + " has no momentum");
        assertOneLineError(run("attack", "--attack", "fgm", "--png", "x.png"), 2, "gradsign attack: --png draws"
                + " FGSM's figure, not fgm's");
        assertOneLineError(run("eval", "--attacks", "fgsm", "--epsilons", "0:x:0.1"), 2, "gradsign eval: --epsilons:"
                + " 'x' in '0:x:0.1' is not a number");
        assertOneLineError(run("eval", "--attacks", "fgsm", "--epsilons", "-0.1"), 2, "gradsign eval: --epsilons:"
                + " epsilons must be >= 0, got -0.1");
        assertOneLineError(run("eval", "--attacks", "pgd,fgsm:steps=3"), 2, "gradsign eval: --attacks fgsm:steps=3:"
                + " fgsm takes one step by definition");
    }

    static List<List<String>> attacksOnShippedModels() {
        List<List<String>> cases = new java.util.ArrayList<>();
        for (String model : List.of("mlp", "cnn")) {
            for (String attack : io.gradsign.attack.Attacks.NAMES) {
                cases.add(List.of(model, attack));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacksOnShippedModels")
    void everyAttackRunsOnTheShippedModels(List<String> modelAndAttack) {
        String attack = modelAndAttack.get(1);
        boolean l2 = attack.equals("fgm") || attack.equals("pgd-l2");
        float epsilon = l2 ? 1.5f : 0.1f;
        Run run = run("--backend", "cpu", "attack", "--sample", "--shipped", modelAndAttack.get(0), "--attack", attack,
                "--epsilon", Float.toString(epsilon), "--count", "8");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("attack: untargeted " + attack + "(eps="), run::toString);
        double clean = percent(run.out(), "clean accuracy: +([0-9.]+)%");
        double adversarial = percent(run.out(), "adversarial accuracy: +([0-9.]+)%");
        assertTrue(adversarial < clean, run::toString);
        assertTrue(percent(run.out(), "success rate: +([0-9.]+)%") > 0, run::toString);
        Matcher size = Pattern.compile("L-inf ([0-9.]+) +L2 ([0-9.]+)").matcher(run.out());
        assertTrue(size.find(), run::toString);
        double norm = Double.parseDouble(size.group(l2 ? 2 : 1));
        assertTrue(norm > 0 && norm <= epsilon + 1e-4, run::toString);
        long passes = Long.parseLong(matchOf(run.out(), "forward-backward passes: ([0-9]+)"));
        assertTrue(passes >= 8, run::toString);
    }

    @Test
    void theAttacksRunOnTheEmulatedCudaBackend() {
        for (String attack : List.of("pgd", "mifgsm")) {
            Run run = run("--backend", "cuda-emulated", "attack", "--sample", "--shipped", "mlp", "--attack", attack,
                    "--steps", "3", "--count", "8");
            assertEquals(0, run.exitCode(), run::toString);
            assertTrue(run.out().startsWith("backend: cuda-emulated") || run.out().contains("cuda-emulated"),
                    run::toString);
            Run cpu = run("--backend", "cpu", "attack", "--sample", "--shipped", "mlp", "--attack", attack,
                    "--steps", "3", "--count", "8");
            assertEquals(percent(cpu.out(), "adversarial accuracy: +([0-9.]+)%"),
                    percent(run.out(), "adversarial accuracy: +([0-9.]+)%"), 12.5, () -> run + "\n" + cpu);
        }
        Run cnn = run("--backend", "cuda-emulated", "attack", "--sample", "--attack", "pgd", "--steps", "2", "--count",
                "4");
        assertEquals(0, cnn.exitCode(), cnn::toString);
        assertTrue(cnn.out().contains("fashion-cnn") && cnn.out().contains("forward-backward passes: "), cnn::toString);
        Run eval = run("--backend", "cuda-emulated", "eval", "--sample", "--shipped", "mlp", "--attacks",
                "fgsm,pgd:steps=2", "--epsilons", "0,0.1", "--count", "8");
        assertEquals(0, eval.exitCode(), eval::toString);
        assertTrue(eval.out().contains("pgd-2"), eval::toString);
    }

    @Test
    void fgsmFromTheCommandLineIsModelFgsmBitForBitAndItsIdxReadsBack() throws IOException {
        Path images = directory.resolve("out/adversarial-idx3-float");
        Path labels = directory.resolve("out/labels-idx1-ubyte");
        Path tiles = directory.resolve("out/tiles.png");
        Run run = run("--backend", "cpu", "attack", "--sample", "--shipped", "mlp", "--count", "40", "--epsilon",
                "0.05", "--out-images", images.toString(), "--out-labels", labels.toString(), "--out-tiles",
                tiles.toString());
        assertEquals(0, run.exitCode(), run::toString);
        io.gradsign.data.IdxFile written = io.gradsign.data.IdxFile.read(images);
        assertEquals(io.gradsign.data.IdxType.FLOAT, written.type());
        assertEquals(List.of(40, 28, 28), java.util.Arrays.stream(written.dimensions()).boxed().toList());
        io.gradsign.data.Dataset test = io.gradsign.data.FashionMnist.embeddedSample().test();
        float[] x = test.images(0, 40);
        float[] expected;
        try (io.gradsign.Backend backend = new io.gradsign.cpu.CpuBackend();
             io.gradsign.nn.Network mlp = ModelOptions.loadShipped(backend, ModelOptions.Shipped.mlp);
             io.gradsign.model.Fgsm fgsm = new io.gradsign.model.Fgsm(mlp, 256)) {
            expected = fgsm.untargeted(x, test.labels(0, 40), 0.05f).adversarial();
        }
        float[] actual = written.floats();
        int offGrid = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
            // x' = x +- 0.05 is not a multiple of 1/255 where not clipped: IDX ubyte would have rounded it
            offGrid += Math.abs(actual[i] * 255 - Math.round(actual[i] * 255)) > 1e-3 ? 1 : 0;
        }
        assertTrue(offGrid > 1000, "only " + offGrid + " values off the 1/255 grid");
        assertEquals(java.util.Arrays.stream(test.labels(0, 40)).boxed().toList(),
                java.util.Arrays.stream(io.gradsign.data.IdxFile.read(labels).ints()).boxed().toList());
        BufferedImage image = ImageIO.read(tiles.toFile());
        assertNotNull(image, "not a readable PNG");
        int[] size = AdversarialTiles.size(40, 28, 28);
        assertEquals(size[0], image.getWidth());
        assertEquals(size[1], image.getHeight());
        assertTrue(run.out().contains("adversarial images: " + images + " (IDX float32, 40 x 28 x 28)"), run::toString);
    }

    @Test
    void badOutputPathsAreRefusedBeforeTheAttackAndKept() throws IOException {
        Path folder = Files.createDirectory(directory.resolve("images"));
        Run attack = run("--backend", "cpu", "attack", "--sample", "--count", "10", "--out-images", folder.toString());
        assertOneLineError(attack, 1, "gradsign attack: error: " + folder + ": is a directory: --out-images needs a"
                + " file name");
        assertFalse(attack.out().contains("attack:"), attack::toString);
        assertTrue(Files.isDirectory(folder), "the empty folder was replaced");
        Path file = Files.writeString(directory.resolve("plain"), "a file");
        Run tiles = run("--backend", "cpu", "attack", "--sample", "--count", "10", "--out-tiles",
                file.resolve("t.png").toString());
        assertOneLineError(tiles, 1, "gradsign attack: error: " + file + ": is a file, not a folder");
        Run csv = run("--backend", "cpu", "eval", "--sample", "--attacks", "fgsm", "--csv", folder.toString());
        assertOneLineError(csv, 1, "gradsign eval: error: " + folder + ": is a directory: --csv needs a file name");
        assertFalse(csv.out().contains("robust accuracy"), csv::toString);
        try (var left = Files.list(folder)) {
            assertEquals(0, left.count(), "something was written into the folder");
        }
    }

    @Test
    void evalSweepsPrintsTheTableAndWritesCsvJsonAndPlot() throws IOException {
        Path csv = directory.resolve("r/robust.csv");
        Path json = directory.resolve("r/robust.json");
        Path plot = directory.resolve("r/robust.png");
        Run run = run("--backend", "cpu", "eval", "--sample", "--shipped", "mlp", "--count", "100", "--attacks",
                "fgsm,bim,pgd:steps=10", "--epsilons", "0:0.1:0.05", "--csv", csv.toString(), "--json",
                json.toString(), "--plot", plot.toString());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("eps 0.05"), run::toString);
        double[] fgsm = row(run.out(), "fgsm");
        double[] pgd = row(run.out(), "pgd-10");
        assertEquals(3, fgsm.length, run::toString);
        assertEquals(fgsm[0], pgd[0], 0, run::toString);
        assertTrue(fgsm[2] < fgsm[0] && pgd[2] <= fgsm[2], run::toString);

        List<String> lines = Files.readAllLines(csv);
        assertEquals("model,attack,epsilon,accuracy,samples", lines.get(0));
        assertEquals(2 + 3 * 3, lines.size(), lines::toString);
        assertTrue(lines.stream().anyMatch(l -> l.contains(",pgd-10,0.1,")), lines::toString);
        // the JSON parses to its end, with 3 attacks of 100 per-sample epsilons each
        int names = 0;
        int perSample = 0;
        try (var parser = new com.fasterxml.jackson.core.JsonFactory().createParser(json.toFile())) {
            boolean inSamples = false;
            for (var token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    names += parser.currentName().equals("name") ? 1 : 0;
                    inSamples = parser.currentName().equals("smallestBreakingEpsilon");
                } else if (inSamples && (token.isNumeric() || token == com.fasterxml.jackson.core.JsonToken.VALUE_NULL)) {
                    perSample++;
                }
            }
        }
        assertEquals(3, names);
        assertEquals(300, perSample);
        BufferedImage image = ImageIO.read(plot.toFile());
        assertNotNull(image, "not a readable PNG");
        assertEquals(800, image.getWidth());

        // early stop (the default) counts an image as broken once it is; without it the last step may mend one:
        // robust accuracy with early stop is never higher
        Run full = run("--backend", "cpu", "eval", "--sample", "--shipped", "mlp", "--count", "100", "--attacks",
                "bim,pgd:steps=10", "--epsilons", "0:0.1:0.05", "--no-early-stop");
        assertEquals(0, full.exitCode(), full::toString);
        assertTrue(full.out().contains("early stop off"), full::toString);
        for (String attack : List.of("bim", "pgd-10")) {
            double[] stopped = row(run.out(), attack);
            double[] unstopped = row(full.out(), attack);
            for (int e = 0; e < stopped.length; e++) {
                assertTrue(stopped[e] <= unstopped[e], run + "\n" + full);
            }
        }
    }

    @Test
    void certifyGivesASoftmaxRegressionsCertifiedAccuracyBelowFgsms() {
        Path model = directory.resolve("softmax.gsm");
        Run train = run("--backend", "cpu", "train", "--sample", "--model", "softmax", "--epochs", "2",
                "--out", model.toString());
        assertEquals(0, train.exitCode(), train::toString);
        Run run = run("--backend", "cpu", "eval", "--sample", "--model-file", model.toString(), "--certify",
                "--epsilons", "0,0.01,0.05", "--count", "300");
        assertEquals(0, run.exitCode(), run::toString);
        double[] certified = row(run.out(), "certified");
        double[] fgsm = row(run.out(), "fgsm");
        assertEquals(3, certified.length, run::toString);
        for (int e = 0; e < 3; e++) {
            assertTrue(certified[e] <= fgsm[e], run::toString);
        }
        assertTrue(certified[0] > 50 && certified[2] < certified[0], run::toString);
        assertTrue(run.out().contains("epsilon   certified   fgsm"), run::toString);

        Run cnn = run("--backend", "cpu", "eval", "--sample", "--certify", "--count", "10");
        assertOneLineError(cnn, 2, "gradsign eval: --certify: a linear certificate needs softmax regression");
    }

    @Test
    void theInputShapeComesFromTheDataAndAModelThatDoesNotFitIsNamed() throws IOException {
        // 784 images of 10x10 pixels: as many floats as 100 images of 28x28
        Path data = writeIdxData(directory.resolve("small"), 784, 10, 10);
        Run eval = run("--backend", "cpu", "eval", "--data", data.toString());
        assertOneLineError(eval, 1, "gradsign eval: error: fashion-cnn, shipped in the jar takes inputs of"
                + " (1, 28, 28) (784 features) in 10 classes, but the data's images are 10x10 (100 features)");
        Run attack = run("--backend", "cpu", "attack", "--data", data.toString(), "--shipped", "mlp");
        assertOneLineError(attack, 1, "gradsign attack: error: fashion-mlp, shipped in the jar takes inputs of (784,)");

        Path model = directory.resolve("small.gsm");
        Run train = run("--backend", "cpu", "train", "--data", data.toString(), "--layers",
                "conv4k3p1-relu-pool2-dense10", "--epochs", "1", "--out", model.toString());
        assertEquals(0, train.exitCode(), train::toString);
        assertTrue(train.out().contains("(1, 10, 10) conv4k3p1-relu-pool2-flatten-dense10"), train::toString);
        Run mlp = run("--backend", "cpu", "train", "--data", data.toString(), "--hidden", "8", "--epochs", "1",
                "--out", directory.resolve("small-mlp.gsm").toString());
        assertEquals(0, mlp.exitCode(), mlp::toString);
        assertTrue(mlp.out().contains("(100,) dense8-relu-dense10"), mlp::toString);
        Run evalSmall = run("--backend", "cpu", "eval", "--data", data.toString(), "--model-file", model.toString());
        assertEquals(0, evalSmall.exitCode(), evalSmall::toString);
        Run evalFull = run("--backend", "cpu", "eval", "--sample", "--model-file", model.toString());
        assertOneLineError(evalFull, 1, "gradsign eval: error: " + model + " takes inputs of (1, 10, 10) (100 features) in 10 classes, but the"
                + " data's images are 28x28");
    }

    @Test
    void trainingAndTestImagesOfDifferentSizesAreRefused() throws IOException {
        Path data = writeIdxData(directory.resolve("mixed"), 20, 12, 12);
        Path other = writeIdxData(directory.resolve("other"), 20, 10, 10);
        Files.copy(other.resolve("t10k-images-idx3-ubyte"), data.resolve("t10k-images-idx3-ubyte"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Run run = run("--backend", "cpu", "train", "--data", data.toString(), "--epochs", "1", "--out",
                directory.resolve("m.gsm").toString());
        assertOneLineError(run, 1, "gradsign train: error: " + data.resolve("t10k-images-idx3-ubyte")
                + ": images are 10x10 but the training images are 12x12");
    }

    // the four IDX files of a data folder: count training and count test images of rows x cols, seeded noise
    private static Path writeIdxData(Path folder, int count, int rows, int cols) throws IOException {
        Files.createDirectories(folder);
        java.util.Random random = new java.util.Random(13);
        for (String[] names : new String[][] {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
                {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}}) {
            java.nio.ByteBuffer images = java.nio.ByteBuffer.allocate(16 + count * rows * cols);
            images.putInt(0x0803).putInt(count).putInt(rows).putInt(cols);
            byte[] pixels = new byte[count * rows * cols];
            random.nextBytes(pixels);
            images.put(pixels);
            Files.write(folder.resolve(names[0]), images.array());
            java.nio.ByteBuffer labels = java.nio.ByteBuffer.allocate(8 + count);
            labels.putInt(0x0801).putInt(count);
            for (int i = 0; i < count; i++) {
                labels.put((byte) (i % 10));
            }
            Files.write(folder.resolve(names[1]), labels.array());
        }
        return folder;
    }

    // exit code, a first line on stderr that starts with the expected text, nothing else but picocli's pointer to
    // --help after a usage error, no stack trace
    private static void assertOneLineError(Run run, int exitCode, String start) {
        assertEquals(exitCode, run.exitCode(), run::toString);
        List<String> lines = run.err().lines().toList();
        assertFalse(lines.isEmpty(), run::toString);
        assertTrue(lines.get(0).startsWith(start), () -> "expected a line starting with '" + start + "'\n" + run);
        assertTrue(lines.size() == 1 || (exitCode == 2 && lines.size() == 2 && lines.get(1).startsWith("Try '")),
                run::toString);
        assertNoStackTrace(run);
    }

    private void assertNoTemporaryFiles() {
        try (var files = Files.walk(directory)) {
            List<Path> temporary = files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
            assertTrue(temporary.isEmpty(), () -> "left behind: " + temporary);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // the figure decodes, has the layout's size, and its panels are neither blank nor uniform
    private static void assertFigure(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a readable PNG: " + png);
        int panel = 28 * FgsmFigure.SCALE;
        int margin = FgsmFigure.MARGIN;
        int operator = FgsmFigure.OPERATOR_WIDTH;
        assertEquals(2 * margin + 3 * panel + 2 * operator, image.getWidth());
        assertEquals(margin + FgsmFigure.TITLE_HEIGHT + panel + FgsmFigure.CAPTION_HEIGHT + FgsmFigure.FOOTER_HEIGHT
                + margin / 2, image.getHeight());
        int top = margin + FgsmFigure.TITLE_HEIGHT;
        int[] lefts = {margin, margin + panel + operator, margin + 2 * (panel + operator)};
        for (int left : lefts) {
            Set<Integer> colours = new HashSet<>();
            for (int y = top; y < top + panel; y += 4) {
                for (int x = left; x < left + panel; x += 4) {
                    colours.add(image.getRGB(x, y));
                }
            }
            // x and x' are grey images; the step is at least black and white
            int expected = left == lefts[1] ? 2 : 3;
            assertTrue(colours.size() >= expected, "panel at x=" + left + " has " + colours.size() + " colours");
        }
        // the step panel holds only black, grey and white
        Set<Integer> stepColours = new HashSet<>();
        for (int y = top; y < top + panel; y++) {
            for (int x = lefts[1]; x < lefts[1] + panel; x++) {
                stepColours.add(image.getRGB(x, y) & 0xFFFFFF);
            }
        }
        assertTrue(Set.of(0x000000, 0x808080, 0xFFFFFF).containsAll(stepColours), "step colours " + stepColours);
        // the captions below the panels are drawn (dark pixels on the white background)
        int dark = 0;
        for (int y = top + panel + 4; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFF) < 128) {
                    dark++;
                }
            }
        }
        assertTrue(dark > 200, "no captions: " + dark + " dark pixels below the panels");
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"), run::toString);
    }

    // the percentages of a row of RobustnessReport.table()
    private static double[] row(String text, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + " +((?: +[0-9.]+%)+)$").matcher(text);
        assertTrue(matcher.find(), () -> "no row '" + name + "' in\n" + text);
        return java.util.Arrays.stream(matcher.group(1).trim().split(" +"))
                .mapToDouble(v -> Double.parseDouble(v.replace("%", ""))).toArray();
    }

    private static String matchOf(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), () -> "no match for '" + regex + "' in\n" + text);
        return matcher.group(1);
    }

    private static double percent(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), () -> "no match for '" + regex + "' in\n" + text);
        return Double.parseDouble(matcher.group(1));
    }
}

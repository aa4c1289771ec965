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
                List.of("attack", "--epsilon", "-0.1"),
                List.of("attack", "--epsilon", "NaN"),
                List.of("attack", "--mode", "targeted"),
                List.of("attack", "--target", "3"),
                List.of("attack", "--mode", "targeted", "--target", "10"),
                List.of("attack", "--count", "0"),
                List.of("eval", "--batch", "0"),
                List.of("eval", "--backend", "cpu", "--data", "/nonexistent", "--sample"),
                List.of("bench", "--seconds", "-1"),
                List.of("demo", "--epsilons", "0,x"));
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

    private static double percent(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), () -> "no match for '" + regex + "' in\n" + text);
        return Double.parseDouble(matcher.group(1));
    }
}

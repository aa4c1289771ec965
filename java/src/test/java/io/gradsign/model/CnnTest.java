package io.gradsign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What works for MLPs works for CNNs: FGSM in every mode, the iterated attack, training, evaluation, the model file. */
class CnnTest {
    private static final String SPEC = "conv4k3p1-relu-pool2-conv6k3p1-relu-pool2-dense12-relu-dense5";
    private static final Shape INPUT = Shape.of(1, 12, 12);
    private static final int PIXELS = 144;
    private static final int CLASSES = 5;

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void fgsmIsTheSignStepOfTheNetworksGradient(BackendKind kind) {
        try (Backend backend = Backends.open(kind);
             Network model = Network.create(backend, INPUT, LayerSpec.parse(SPEC), 3);
             Fgsm fgsm = new Fgsm(model, 8); Workspace workspace = model.workspace(20)) {
            float[] images = TestBackends.uniform(4, 20 * PIXELS, 0f, 1f);
            int[] labels = new Random(5).ints(20, 0, CLASSES).toArray();
            FgsmResult result = fgsm.untargeted(images, labels, 0.1f);
            // the reference: the public passes, one batch of all 20
            Tensor x = workspace.input(20);
            x.copyFrom(images);
            workspace.logits(x);
            workspace.labels(20).copyFrom(labels);
            float[] gradient = workspace.inputGradient(workspace.crossEntropy(workspace.labels(20), 1f, true)).toArray();
            int moved = 0;
            for (int i = 0; i < images.length; i++) {
                float expected = Math.min(Math.max(images[i] + 0.1f * Math.signum(gradient[i]), 0f), 1f);
                if (gradient[i] != 0f && Math.abs(gradient[i]) > 1e-7f) {
                    assertEquals(expected, result.adversarial()[i], 0f, "pixel " + i);
                }
                if (result.adversarial()[i] != images[i]) {
                    moved++;
                }
            }
            assertTrue(moved > images.length / 2, "FGSM moved only " + moved + " pixels");
            assertTrue(meanLoss(model, result.adversarial(), labels) > meanLoss(model, images, labels),
                    "untargeted FGSM did not raise the loss");
        }
    }

    @Test
    void everyModeAndTheIteratedAttackWork() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, INPUT, LayerSpec.parse(SPEC), 7);
             Fgsm fgsm = new Fgsm(model, 16)) {
            float[] images = TestBackends.uniform(8, 30 * PIXELS, 0.2f, 0.8f);
            int[] labels = new Random(9).ints(30, 0, CLASSES).toArray();
            int[] targets = new int[30];
            java.util.Arrays.fill(targets, 1);
            FgsmResult targeted = fgsm.targeted(images, targets, 0.1f);
            assertTrue(meanLoss(model, targeted.adversarial(), targets) < meanLoss(model, images, targets),
                    "targeted FGSM did not lower the target's loss");
            FgsmResult virtual = fgsm.virtual(images, 0.1f);
            assertArrayEquals(fgsm.untargeted(images, virtual.cleanClass(), 0.1f).adversarial(), virtual.adversarial(), 0f);
            for (Fgsm.Mode mode : Fgsm.Mode.values()) {
                int[] given = mode == Fgsm.Mode.VIRTUAL ? null : labels;
                float[] once = new float[images.length];
                fgsm.iteratedSignSteps(mode, images, given, 0.05f, 0f, 1f, 1, once);
                assertArrayEquals(fgsm.attack(mode, images, given, 0.05f, 0f, 1f).adversarial(), once, 0f, mode.toString());
            }
            float[] iterated = new float[images.length];
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, images, labels, 0.01f, 0f, 1f, 5, iterated);
            assertTrue(meanLoss(model, iterated, labels) > meanLoss(model, images, labels));
        }
    }

    @Test
    void trainsOnFashionMnistAndRoundTripsThroughTheModelFile() throws Exception {
        Dataset train = FashionMnist.embeddedSample().train();
        Dataset test = FashionMnist.embeddedSample().test();
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(1, 28, 28),
                     LayerSpec.parse("conv8k3p1-relu-pool2-conv16k3p1-relu-pool2-dense10"), 1);
             Trainer trainer = new Trainer(model, 32, 0.05f, 0.9f, 2)) {
            double before = Evaluation.accuracy(model, test.images(), test.labels(), 100);
            double first = trainer.trainEpoch(train.images(), train.labels());
            double second = trainer.trainEpoch(train.images(), train.labels());
            double after = Evaluation.accuracy(model, test.images(), test.labels(), 100);
            assertTrue(second < first, "the loss did not fall: " + first + " then " + second);
            assertTrue(after > 0.6 && after > before + 0.3, "accuracy " + before + " -> " + after);
            Path file = directory.resolve("cnn.gsm");
            ModelFile.save(model, file);
            try (Network loaded = ModelFile.load(cpu, file)) {
                assertArrayEquals(Evaluation.predict(model, test.images(), 64), Evaluation.predict(loaded, test.images(), 64));
            }
            assertTrue(Files.size(file) > 4 * model.parameterCount());
        }
    }

    @Test
    void cudaTrainingMatchesCpu() {
        float[] images = TestBackends.uniform(12, 24 * PIXELS, 0f, 1f);
        int[] labels = new Random(13).ints(24, 0, CLASSES).toArray();
        float[][] weights = new float[2][];
        BackendKind[] kinds = {BackendKind.CPU, BackendKind.CUDA_EMULATED};
        for (int run = 0; run < 2; run++) {
            try (Backend backend = Backends.open(kinds[run]);
                 Network model = Network.create(backend, INPUT, LayerSpec.parse(SPEC), 14);
                 Trainer trainer = new Trainer(model, 8, 0.05f, 0.9f, 15)) {
                trainer.trainEpoch(images, labels);
                weights[run] = model.weights(0);
            }
        }
        io.gradsign.Tolerance.assertClose(weights[0], weights[1], 1e-5f, 1e-3f, "first conv's weights after an epoch");
    }

    private static double meanLoss(Network model, float[] images, int[] labels) {
        int count = labels.length;
        try (Workspace workspace = model.workspace(count)) {
            Tensor x = workspace.input(count);
            x.copyFrom(images);
            workspace.labels(count).copyFrom(labels);
            workspace.logits(x);
            workspace.crossEntropy(workspace.labels(count), 1f, false);
            double sum = 0;
            for (float l : workspace.losses(count).toArray()) {
                sum += l;
            }
            return sum / count;
        }
    }
}

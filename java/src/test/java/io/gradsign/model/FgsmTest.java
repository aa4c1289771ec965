package io.gradsign.model;

import io.gradsign.nn.Layer;
import io.gradsign.nn.Workspace;
import io.gradsign.nn.Network;
import io.gradsign.Shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import io.gradsign.cuda.CountingCudaLibrary;
import io.gradsign.cuda.CudaBackend;
import io.gradsign.cuda.CudaLibrary;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** FGSM on dense models: the linear law, the three modes, CUDA against the CPU, batching, validation. */
class FgsmTest {
    private static final int INPUTS = 40;
    private static final int CLASSES = 5;

    /**
     * Section 7.13's linear argument, exactly: for softmax regression a step of eps * sign(w_k) moves
     * logit k by eps * ||w_k||_1 (x kept inside [0, 1] so clipping does not cut the step).
     */
    @Test
    void stepAlongSignOfWeightsRaisesLogitByEpsilonTimesL1Norm() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(784), Network.softmaxRegression(10), 3)) {
            float[] x = TestBackends.uniform(4, 784, 0.2f, 0.8f);
            float epsilon = 0.05f;
            for (int k = 0; k < 10; k++) {
                float[] w = model.weights(0);
                float[] wk = java.util.Arrays.copyOfRange(w, k * 784, (k + 1) * 784);
                double l1 = 0;
                for (float v : wk) {
                    l1 += Math.abs(v);
                }
                try (Tensor xs = cpu.upload(x); Tensor g = cpu.upload(wk); Tensor moved = cpu.allocate(784)) {
                    cpu.signStep(moved, xs, g, epsilon, 0f, 1f);
                    double before = logit(model, x, k);
                    double after = logit(model, moved.toArray(), k);
                    assertEquals(epsilon * l1, after - before, 1e-4 * (1 + epsilon * l1), "class " + k);
                    assertTrue(epsilon * l1 > 0.5, "the law is shown on a step that matters: " + epsilon * l1);
                }
            }
        }
    }

    private static double logit(Network model, float[] x, int k) {
        Backend backend = model.backend();
        try (Tensor xs = backend.upload(x); Tensor logits = backend.allocate(model.classes())) {
            backend.denseForward(logits, xs, model.parameters(0).get(0), model.parameters(0).get(1), 1, model.inputSize(),
                    model.classes(), Activation.NONE);
            return logits.toArray()[k];
        }
    }

    @Test
    void untargetedRaisesTheLossAndTargetedRaisesTheTarget() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {16}, CLASSES), 5);
             Fgsm fgsm = new Fgsm(model, 32)) {
            float[] images = TestBackends.uniform(6, 100 * INPUTS, 0f, 1f);
            int[] labels = new Random(7).ints(100, 0, CLASSES).toArray();
            FgsmResult clean = fgsm.untargeted(images, labels, 0f);
            assertArrayEquals(images, clean.adversarial(), 0f, "epsilon 0 must not move anything");
            FgsmResult attacked = fgsm.untargeted(images, labels, 0.2f);
            assertTrue(meanLoss(model, attacked.adversarial(), labels) > meanLoss(model, images, labels) + 0.05,
                    "untargeted FGSM did not raise the loss");
            int[] targets = new int[100];
            java.util.Arrays.fill(targets, 2);
            FgsmResult targeted = fgsm.targeted(images, targets, 0.2f);
            assertTrue(meanLoss(model, targeted.adversarial(), targets) < meanLoss(model, images, targets) - 0.05,
                    "targeted FGSM did not lower the target's loss (raise its probability)");
        }
    }

    @Test
    void virtualEqualsUntargetedOnTheModelsOwnPredictions() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {16}, CLASSES), 8);
             Fgsm fgsm = new Fgsm(model, 16)) {
            float[] images = TestBackends.uniform(9, 50 * INPUTS, 0f, 1f);
            FgsmResult virtual = fgsm.virtual(images, 0.1f);
            FgsmResult untargeted = fgsm.untargeted(images, virtual.cleanClass(), 0.1f);
            assertArrayEquals(untargeted.adversarial(), virtual.adversarial(), 0f);
            assertArrayEquals(untargeted.adversarialClass(), virtual.adversarialClass());
        }
    }

    @Test
    void perturbEqualsAttackAndIteratesLikePgd() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {16}, CLASSES), 21);
             Fgsm fgsm = new Fgsm(model, 16)) {
            float[] images = TestBackends.uniform(22, 40 * INPUTS, 0.2f, 0.8f);
            int[] labels = new Random(23).ints(40, 0, CLASSES).toArray();
            for (Fgsm.Mode mode : Fgsm.Mode.values()) {
                int[] given = mode == Fgsm.Mode.VIRTUAL ? null : labels;
                float[] once = new float[images.length];
                fgsm.iteratedSignSteps(mode, images, given, 0.05f, 0f, 1f, 1, once);
                assertArrayEquals(fgsm.attack(mode, images, given, 0.05f, 0f, 1f).adversarial(), once, 0f, mode.toString());
            }
            float[] iterated = new float[images.length];
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, images, labels, 0.01f, 0f, 1f, 10, iterated);
            double maxMove = 0;
            for (int i = 0; i < images.length; i++) {
                maxMove = Math.max(maxMove, Math.abs(iterated[i] - images[i]));
            }
            assertTrue(maxMove > 0.015 && maxMove <= 0.1 + 1e-6, "10 steps of 0.01 moved a pixel by " + maxMove);
            assertTrue(meanLoss(model, iterated, labels) > meanLoss(model, images, labels), "iterated FGSM did not raise the loss");
            assertThrows(IllegalArgumentException.class,
                    () -> fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, images, labels, 0.01f, 0f, 1f, 0, iterated));
        }
    }

    @Test
    void aStreamOfBatchesEqualsOneBigBatch() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {12, 9}, CLASSES), 10);
             Fgsm small = new Fgsm(model, 7); Fgsm big = new Fgsm(model, 64)) {
            float[] images = TestBackends.uniform(11, 50 * INPUTS, 0f, 1f);
            int[] labels = new Random(12).ints(50, 0, CLASSES).toArray();
            FgsmResult a = small.untargeted(images, labels, 0.1f);
            FgsmResult b = big.untargeted(images, labels, 0.1f);
            // BLAS splits a product differently for another batch size: sums may differ in the last
            // bit, so a gradient within rounding of zero may flip its sign
            assertNearlySameStep(b.adversarial(), a.adversarial(), 0.1f);
            assertArrayEquals(b.cleanConfidence(), a.cleanConfidence(), 1e-5f);
            assertArrayEquals(b.adversarialClass(), a.adversarialClass());
        }
    }

    static Stream<Arguments> models() {
        return Stream.of(BackendKind.CUDA_EMULATED, BackendKind.CUDA).flatMap(kind -> Stream.of(
                Arguments.of(kind, "softmax regression", Network.softmaxRegression(10)),
                Arguments.of(kind, "MLP 784-64-32-10", Network.mlp(new int[] {64, 32}, 10))));
    }

    /**
     * A whole FGSM step on CUDA against the CPU. The input gradient is summed in a different order,
     * so where it is within rounding of zero its sign may flip: at most 0.5% of the elements may
     * differ, and each such element by exactly the flip of one step (eps or 2 eps, or less where
     * clipped). Predictions and confidences match to float tolerance.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("models")
    void cudaStepMatchesCpu(BackendKind kind, String name, List<Layer> layers) {
        int count = 37;
        float epsilon = 0.1f;
        float[] images = TestBackends.uniform(13, count * 784, 0f, 1f);
        int[] labels = new Random(14).ints(count, 0, 10).toArray();
        FgsmResult want;
        try (Backend cpu = Backends.open(BackendKind.CPU); Network model = Network.create(cpu, Shape.of(784), layers, 15);
             Fgsm fgsm = new Fgsm(model, 16)) {
            want = fgsm.untargeted(images, labels, epsilon);
        }
        FgsmResult got;
        try (Backend cuda = TestBackends.openCudaPath(kind); Network model = Network.create(cuda, Shape.of(784), layers, 15);
             Fgsm fgsm = new Fgsm(model, 16)) {
            got = fgsm.untargeted(images, labels, epsilon);
        }
        assertNearlySameStep(want.adversarial(), got.adversarial(), epsilon);
        assertArrayEquals(want.cleanClass(), got.cleanClass(), kind + " clean predictions");
        assertArrayEquals(want.cleanConfidence(), got.cleanConfidence(), 1e-4f, kind + " clean confidences");
        int classDiffer = 0;
        for (int i = 0; i < count; i++) {
            classDiffer += want.adversarialClass()[i] != got.adversarialClass()[i] ? 1 : 0;
        }
        assertTrue(classDiffer <= 1, classDiffer + " adversarial predictions differ");
        assertTrue(moved(images, got.adversarial()) > images.length / 2, "the attack moved too few pixels");
    }

    /**
     * One image at a time, where the CPU backend runs its fused step (every layer but the last split
     * over the cores, the last one the head), against CUDA's separate kernels, in every mode, through
     * attack (the forward pass before the step) and a three-step iteratedSignSteps (the step's own forward
     * pass); and against the CPU's batched path. Sums in another order: see {@link #assertNearlySameStep}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void oneImageAtATimeMatchesCudaAndBatches(BackendKind kind) {
        List<Layer> layers = Network.mlp(new int[] {256, 600}, 10);
        int count = 5;
        float epsilon = 0.05f;
        float[] images = TestBackends.uniform(31, count * 784, 0f, 1f);
        int[] labels = new Random(32).ints(count, 0, 10).toArray();
        try (Backend cpu = Backends.open(BackendKind.CPU); Network cpuModel = Network.create(cpu, Shape.of(784), layers, 33);
             Fgsm one = new Fgsm(cpuModel, 1); Fgsm batched = new Fgsm(cpuModel, 8);
             Backend cuda = TestBackends.openCudaPath(kind); Network cudaModel = Network.create(cuda, Shape.of(784), layers, 33);
             Fgsm cudaOne = new Fgsm(cudaModel, 1)) {
            for (Fgsm.Mode mode : Fgsm.Mode.values()) {
                int[] given = mode == Fgsm.Mode.VIRTUAL ? null : labels;
                FgsmResult want = cudaOne.attack(mode, images, given, epsilon, 0f, 1f);
                FgsmResult got = one.attack(mode, images, given, epsilon, 0f, 1f);
                assertNearlySameStep(want.adversarial(), got.adversarial(), epsilon);
                assertArrayEquals(want.cleanClass(), got.cleanClass(), mode + ": clean predictions");
                assertArrayEquals(want.cleanConfidence(), got.cleanConfidence(), 1e-4f, mode + ": clean confidences");
                assertNearlySameStep(batched.attack(mode, images, given, epsilon, 0f, 1f).adversarial(),
                        got.adversarial(), epsilon);
                float[] cudaSteps = new float[images.length];
                float[] cpuSteps = new float[images.length];
                cudaOne.iteratedSignSteps(mode, images, given, epsilon, 0f, 1f, 3, cudaSteps);
                one.iteratedSignSteps(mode, images, given, epsilon, 0f, 1f, 3, cpuSteps);
                assertNearlySameStep(cudaSteps, cpuSteps, 3 * epsilon);
                assertTrue(moved(images, cpuSteps) > images.length / 2, mode + ": the attack moved too few pixels");
            }
        }
    }

    static Stream<BackendKind> cudaKinds() {
        return Stream.of(BackendKind.CUDA_EMULATED, BackendKind.CUDA);
    }

    /**
     * At most 0.5% of the elements may differ, each by at most one flipped step (2 epsilon): where
     * the input gradient is within rounding of zero, two summation orders may disagree on its sign.
     */
    private static void assertNearlySameStep(float[] want, float[] got, float epsilon) {
        int differ = 0;
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                differ++;
                assertTrue(Math.abs(want[i] - got[i]) <= 2 * epsilon + 1e-6f, "element " + i + ": " + want[i] + " vs " + got[i]);
            }
        }
        assertTrue(differ <= want.length / 200, differ + " of " + want.length + " elements differ");
    }

    private static int moved(float[] a, float[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] != b[i] ? 1 : 0;
        }
        return n;
    }

    @Test
    void badInputThrowsBeforeNativeCode() {
        CountingCudaLibrary library = new CountingCudaLibrary(CudaLibrary.loadEmulated());
        try (CudaBackend cuda = CudaBackend.open(library);
             Network model = Network.create(cuda, Shape.of(INPUTS), Network.softmaxRegression(CLASSES), 1);
             Fgsm fgsm = new Fgsm(model, 8)) {
            float[] images = TestBackends.uniform(1, 3 * INPUTS, 0f, 1f);
            long before = library.calls();
            assertThrows(IllegalArgumentException.class, () -> fgsm.untargeted(new float[INPUTS + 1], new int[1], 0.1f));
            assertThrows(IllegalArgumentException.class, () -> fgsm.untargeted(images, new int[] {0, 5, 1}, 0.1f));
            assertThrows(IllegalArgumentException.class, () -> fgsm.untargeted(images, new int[] {0, 1}, 0.1f));
            assertThrows(IllegalArgumentException.class, () -> fgsm.untargeted(images, new int[] {0, 1, 2}, -0.1f));
            assertThrows(IllegalArgumentException.class, () -> fgsm.attack(Fgsm.Mode.UNTARGETED, images, new int[3], 0.1f, 1f, 0f));
            assertThrows(IllegalArgumentException.class, () -> fgsm.attack(Fgsm.Mode.VIRTUAL, images, new int[3], 0.1f, 0f, 1f));
            float[] withNaN = images.clone();
            withNaN[INPUTS + 3] = Float.NaN;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> fgsm.untargeted(withNaN, new int[3], 0.1f));
            assertTrue(e.getMessage().contains("value 3 of sample 1 is NaN"), e.getMessage());
            assertEquals(before, library.calls(), "a rejected attack reached native code");
            model.close();
            long afterClose = library.calls();
            assertThrows(IllegalStateException.class, () -> fgsm.untargeted(images, new int[3], 0.1f));
            assertEquals(afterClose, library.calls(), "an attack on a closed model reached native code");
        }
    }

    private static double meanLoss(Network model, float[] images, int[] labels) {
        int count = labels.length;
        try (Workspace workspace = model.workspace(count)) {
            Tensor x = workspace.input(count);
            x.copyFrom(images, 0, 0, images.length);
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

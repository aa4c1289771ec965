package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.StepBuffers;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import io.gradsign.Tolerance;
import io.gradsign.cpu.bindings.CpuKernels;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's step for batches over packed weights ({@link PackedDenseStep}): every buffer
 * against the separate operations within float tolerance (their products run in OpenBLAS's order),
 * x' equal wherever the reference gradient is clearly away from zero; each layer's outputs and
 * input gradients bit for bit against the packed kernel's documented order recomputed in Java, on
 * every instruction set this CPU has (Math.fma where the set fuses, a rounded product and sum on the
 * generic copy); packing once the same bits as packing every
 * run; a write to the weights after planning seen by the next run.
 */
class PackedDenseStepTest {
    private static final Activation RELU = Activation.RELU;
    private static final Activation NONE = Activation.NONE;

    private Backend backend;

    @BeforeEach
    void open() {
        backend = new CpuBackend();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    static Stream<Arguments> chains() {
        return Stream.of(
                // the benchmarks' MLP at odd batches
                Arguments.of(2, new int[] {784, 512, 512, 10}, new Activation[] {RELU, RELU, NONE}),
                Arguments.of(17, new int[] {784, 512, 512, 10}, new Activation[] {RELU, RELU, NONE}),
                // softmax regression
                Arguments.of(3, new int[] {784, 10}, new Activation[] {NONE}),
                Arguments.of(64, new int[] {784, 10}, new Activation[] {NONE}),
                // no width a multiple of 16, one wider than 1000, a hidden layer without activation, ReLU on the logits
                Arguments.of(5, new int[] {1031, 47, 33, 7}, new Activation[] {RELU, NONE, RELU}),
                Arguments.of(19, new int[] {300, 100, 77, 10}, new Activation[] {RELU, RELU, NONE}));
    }

    @ParameterizedTest
    @MethodSource("chains")
    void matchesTheSeparateOperations(int batch, int[] widths, Activation[] activations) {
        for (long seed = 1; seed <= 2; seed++) {
            Tensor[][] parameters = StepBuffers.parameters(backend, widths, seed);
            StepBuffers actual = new StepBuffers(backend, batch, widths, seed);
            StepBuffers expected = new StepBuffers(backend, batch, widths, seed);
            poison(actual);
            float scale = seed % 2 == 0 ? -1f : 1f;
            GradientStep step = Plans.denseStep(backend, actual.chain(activations, parameters)).orElseThrow();
            step.run(actual.x, actual.adversarial, scale, 0.1f, 0f, 1f, true);
            expected.stepByOperations(activations, parameters, expected.x, expected.adversarial, scale, 0.1f);
            String what = "batch " + batch + " " + Arrays.toString(widths) + " seed " + seed;
            assertClose(expected, actual, what);
        }
    }

    @ParameterizedTest
    @MethodSource("chains")
    void givesTheBitsOfItsDocumentedOrderOnEveryInstructionSet(int batch, int[] widths, Activation[] activations) {
        int best = CpuKernels.gradsign_cpu_use_isa(2);
        try {
            for (int isa = 0; isa <= best; isa++) {
                assertEquals(isa, CpuKernels.gradsign_cpu_use_isa(isa));
                // generic rounds each product and sum apart; AVX2 and AVX-512 fuse them
                assertDocumentedOrder(batch, widths, activations, isa > 0, "isa " + isa);
            }
        } finally {
            CpuKernels.gradsign_cpu_use_isa(best);
        }
    }

    private void assertDocumentedOrder(int batch, int[] widths, Activation[] activations, boolean fused, String isa) {
        Tensor[][] parameters = StepBuffers.parameters(backend, widths, 5);
        StepBuffers actual = new StepBuffers(backend, batch, widths, 5);
        poison(actual);
        new PackedDenseStep(actual.chain(activations, parameters), false).run(actual.x, actual.adversarial, 1f, 0.1f,
                0f, 1f, true);
        int layers = activations.length;
        float[] input = actual.x.toArray();
        for (int l = 0; l < layers; l++) {
            float[] want = product(input, parameters[0][l].toArray(), parameters[1][l].toArray(), batch, widths[l],
                    widths[l + 1], true, fused);
            Dense.activate(want, 0, want.length, activations[l]);
            assertArrayEquals(want, actual.outputs[l].toArray(), isa + ": output " + l);
            input = actual.outputs[l].toArray();
        }
        float[] gradient = actual.logitGradients.toArray();
        for (int l = layers - 1; l >= 0; l--) {
            float[] want = product(gradient, parameters[0][l].toArray(), null, batch, widths[l + 1], widths[l], false,
                    fused);
            if (l > 0 && activations[l - 1] == RELU) {
                float[] below = actual.outputs[l - 1].toArray();
                for (int i = 0; i < want.length; i++) {
                    want[i] *= ActivationBackward.reluDerivative(below[i]);
                }
            }
            assertArrayEquals(want, actual.inputGradients[l].toArray(), isa + ": input gradient " + l);
            gradient = actual.inputGradients[l].toArray();
        }
        float[] x = actual.x.toArray();
        float[] stepped = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            stepped[i] = SignStep.signStepOne(x[i], gradient[i], 0.1f, 0f, 1f);
        }
        assertArrayEquals(stepped, actual.adversarial.toArray(), isa + ": x'");
    }

    @Test
    void packingOnceGivesTheBitsOfPackingEveryRun() {
        int[] widths = {784, 512, 512, 10};
        Activation[] activations = {RELU, RELU, NONE};
        int batch = 33;
        Tensor[][] parameters = StepBuffers.parameters(backend, widths, 3);
        StepBuffers once = new StepBuffers(backend, batch, widths, 3);
        StepBuffers every = new StepBuffers(backend, batch, widths, 3);
        PackedDenseStep packedOnce = new PackedDenseStep(once.chain(activations, parameters), false);
        PackedDenseStep packedEvery = new PackedDenseStep(every.chain(activations, parameters), true);
        for (int run = 0; run < 3; run++) {
            // iterated steps in place, as Fgsm runs them after the first
            Tensor from = run == 0 ? once.x : once.adversarial;
            packedOnce.run(from, once.adversarial, 1f, 0.05f, 0f, 1f, true);
            packedEvery.run(run == 0 ? every.x : every.adversarial, every.adversarial, 1f, 0.05f, 0f, 1f, true);
            every.assertSameAs(once, "run " + run);
        }
        assertEquals(1, packedOnce.packings(0));
        assertEquals(3, packedEvery.packings(0));
    }

    @Test
    void seesWeightsWrittenAfterPlanning() {
        int[] widths = {100, 40, 10};
        Activation[] activations = {RELU, NONE};
        int batch = 9;
        Tensor[][] parameters = StepBuffers.parameters(backend, widths, 4);
        StepBuffers actual = new StepBuffers(backend, batch, widths, 4);
        PackedDenseStep step = new PackedDenseStep(actual.chain(activations, parameters), false);
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        float[] before = actual.outputs[1].toArray();
        // new weights through copyFrom: the next run packs them again
        parameters[0][1].copyFrom(TestBackends.uniform(99, 40 * 10, -1f, 1f));
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        assertEquals(2, step.packings(1));
        assertEquals(1, step.packings(0));
        assertFalse(Arrays.equals(before, actual.outputs[1].toArray()), "outputs after new weights");
        StepBuffers expected = new StepBuffers(backend, batch, widths, 4);
        new PackedDenseStep(expected.chain(activations, parameters), false).run(expected.x, expected.adversarial, 1f,
                0.1f, 0f, 1f, true);
        actual.assertSameAs(expected, "after copyFrom");
        // and through an operation of the backend that writes them
        backend.signStep(parameters[0][0], parameters[0][0], parameters[0][0], 0.01f, -1f, 1f);
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        assertEquals(2, step.packings(0));
    }

    @Test
    void wrappedWeightsArePackedEveryRun() {
        int[] widths = {30, 20, 10};
        float[] w0 = TestBackends.uniform(1, 30 * 20, -0.3f, 0.3f);
        Tensor[][] parameters = StepBuffers.parameters(backend, widths, 1);
        parameters[0][0] = backend.wrap(w0, 0, w0.length).orElseThrow();
        StepBuffers actual = new StepBuffers(backend, 4, widths, 1);
        PackedDenseStep step = new PackedDenseStep(actual.chain(new Activation[] {RELU, NONE}, parameters), false);
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        float[] before = actual.outputs[0].toArray();
        Arrays.fill(w0, 0.01f);
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        assertFalse(Arrays.equals(before, actual.outputs[0].toArray()), "outputs after the caller's write");
        assertEquals(2, step.packings(0));
    }

    @Test
    void runsWithoutTheForwardPassFromTheOutputsThere() {
        int[] widths = {784, 64, 10};
        Activation[] activations = {RELU, NONE};
        Tensor[][] parameters = StepBuffers.parameters(backend, widths, 6);
        StepBuffers actual = new StepBuffers(backend, 7, widths, 6);
        StepBuffers expected = new StepBuffers(backend, 7, widths, 6);
        PackedDenseStep step = new PackedDenseStep(actual.chain(activations, parameters), false);
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        new PackedDenseStep(expected.chain(activations, parameters), false).run(expected.x, expected.adversarial, 1f,
                0.1f, 0f, 1f, true);
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, false);
        actual.assertSameAs(expected, "without the forward pass");
    }

    @Test
    void offeredForReluChainsAboveOneSampleAndNotForTanh() {
        int[] widths = {20, 8, 3};
        Tensor[][] parameters = StepBuffers.parameters(backend, widths, 2);
        StepBuffers buffers = new StepBuffers(backend, 4, widths, 2);
        assertTrue(Plans.denseStep(backend, buffers.chain(new Activation[] {RELU, NONE}, parameters)).isPresent());
        assertTrue(Plans.denseStep(backend, buffers.chain(new Activation[] {Activation.TANH, NONE}, parameters))
                .isEmpty());
        assertTrue(Plans.denseStep(backend, buffers.chain(new Activation[] {Activation.SIGMOID, NONE}, parameters))
                .isEmpty());
    }

    /** NaN in every buffer the step writes, so an unwritten element fails. */
    private static void poison(StepBuffers buffers) {
        for (Tensor tensor : buffers.outputs) {
            fillNaN(tensor);
        }
        for (Tensor tensor : buffers.inputGradients) {
            fillNaN(tensor);
        }
        fillNaN(buffers.probabilities);
        fillNaN(buffers.losses);
        fillNaN(buffers.logitGradients);
        fillNaN(buffers.adversarial);
    }

    private static void fillNaN(Tensor tensor) {
        float[] nan = new float[(int) tensor.length()];
        Arrays.fill(nan, Float.NaN);
        tensor.copyFrom(nan);
    }

    /**
     * c (rows, n) = a (rows, k) times W&#7488; (forward: W is (n, k)) or W (backward: W is (k, n)),
     * each element from its bias (or 0) by multiply-adds in ascending k: fused, or rounded twice as
     * the generic kernel does without FMA.
     */
    private static float[] product(float[] a, float[] w, float[] bias, int rows, int k, int n, boolean transposed,
                                   boolean fused) {
        float[] c = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                float s = bias == null ? 0f : bias[j];
                for (int kk = 0; kk < k; kk++) {
                    float b = transposed ? w[j * k + kk] : w[kk * n + j];
                    s = fused ? Math.fma(a[r * k + kk], b, s) : s + a[r * k + kk] * b;
                }
                c[r * n + j] = s;
            }
        }
        return c;
    }

    /**
     * Every buffer within float tolerance of the separate operations'; x' equal where the reference
     * input gradient is clearly away from zero (there the sign cannot flip by rounding), and elsewhere
     * differing in at most 1% of the elements.
     */
    private static void assertClose(StepBuffers expected, StepBuffers actual, String what) {
        for (int l = 0; l < expected.outputs.length; l++) {
            Tolerance.assertClose(expected.outputs[l].toArray(), actual.outputs[l].toArray(), 1e-4f, 1e-4f,
                    what + ": output " + l);
            Tolerance.assertClose(expected.inputGradients[l].toArray(), actual.inputGradients[l].toArray(), 1e-6f,
                    1e-3f, what + ": input gradient " + l);
        }
        Tolerance.assertClose(expected.probabilities.toArray(), actual.probabilities.toArray(), 1e-5f, 1e-4f,
                what + ": probabilities");
        Tolerance.assertClose(expected.losses.toArray(), actual.losses.toArray(), 1e-5f, 1e-4f, what + ": losses");
        Tolerance.assertClose(expected.logitGradients.toArray(), actual.logitGradients.toArray(), 1e-5f, 1e-4f,
                what + ": logit gradients");
        float[] gradient = expected.inputGradients[0].toArray();
        float[] want = expected.adversarial.toArray();
        float[] got = actual.adversarial.toArray();
        float largest = 0;
        for (float g : gradient) {
            largest = Math.max(largest, Math.abs(g));
        }
        int flips = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                assertTrue(Math.abs(gradient[i]) <= 1e-4f * largest, what + ": x'[" + i + "] " + got[i] + ", want "
                        + want[i] + " at gradient " + gradient[i]);
                flips++;
            }
        }
        assertTrue(flips <= want.length / 100, what + ": " + flips + " of " + want.length + " signs flipped");
    }
}

package io.gradsign.cpu;

import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.StepBuffers;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's fused step at batch 1, no layer over transposed weights (those are the business of
 * {@link FusedStepOneTransposedTest}), gives the bits of the separate operations in every buffer
 * (those operations are checked against finite differences and the CUDA kernels elsewhere), on
 * chains whose widths are and are not multiples of the 16-row ranges, whose layers are split over
 * the cores or not, with and without the forward pass, ascending and descending, in place or not.
 */
class FusedStepOneTest {
    private Backend backend;

    @BeforeEach
    void open() {
        backend = new CpuBackend(false);
    }

    @AfterEach
    void close() {
        backend.close();
    }

    static Stream<Arguments> chains() {
        return Stream.of(
                // softmax regression: one phase, on the caller alone
                Arguments.of(new int[] {784, 10}, new Activation[] {Activation.NONE}),
                // the benchmarks' MLP: its hidden layers split over the cores
                Arguments.of(new int[] {784, 512, 512, 10},
                        new Activation[] {Activation.RELU, Activation.RELU, Activation.NONE}),
                // no width a multiple of 16
                Arguments.of(new int[] {37, 53, 29, 7}, new Activation[] {Activation.RELU, Activation.TANH,
                        Activation.NONE}),
                // a wide layer whose ranges end off the 16-row grid; an activation on the logits
                Arguments.of(new int[] {301, 1000, 3}, new Activation[] {Activation.TANH, Activation.RELU}),
                // one input, one class
                Arguments.of(new int[] {1, 70, 1}, new Activation[] {Activation.RELU, Activation.NONE}),
                // sigmoid, whose derivative runs in Java as tanh's does, split and on the logits
                Arguments.of(new int[] {300, 600, 33, 5}, new Activation[] {Activation.SIGMOID, Activation.RELU,
                        Activation.SIGMOID}));
    }

    private StepBuffers buffers(int[] widths, long seed) {
        return new StepBuffers(backend, 1, widths, seed);
    }

    private Tensor[][] parameters(int[] widths, long seed) {
        return StepBuffers.parameters(backend, widths, seed);
    }

    @ParameterizedTest
    @MethodSource("chains")
    void fusedStepGivesTheBitsOfTheOperations(int[] widths, Activation[] activations) {
        for (long seed = 1; seed <= 4; seed++) {
            Tensor[][] parameters = parameters(widths, seed);
            StepBuffers expected = buffers(widths, seed);
            StepBuffers actual = buffers(widths, seed);
            float scale = seed % 2 == 0 ? -1f : 1f;
            expected.stepByOperations(activations, parameters, expected.x, expected.adversarial, scale, 0.1f);
            GradientStep step = Plans.denseStep(backend, actual.chain(activations, parameters)).orElseThrow();
            // twice: the second run starts from the first one's state (generations, shares)
            for (int run = 0; run < 2; run++) {
                step.run(actual.x, actual.adversarial, scale, 0.1f, 0f, 1f, true);
                actual.assertSameAs(expected, "seed " + seed + ", run " + run);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("chains")
    void fusedStepWithoutForwardUsesTheOutputsInPlace(int[] widths, Activation[] activations) {
        Tensor[][] parameters = parameters(widths, 7);
        StepBuffers expected = buffers(widths, 7);
        StepBuffers actual = buffers(widths, 7);
        expected.stepByOperations(activations, parameters, expected.x, expected.x, 1f, 0.05f);
        actual.forward(activations, parameters, actual.x);
        Plans.denseStep(backend, actual.chain(activations, parameters)).orElseThrow()
                .run(actual.x, actual.x, 1f, 0.05f, 0f, 1f, false);
        // x' written over x, as the PGD loop does; adversarial untouched in both
        actual.assertSameAs(expected, "in place, forward already run");
    }

    @Test
    void theMlpRunsInFivePhasesAndSoftmaxRegressionInOne() {
        Tensor[][] mlp = parameters(new int[] {784, 512, 512, 10}, 1);
        Activation[] relu = {Activation.RELU, Activation.RELU, Activation.NONE};
        FusedStepOne step = new FusedStepOne(buffers(new int[] {784, 512, 512, 10}, 1).chain(relu, mlp), true);
        boolean split = CpuWorkers.CORES > 1;
        // forward 1 | forward 2 | the head (last layer, loss, its backward) and backward 2 | backward 1 | sign step
        assertEquals(split ? 5 : 1, step.phaseCount(true));
        assertEquals(split ? 3 : 1, step.phaseCount(false));
        Tensor[][] regression = parameters(new int[] {784, 10}, 1);
        FusedStepOne one = new FusedStepOne(buffers(new int[] {784, 10}, 1).chain(new Activation[] {
            Activation.NONE}, regression), true);
        assertEquals(1, one.phaseCount(true));
    }

    @Test
    void batchesOfSeveralGetThePackedStepNotThisOne() {
        int[] widths = {8, 4};
        Tensor[][] parameters = parameters(widths, 1);
        DenseChain two = new DenseChain(2, widths, new Activation[] {Activation.NONE}, parameters[0], parameters[1],
                new Tensor[] {backend.allocate(8)}, new Tensor[] {backend.allocate(16)}, backend.allocate(8),
                backend.allocate(2), backend.allocate(8), backend.uploadLabels(new int[2], 4));
        assertTrue(backend instanceof CpuBackend cpu && cpu.planDenseStep(two).orElseThrow() instanceof PackedDenseStep);
    }

    @Test
    void badArgumentsAreRefusedBeforeTheStep() {
        int[] widths = {37, 53, 7};
        Activation[] activations = {Activation.RELU, Activation.NONE};
        Tensor[][] parameters = parameters(widths, 3);
        StepBuffers buffers = buffers(widths, 3);
        GradientStep step = Plans.denseStep(backend, buffers.chain(activations, parameters)).orElseThrow();
        Tensor x = buffers.x;
        Tensor out = buffers.adversarial;
        assertThrows(IllegalArgumentException.class, () -> step.run(x, out, 1f, -0.1f, 0f, 1f, true));
        assertThrows(IllegalArgumentException.class, () -> step.run(x, out, 1f, Float.NaN, 0f, 1f, true));
        assertThrows(IllegalArgumentException.class, () -> step.run(x, out, Float.POSITIVE_INFINITY, 0.1f, 0f, 1f,
                true));
        assertThrows(IllegalArgumentException.class, () -> step.run(x, out, 1f, 0.1f, 1f, 0f, true));
        Tensor short1 = backend.allocate(36);
        assertThrows(IllegalArgumentException.class, () -> step.run(short1, out, 1f, 0.1f, 0f, 1f, true));
        Tensor wide = backend.allocate(74);
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> step.run(wide.view(0, 37), wide.view(1, 37), 1f, 0.1f, 0f, 1f, true));
        assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());
        IllegalArgumentException intoChain = assertThrows(IllegalArgumentException.class,
                () -> step.run(x, buffers.inputGradients[0], 1f, 0.1f, 0f, 1f, true));
        assertTrue(intoChain.getMessage().contains("input gradient of layer 0"), intoChain.getMessage());
        try (Backend other = new CpuBackend()) {
            Tensor foreign = other.allocate(37);
            assertThrows(IllegalArgumentException.class, () -> step.run(foreign, out, 1f, 0.1f, 0f, 1f, true));
        }
        parameters[0][1].close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> step.run(x, out, 1f, 0.1f, 0f, 1f, true));
        assertTrue(closed.getMessage().contains("weights of layer 1"), closed.getMessage());
        backend.close();
        assertThrows(IllegalStateException.class, () -> step.run(x, out, 1f, 0.1f, 0f, 1f, true));
    }

    @Test
    void aChainWhoseBuffersShareMemoryIsRefused() {
        int[] widths = {8, 4};
        Tensor[][] parameters = parameters(widths, 1);
        Tensor shared = backend.allocate(8);
        DenseChain chain = new DenseChain(1, widths, new Activation[] {Activation.NONE}, parameters[0],
                parameters[1], new Tensor[] {shared.view(0, 4)}, new Tensor[] {backend.allocate(8)},
                shared.view(2, 4), backend.allocate(1), backend.allocate(4), backend.uploadLabels(new int[1], 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plans.denseStep(backend, chain));
        assertTrue(e.getMessage().contains("probabilities"), e.getMessage());
    }
}

package io.gradsign.cuda;

import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.StepBuffers;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend's fused gradient step gives the bits of the separate operations in every buffer
 * (those are checked against the CPU and finite differences elsewhere): batches of 1 to 8 take the
 * few-rows kernels with the element-wise steps in their epilogue, 9 and up the tiled product and the
 * element-wise kernels; on the emulation everywhere, and on a GPU where one is present.
 */
class CudaGradientStepTest {
    private static final Activation[] MLP = {Activation.RELU, Activation.RELU, Activation.NONE};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (int batch : new int[] {1, 3, 8, 9}) {
                // softmax regression: the sign step's epilogue on the only layer
                cases.add(Arguments.of(kind, batch, new int[] {784, 10}, new Activation[] {Activation.NONE}));
                // the benchmarks' MLP
                cases.add(Arguments.of(kind, batch, new int[] {784, 512, 512, 10}, MLP));
                // no width a multiple of 32 (the kernels' column blocks); tanh and ReLU epilogues
                cases.add(Arguments.of(kind, batch, new int[] {37, 53, 29, 7},
                        new Activation[] {Activation.RELU, Activation.TANH, Activation.NONE}));
                // an activation on the logits, which stays a step of its own
                cases.add(Arguments.of(kind, batch, new int[] {301, 100, 3},
                        new Activation[] {Activation.TANH, Activation.RELU}));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void fusedStepGivesTheBitsOfTheOperations(BackendKind kind, int batch, int[] widths, Activation[] activations) {
        try (Backend backend = TestBackends.openCudaPath(kind)) {
            for (long seed = 1; seed <= 2; seed++) {
                Tensor[][] parameters = StepBuffers.parameters(backend, widths, seed);
                StepBuffers expected = new StepBuffers(backend, batch, widths, seed);
                StepBuffers actual = new StepBuffers(backend, batch, widths, seed);
                float scale = seed % 2 == 0 ? -1f / batch : 1f / batch;
                expected.stepByOperations(activations, parameters, expected.x, expected.adversarial, scale, 0.1f);
                GradientStep step = Plans.denseStep(backend, actual.chain(activations, parameters))
                        .orElseThrow();
                for (int run = 0; run < 2; run++) {
                    step.run(actual.x, actual.adversarial, scale, 0.1f, 0f, 1f, true);
                    actual.assertSameAs(expected, kind + ", batch " + batch + ", seed " + seed + ", run " + run);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void fusedStepWithoutForwardStepsInPlace(BackendKind kind, int batch, int[] widths, Activation[] activations) {
        try (Backend backend = TestBackends.openCudaPath(kind)) {
            Tensor[][] parameters = StepBuffers.parameters(backend, widths, 7);
            StepBuffers expected = new StepBuffers(backend, batch, widths, 7);
            StepBuffers actual = new StepBuffers(backend, batch, widths, 7);
            expected.stepByOperations(activations, parameters, expected.x, expected.x, 1f, 0.05f);
            actual.forward(activations, parameters, actual.x);
            Plans.denseStep(backend, actual.chain(activations, parameters)).orElseThrow()
                    .run(actual.x, actual.x, 1f, 0.05f, 0f, 1f, false);
            actual.assertSameAs(expected, kind + ", batch " + batch + ", in place, forward already run");
        }
    }

    @Test
    void theMlpStepIsSevenNativeCallsAndBadArgumentsMakeNone() {
        CountingCudaLibrary library = new CountingCudaLibrary(CudaLibrary.loadEmulated());
        try (Backend backend = CudaBackend.open(library)) {
            int[] widths = {784, 512, 512, 10};
            Tensor[][] parameters = StepBuffers.parameters(backend, widths, 3);
            StepBuffers buffers = new StepBuffers(backend, 1, widths, 3);
            GradientStep step = Plans.denseStep(backend, buffers.chain(MLP, parameters)).orElseThrow();
            long before = library.calls();
            step.run(buffers.x, buffers.adversarial, 1f, 0.1f, 0f, 1f, true);
            // the first step allocates the products' scratch (malloc, memset); later ones reuse it
            assertEquals(9, library.calls() - before);
            assertEquals(1, ((CudaBackend) backend).scratchCount());
            before = library.calls();
            step.run(buffers.x, buffers.adversarial, 1f, 0.1f, 0f, 1f, true);
            // three forward products, the loss, two backward products with the ReLU's derivative, and the
            // first layer's backward product with the sign step (the separate operations take ten)
            assertEquals(7, library.calls() - before);
            before = library.calls();
            assertThrows(IllegalArgumentException.class,
                    () -> step.run(buffers.x, buffers.adversarial, 1f, -0.1f, 0f, 1f, true));
            assertThrows(IllegalArgumentException.class,
                    () -> step.run(buffers.x, buffers.inputGradients[0], 1f, 0.1f, 0f, 1f, true));
            assertEquals(before, library.calls(), "a refused step reached native code");
        }
    }
}

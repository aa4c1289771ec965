package io.gradsign.cpu;

import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
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
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's fused step at batch 1 where layers run their forward pass over transposed
 * weights (a hidden layer above a ReLU; the first layer for an image at least a quarter zero). Such a
 * layer's outputs are the bits of its own order of operations (each row's bias, then its terms
 * x[c] w[r, c] for the non-zero inputs in ascending c, fused multiply-adds where the instruction set
 * has them), recomputed here in Java from the step's own input to the layer; every other layer's
 * outputs are the bits of the separate forward operation on that same input. The backward pass and
 * the sign step are the bits of the separate operations run from the step's outputs, except that a
 * hidden layer over transposed weights runs its backward product over them too (the bytes its forward
 * pass read), whose bits are those of its kernel's documented order, recomputed here. A write to
 * the weights through the backend, by any path, is seen by the next step; wrapped weights are never
 * transposed.
 */
class FusedStepOneTransposedTest {
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
        Activation relu = Activation.RELU;
        Activation tanh = Activation.TANH;
        Activation none = Activation.NONE;
        return Stream.of(
                // the benchmarks' MLP: layer 1 always, layer 0 for a sparse image
                Arguments.of(new int[] {784, 512, 512, 10}, new Activation[] {relu, relu, none}, new boolean[] {true,
                    true, false}),
                // no width a multiple of 16: ranges and vectors that end off the grid
                Arguments.of(new int[] {300, 100, 77, 10}, new Activation[] {relu, relu, none}, new boolean[] {true,
                    true, false}),
                // a tanh below layer 1: its input is not sparse, so only layer 0 can be transposed
                Arguments.of(new int[] {150, 70, 80, 3}, new Activation[] {tanh, relu, none}, new boolean[] {true,
                    false, false}),
                // three hidden layers, the last too narrow for a transposed pass
                Arguments.of(new int[] {200, 96, 64, 40, 5}, new Activation[] {relu, relu, tanh, none},
                    new boolean[] {true, true, false, false}));
    }

    private Tensor[][] parameters(int[] widths, long seed) {
        return StepBuffers.parameters(backend, widths, seed);
    }

    /** An image in [0, 1] with about {@code zeroFraction} of its pixels exactly zero. */
    private static float[] image(int width, long seed, double zeroFraction) {
        float[] x = TestBackends.uniform(seed, width, 0f, 1f);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < width; i++) {
            if (random.nextDouble() < zeroFraction) {
                x[i] = 0f;
            }
        }
        return x;
    }

    @ParameterizedTest
    @MethodSource("chains")
    void eachLayerGivesTheBitsOfItsOrderAndTheBackwardPassThoseOfTheOperations(int[] widths, Activation[] activations,
                                                                               boolean[] transposable) {
        for (double zeros : new double[] {0, 0.5}) {
            for (long seed = 1; seed <= 3; seed++) {
                Tensor[][] parameters = parameters(widths, seed);
                StepBuffers actual = new StepBuffers(backend, 1, widths, seed);
                actual.x.copyFrom(image(widths[0], seed, zeros));
                FusedStepOne step = new FusedStepOne(actual.chain(activations, parameters), true);
                float scale = seed % 2 == 0 ? -1f : 1f;
                String what = "zeros " + zeros + ", seed " + seed;
                // twice: the second run reuses the transposed copies
                for (int run = 0; run < 2; run++) {
                    step.run(actual.x, actual.adversarial, scale, 0.1f, 0f, 1f, true);
                    boolean sparse = zeros > 0;
                    for (int l = 0; l < activations.length; l++) {
                        assertEquals(transposable[l] && (l > 0 || sparse), step.transposes(l, sparse),
                                what + ": layer " + l + " transposed");
                    }
                    assertForwardBits(actual, activations, parameters, step, sparse, what + ", run " + run);
                    assertBackwardBits(actual, activations, parameters, step, scale, what + ", run " + run);
                }
            }
        }
    }

    /** Each layer's outputs from the step's own input to it: the transposed order's bits, or the operation's. */
    private void assertForwardBits(StepBuffers actual, Activation[] activations, Tensor[][] parameters,
                                   FusedStepOne step, boolean sparse, String what) {
        int layers = activations.length;
        Tensor input = actual.x;
        for (int l = 0; l < layers; l++) {
            int in = (int) parameters[0][l].length() / (int) parameters[1][l].length();
            int out = (int) parameters[1][l].length();
            float[] want;
            if (step.transposes(l, sparse)) {
                want = transposedOrder(input.toArray(), parameters[0][l].toArray(), parameters[1][l].toArray(), in,
                        out);
                Dense.activate(want, 0, out, activations[l]);
            } else {
                try (Tensor y = backend.allocate(out)) {
                    backend.denseForward(y, input, parameters[0][l], parameters[1][l], 1, in, out, activations[l]);
                    want = y.toArray();
                }
            }
            assertArrayEquals(want, actual.outputs[l].toArray(), what + ": output " + l);
            input = actual.outputs[l];
        }
    }

    /**
     * The backward pass and sign step from the step's outputs, as the separate operations run them,
     * except that a transposed layer's backward product is the Java reference of its kernel's order
     * (per range of rows, then the ranges' shares added in order), give the step's bits.
     */
    private void assertBackwardBits(StepBuffers actual, Activation[] activations, Tensor[][] parameters,
                                    FusedStepOne step, float scale, String what) {
        int layers = activations.length;
        int[] widths = new int[layers + 1];
        widths[0] = (int) actual.x.length();
        for (int l = 0; l < layers; l++) {
            widths[l + 1] = (int) parameters[1][l].length();
        }
        StepBuffers expected = new StepBuffers(backend, 1, widths, 0);
        backend.softmaxCrossEntropy(expected.probabilities, expected.losses, expected.logitGradients,
                actual.outputs[layers - 1], actual.labels, 1, widths[layers], scale);
        Tensor gradient = expected.logitGradients;
        for (int l = layers - 1; l >= 0; l--) {
            if (activations[l] != Activation.NONE) {
                backend.activationBackward(gradient, gradient, actual.outputs[l], activations[l]);
            }
            if (l > 0 && step.transposes(l, false)) {
                expected.inputGradients[l].copyFrom(transposedBackwardOrder(parameters[0][l].toArray(),
                        gradient.toArray(), actual.outputs[l - 1].toArray(), widths[l], widths[l + 1]));
            } else {
                backend.denseBackwardInput(expected.inputGradients[l], gradient, parameters[0][l], 1, widths[l],
                        widths[l + 1]);
            }
            gradient = expected.inputGradients[l];
        }
        backend.signStep(expected.adversarial, actual.x, expected.inputGradients[0], 0.1f, 0f, 1f);
        assertArrayEquals(expected.adversarial.toArray(), actual.adversarial.toArray(), what + ": x'");
        assertArrayEquals(expected.probabilities.toArray(), actual.probabilities.toArray(), what + ": probabilities");
        assertArrayEquals(expected.logitGradients.toArray(), actual.logitGradients.toArray(),
                what + ": logit gradient");
        for (int l = 0; l < layers; l++) {
            assertArrayEquals(expected.inputGradients[l].toArray(), actual.inputGradients[l].toArray(),
                    what + ": input gradient " + l);
        }
    }

    /**
     * The backward product over transposed weights: per range of output rows (the forward pass's
     * split), dx[i] = 0 where below[i] is 0, else the dot product of weights[r, i] and dy[r] over the
     * range in the kernels' order (see gradsign_cpu.h); then the ranges' shares added in order.
     */
    static float[] transposedBackwardOrder(float[] weights, float[] dy, float[] below, int in, int out) {
        int isa = CpuKernels.gradsign_cpu_isa();
        int lanes = isa == 2 ? 16 : isa == 1 ? 8 : 4;
        boolean fused = isa > 0;
        int parts = Dense.partsOne(in, out);
        float[] dx = new float[in];
        for (int part = 0; part < parts; part++) {
            int from = CpuWorkers.start(out, part, parts, Dense.ROW_ALIGN);
            int to = CpuWorkers.start(out, part + 1, parts, Dense.ROW_ALIGN);
            for (int i = 0; i < in; i++) {
                float share = 0f;
                if (below[i] != 0f) {
                    float[] lane = new float[lanes];
                    int j = from;
                    for (; j + lanes <= to; j += lanes) {
                        for (int l = 0; l < lanes; l++) {
                            float w = weights[(j + l) * in + i];
                            lane[l] = fused ? Math.fma(w, dy[j + l], lane[l]) : lane[l] + w * dy[j + l];
                        }
                    }
                    for (int width = lanes / 2; width >= 4; width /= 2) {
                        for (int l = 0; l < width; l++) {
                            lane[l] = lane[l] + lane[l + width];
                        }
                    }
                    share = (lane[0] + lane[2]) + (lane[1] + lane[3]);
                    for (; j < to; j++) {
                        float w = weights[j * in + i];
                        share = fused ? Math.fma(w, dy[j], share) : share + w * dy[j];
                    }
                }
                dx[i] = part == 0 ? share : dx[i] + share;
            }
        }
        return dx;
    }

    /**
     * y[r] = bias[r], then y[r] += x[c] w[r, c] for each c with x[c] != 0, ascending: one rounding per
     * term where the kernels fuse multiply and add (AVX2, AVX-512), two otherwise.
     */
    static float[] transposedOrder(float[] x, float[] weights, float[] bias, int in, int out) {
        boolean fused = CpuKernels.gradsign_cpu_isa() > 0;
        float[] y = new float[out];
        for (int r = 0; r < out; r++) {
            float s = bias[r];
            for (int c = 0; c < in; c++) {
                if (x[c] != 0f) {
                    float w = weights[r * in + c];
                    s = fused ? Math.fma(x[c], w, s) : s + x[c] * w;
                }
            }
            y[r] = s;
        }
        return y;
    }

    @Test
    void theStepStaysWithinRoundingOfTheOperations() {
        int[] widths = {784, 512, 512, 10};
        Activation[] activations = {Activation.RELU, Activation.RELU, Activation.NONE};
        Tensor[][] parameters = parameters(widths, 5);
        StepBuffers expected = new StepBuffers(backend, 1, widths, 5);
        StepBuffers actual = new StepBuffers(backend, 1, widths, 5);
        float[] x = image(784, 5, 0.5);
        expected.x.copyFrom(x);
        actual.x.copyFrom(x);
        expected.stepByOperations(activations, parameters, expected.x, expected.adversarial, 1f, 0.1f);
        Plans.denseStep(backend, actual.chain(activations, parameters)).orElseThrow()
                .run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        for (int l = 0; l < activations.length; l++) {
            Tolerance.assertClose(expected.outputs[l].toArray(), actual.outputs[l].toArray(), 1e-5f, 1e-4f,
                    "output " + l);
        }
        Tolerance.assertClose(expected.probabilities.toArray(), actual.probabilities.toArray(), 1e-6f, 1e-4f,
                "probabilities");
        // where the outputs differ in the last bits the gradient does too, and its sign may flip only
        // where it is near zero: x' differs in a handful of pixels at most
        float[] want = expected.adversarial.toArray();
        float[] got = actual.adversarial.toArray();
        int differ = 0;
        for (int i = 0; i < want.length; i++) {
            differ += Float.compare(want[i], got[i]) != 0 ? 1 : 0;
        }
        assertTrue(differ <= want.length / 100, differ + " of " + want.length + " pixels of x' differ");
    }

    @Test
    void aQuarterOfTheImageZeroIsSparse() {
        assertTrue(FusedStepOne.sparse(196, 784));
        assertFalse(FusedStepOne.sparse(195, 784));
        assertTrue(FusedStepOne.sparse(1, 4));
        assertFalse(FusedStepOne.sparse(0, 4));
    }

    /** Every path by which the weights can change is followed by a step over the new weights. */
    @Test
    void everyWriteToTheWeightsIsSeenByTheNextStep() {
        int[] widths = {300, 100, 77, 10};
        Activation[] activations = {Activation.RELU, Activation.RELU, Activation.NONE};
        Tensor[][] parameters = parameters(widths, 2);
        StepBuffers actual = new StepBuffers(backend, 1, widths, 2);
        actual.x.copyFrom(image(300, 2, 0.5));
        FusedStepOne step = new FusedStepOne(actual.chain(activations, parameters), true);
        Tensor w0 = parameters[0][0];
        Tensor w1 = parameters[0][1];
        int n0 = (int) w0.length();
        int n1 = (int) w1.length();
        Runnable[] writes = {
            () -> w1.copyFrom(TestBackends.uniform(11, n1, -0.3f, 0.3f)),
            () -> w0.copyFrom(TestBackends.uniform(12, n0, -0.3f, 0.3f)),
            // a view of the weights: the first output row's
            () -> w1.view(0, 100).copyFrom(TestBackends.uniform(16, 100, 1f, 2f)),
            () -> backend.copy(w1, backend.upload(TestBackends.uniform(13, n1, -0.2f, 0.2f))),
            () -> backend.sgdMomentum(w0, backend.allocate(n0), backend.upload(TestBackends.uniform(14, n0, -1f, 1f)),
                    0.5f, 0.9f),
            () -> backend.sgdMomentum(w1, backend.allocate(n1), backend.upload(TestBackends.uniform(15, n1, -1f, 1f)),
                    0.5f, 0.9f),
        };
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        for (int k = 0; k < writes.length; k++) {
            float[] before = actual.outputs[1].toArray();
            writes[k].run();
            step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
            assertFalse(java.util.Arrays.equals(before, actual.outputs[1].toArray()),
                    "write " + k + " changed nothing the test can see");
            assertForwardBits(actual, activations, parameters, step, true, "after write " + k);
            assertBackwardBits(actual, activations, parameters, step, 1f, "after write " + k);
        }
    }

    /** The caller may write a wrapped array without the backend seeing it: such weights are never transposed. */
    @Test
    void wrappedWeightsAreNotTransposed() {
        int[] widths = {300, 100, 77, 10};
        Activation[] activations = {Activation.RELU, Activation.RELU, Activation.NONE};
        Tensor[][] parameters = parameters(widths, 3);
        float[] w1 = parameters[0][1].toArray();
        parameters[0][1] = backend.wrap(w1, 0, w1.length).orElseThrow();
        StepBuffers actual = new StepBuffers(backend, 1, widths, 3);
        actual.x.copyFrom(image(300, 3, 0.5));
        FusedStepOne step = new FusedStepOne(actual.chain(activations, parameters), true);
        assertTrue(step.transposes(0, true));
        assertFalse(step.transposes(1, true));
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        for (int i = 0; i < w1.length; i++) {
            w1[i] = -w1[i];
        }
        step.run(actual.x, actual.adversarial, 1f, 0.1f, 0f, 1f, true);
        assertForwardBits(actual, activations, parameters, step, true, "after the caller's write");
        assertBackwardBits(actual, activations, parameters, step, 1f, "after the caller's write");
    }
}

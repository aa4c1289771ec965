package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel of the dense model against its CPU twin: dense_forward, dense_backward_input,
 * dense_backward_weights, activation_backward, softmax_cross_entropy, sgd_momentum (bit for bit); on the CUDA
 * emulation everywhere and on a real GPU where one is present. Shapes include batch 1 and sizes that
 * are no multiple of any tile. Sums run in different orders, hence the tolerance atol + rtol |x|
 * with atol growing with the length of the sums.
 */
class KernelTwinsTest {
    private static Backend cpu;

    /** The activations the CUDA kernels know: all of them. */
    private static final Activation[] CUDA_ACTIVATIONS = Activation.values();

    @BeforeAll
    static void openCpu() {
        cpu = Backends.open(BackendKind.CPU);
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }

    static Stream<Arguments> denseShapes() {
        int[][] shapes = {{1, 1, 1}, {1, 784, 10}, {3, 5, 7}, {33, 65, 17}, {64, 64, 64}, {65, 63, 129}, {100, 784, 10},
            {2, 0, 3}, {0, 4, 5}};
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (int[] shape : shapes) {
                for (Activation activation : CUDA_ACTIVATIONS) {
                    cases.add(Arguments.of(kind, shape[0], shape[1], shape[2], activation));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, batch {1}, {2} -> {3}, {4}")
    @MethodSource("denseShapes")
    void denseLayerMatchesCpu(BackendKind kind, int batch, int in, int out, Activation activation) {
        long seed = 31L * batch + 17L * in + out + activation.ordinal();
        float[] x = TestBackends.uniform(seed, batch * in, -1f, 1f);
        float[] weights = TestBackends.uniform(seed + 1, out * in, -0.2f, 0.2f);
        float[] bias = TestBackends.uniform(seed + 2, out, -0.5f, 0.5f);
        float[] dy = TestBackends.uniform(seed + 3, batch * out, -1f, 1f);
        float atol = 2e-6f * (float) Math.sqrt(Math.max(in, Math.max(out, batch)) + 1);
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            float[][] want = dense(cpu, x, weights, bias, dy, batch, in, out, activation);
            float[][] got = dense(cuda, x, weights, bias, dy, batch, in, out, activation);
            String what = kind + " seed " + seed + " ";
            Tolerance.assertClose(want[0], got[0], atol, 1e-4f, what + "y");
            Tolerance.assertClose(want[1], got[1], atol, 1e-4f, what + "dx");
            Tolerance.assertClose(want[2], got[2], atol, 1e-4f, what + "dWeights");
            Tolerance.assertClose(want[3], got[3], atol, 1e-4f, what + "dBias");
        }
    }

    /** y, dx, dWeights, dBias of one dense layer on {@code backend}, outputs poisoned with NaN first. */
    private static float[][] dense(Backend backend, float[] x, float[] weights, float[] bias, float[] dy, int batch, int in,
                                   int out, Activation activation) {
        try (Tensor xs = backend.upload(x); Tensor ws = backend.upload(weights); Tensor bs = backend.upload(bias);
             Tensor dys = backend.upload(dy); Tensor y = backend.upload(TestBackends.poison(batch * out));
             Tensor dx = backend.upload(TestBackends.poison(batch * in));
             Tensor dw = backend.upload(TestBackends.poison(out * in));
             Tensor db = backend.upload(TestBackends.poison(out))) {
            backend.denseForward(y, xs, ws, bs, batch, in, out, activation);
            backend.denseBackwardInput(dx, dys, ws, batch, in, out);
            backend.denseBackwardWeights(dw, db, dys, xs, batch, in, out);
            return new float[][] {y.toArray(), dx.toArray(), dw.toArray(), db.toArray()};
        }
    }

    static Stream<Arguments> cudaKinds() {
        return Stream.of(Arguments.of(BackendKind.CUDA_EMULATED), Arguments.of(BackendKind.CUDA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void activationBackwardMatchesCpu(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            for (Activation activation : CUDA_ACTIVATIONS) {
                for (int count : new int[] {1, 3, 1023, 1025, 100_003}) {
                    float[] y = TestBackends.uniform(count, count, -1f, 1f);
                    float[] dy = TestBackends.uniform(count + 1, count, -1f, 1f);
                    float[] want = activationBackward(cpu, dy, y, activation);
                    float[] got = activationBackward(cuda, dy, y, activation);
                    Tolerance.assertClose(want, got, 0f, 1e-6f, kind + " " + activation + " count " + count);
                }
            }
        }
    }

    private static float[] activationBackward(Backend backend, float[] dy, float[] y, Activation activation) {
        try (Tensor dys = backend.upload(dy); Tensor ys = backend.upload(y);
             Tensor dPre = backend.upload(TestBackends.poison(dy.length))) {
            backend.activationBackward(dPre, dys, ys, activation);
            return dPre.toArray();
        }
    }

    static Stream<Arguments> softmaxShapes() {
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (int[] shape : new int[][] {{1, 1}, {1, 10}, {3, 2}, {37, 10}, {256, 10}, {5, 33}, {4, 1000}}) {
                cases.add(Arguments.of(kind, shape[0], shape[1]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, batch {1}, {2} classes")
    @MethodSource("softmaxShapes")
    void softmaxCrossEntropyMatchesCpu(BackendKind kind, int batch, int classes) {
        long seed = 1000L * batch + classes;
        // logits of +-80: a softmax without the max subtraction overflows
        float[] logits = TestBackends.uniform(seed, batch * classes, -80f, 80f);
        int[] labels = new Random(seed).ints(batch, 0, classes).toArray();
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            for (float scale : new float[] {1f / Math.max(batch, 1), -1f}) {
                float[][] want = softmax(cpu, logits, labels, batch, classes, scale, true);
                float[][] got = softmax(cuda, logits, labels, batch, classes, scale, true);
                String what = kind + " seed " + seed + " scale " + scale + " ";
                Tolerance.assertClose(want[0], got[0], 1e-6f, 1e-4f, what + "probabilities");
                Tolerance.assertClose(want[1], got[1], 1e-4f, 1e-4f, what + "losses");
                Tolerance.assertClose(want[2], got[2], 1e-6f, 1e-4f, what + "dLogits");
            }
            float[][] forwardOnly = softmax(cuda, logits, labels, batch, classes, 1f, false);
            Tolerance.assertClose(softmax(cpu, logits, labels, batch, classes, 1f, false)[1], forwardOnly[1], 1e-4f,
                    1e-4f, kind + " losses without dLogits");
        }
    }

    private static float[][] softmax(Backend backend, float[] logits, int[] labels, int batch, int classes, float scale,
                                     boolean withGradient) {
        try (Tensor ls = backend.upload(logits); Labels lb = backend.uploadLabels(labels, classes);
             Tensor p = backend.upload(TestBackends.poison(batch * classes));
             Tensor losses = backend.upload(TestBackends.poison(batch));
             Tensor dLogits = backend.upload(TestBackends.poison(batch * classes))) {
            backend.softmaxCrossEntropy(p, losses, withGradient ? dLogits : null, ls, lb, batch, classes, scale);
            return new float[][] {p.toArray(), losses.toArray(), dLogits.toArray()};
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void sgdMomentumMatchesCpu(BackendKind kind) {
        int count = 10_007;
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            for (float weightDecay : new float[] {0f, 1e-4f, 0.05f}) {
                // every product and sum rounded on its own on both: the same bits
                float[][] want = sgd(cpu, count, weightDecay);
                float[][] got = sgd(cuda, count, weightDecay);
                assertArrayEquals(want[0], got[0], kind + " parameters, weight decay " + weightDecay);
                assertArrayEquals(want[1], got[1], kind + " velocity, weight decay " + weightDecay);
            }
        }
    }

    /** Five steps of SGD with momentum 0.9 on fresh gradients each step. */
    private static float[][] sgd(Backend backend, int count, float weightDecay) {
        try (Tensor parameters = backend.upload(TestBackends.uniform(1, count, -1f, 1f));
             Tensor velocity = backend.allocate(count); Tensor gradient = backend.allocate(count)) {
            velocity.copyFrom(new float[count]);
            for (int step = 0; step < 5; step++) {
                gradient.copyFrom(TestBackends.uniform(10 + step, count, -1f, 1f));
                backend.sgdMomentum(parameters, velocity, gradient, 0.05f, 0.9f, weightDecay);
            }
            return new float[][] {parameters.toArray(), velocity.toArray()};
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void labelsRoundTripAndAreValidated(BackendKind kind) {
        try (Backend backend = Backends.open(kind); Labels labels = backend.uploadLabels(new int[] {0, 9, 3}, 10)) {
            assertArrayEquals(new int[] {0, 9, 3}, labels.toArray());
            assertEquals(3, labels.count());
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> labels.copyFrom(new int[] {0, 10, 1}));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("label 10 at index 1"), e.getMessage());
            // one batch of a longer array: labels [2, 5) of it
            labels.copyFrom(new int[] {7, 7, 4, 0, 8, 7}, 2);
            assertArrayEquals(new int[] {4, 0, 8}, labels.toArray());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> labels.copyFrom(new int[] {1, 2, 3, 4}, 2));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("outside the source's [0, 4)"),
                    e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> labels.copyFrom(new int[] {1, 2, 3, 10}, 1));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("label 10 at index 3"), e.getMessage());
        }
    }
}

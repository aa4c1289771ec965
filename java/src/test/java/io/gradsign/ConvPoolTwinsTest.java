package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The convolution and pooling operations of the CUDA path (the emulation everywhere; a real GPU where
 * present) against their CPU twins, through the backends, on shapes that are not multiples of any
 * tile: batch 1 and 3, 1, 3 and odd channel counts, stride 1 and 2, padding 0 to 2, square and
 * non-square kernels and images, pooling windows that do not divide the image. Convolutions agree
 * to float tolerance (their sums run in other orders); pooling bit for bit, argmax included.
 */
class ConvPoolTwinsTest {
    private static final Backend CPU = Backends.open(BackendKind.CPU);

    @AfterAll
    static void close() {
        CPU.close();
    }

    static Stream<Arguments> convolutions() {
        List<ConvGeometry> shapes = List.of(
                ConvGeometry.of(1, 1, 28, 28, 32, 3, 1, 1),
                ConvGeometry.of(3, 3, 7, 11, 5, 3, 1, 1),
                new ConvGeometry(1, 5, 9, 8, 7, 3, 2, 2, 2, 2, 0),
                new ConvGeometry(3, 1, 11, 7, 4, 5, 5, 2, 1, 2, 2),
                new ConvGeometry(2, 7, 6, 13, 3, 1, 5, 1, 2, 0, 2),
                ConvGeometry.of(2, 32, 14, 14, 64, 3, 1, 1));
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (ConvGeometry g : shapes) {
                cases.add(Arguments.of(kind, g));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("convolutions")
    void convolutionMatchesTheCpuTwin(BackendKind kind, ConvGeometry g) {
        float[] x = TestBackends.uniform(1, g.inputSize(), -1f, 1f);
        float[] w = TestBackends.uniform(2, g.weightSize(), -0.5f, 0.5f);
        float[] b = TestBackends.uniform(3, g.outChannels(), -0.2f, 0.2f);
        float[] dy = TestBackends.uniform(4, g.outputSize(), -1f, 1f);
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            for (Activation activation : Activation.values()) {
                Tolerance.assertClose(forward(CPU, g, x, w, b, activation), forward(cuda, g, x, w, b, activation), 1e-4f,
                        1e-4f, kind + " forward " + activation + " " + g);
            }
            float[][] want = backward(CPU, g, x, w, dy);
            float[][] got = backward(cuda, g, x, w, dy);
            Tolerance.assertClose(want[0], got[0], 1e-4f, 1e-4f, kind + " dx " + g);
            Tolerance.assertClose(want[1], got[1], 1e-3f, 1e-4f, kind + " dWeights " + g);
            Tolerance.assertClose(want[2], got[2], 1e-3f, 1e-4f, kind + " dBias " + g);
        }
    }

    private static float[] forward(Backend backend, ConvGeometry g, float[] x, float[] w, float[] b,
                                   Activation activation) {
        try (Tensor xs = backend.upload(x); Tensor ws = backend.upload(w); Tensor bs = backend.upload(b);
             Tensor y = backend.upload(TestBackends.poison(g.outputSize()))) {
            backend.conv2dForward(y, xs, ws, bs, g, activation);
            return y.toArray();
        }
    }

    private static float[][] backward(Backend backend, ConvGeometry g, float[] x, float[] w, float[] dy) {
        try (Tensor xs = backend.upload(x); Tensor ws = backend.upload(w); Tensor dys = backend.upload(dy);
             Tensor dx = backend.upload(TestBackends.poison(g.inputSize()));
             Tensor dw = backend.upload(TestBackends.poison(g.weightSize()));
             Tensor db = backend.upload(TestBackends.poison(g.outChannels()))) {
            backend.conv2dBackwardInput(dx, dys, ws, g);
            backend.conv2dBackwardWeights(dw, db, dys, xs, g);
            return new float[][] {dx.toArray(), dw.toArray(), db.toArray()};
        }
    }

    static Stream<Arguments> poolings() {
        List<PoolGeometry> shapes = List.of(
                PoolGeometry.of(1, 32, 28, 28, 2),
                PoolGeometry.of(3, 5, 7, 7, 2),
                new PoolGeometry(2, 3, 9, 11, 3, 3, 2, 2),
                new PoolGeometry(1, 1, 8, 13, 2, 3, 1, 2),
                new PoolGeometry(2, 4, 10, 10, 2, 2, 3, 3));
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (PoolGeometry g : shapes) {
                cases.add(Arguments.of(kind, g));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("poolings")
    void poolingMatchesTheCpuTwinBitForBit(BackendKind kind, PoolGeometry g) {
        float[] x = TestBackends.uniform(5, g.inputSize(), -1f, 1f);
        // ties and a NaN: the rules decide them
        x[0] = x[1];
        x[g.inputSize() / 2] = Float.NaN;
        float[] dy = TestBackends.uniform(6, g.outputSize(), -1f, 1f);
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            Object[] want = pool(CPU, g, x, dy);
            Object[] got = pool(cuda, g, x, dy);
            String[] names = {"max y", "argmax", "max dx", "avg y", "avg dx"};
            for (int i = 0; i < names.length; i++) {
                assertEquals(java.util.Arrays.toString(bits(want[i])), java.util.Arrays.toString(bits(got[i])),
                        kind + " " + names[i] + " " + g);
            }
        }
    }

    private static Object[] pool(Backend backend, PoolGeometry g, float[] x, float[] dy) {
        Shape in = Shape.of(g.batch(), g.channels(), g.height(), g.width());
        Shape out = Shape.of(g.batch(), g.channels(), g.outHeight(), g.outWidth());
        try (Tensor xs = backend.allocate(in); Tensor dys = backend.allocate(out); Tensor y = backend.allocate(out);
             Tensor argmax = backend.allocate(out, DType.INT32); Tensor dx = backend.allocate(in);
             Tensor ya = backend.allocate(out); Tensor dxa = backend.allocate(in)) {
            xs.copyFrom(x);
            dys.copyFrom(dy);
            backend.maxPool2dForward(y, argmax, xs, g);
            backend.maxPool2dBackward(dx, dys, argmax, g);
            backend.avgPool2dForward(ya, xs, g);
            backend.avgPool2dBackward(dxa, dys, g);
            return new Object[] {y.toArray(), argmax.toIntArray(), dx.toArray(), ya.toArray(), dxa.toArray()};
        }
    }

    private static int[] bits(Object values) {
        if (values instanceof int[] ints) {
            return ints;
        }
        float[] floats = (float[]) values;
        int[] result = new int[floats.length];
        for (int i = 0; i < floats.length; i++) {
            result[i] = Float.floatToRawIntBits(floats[i]);
        }
        return result;
    }
}

package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA sign step (native/src/sign_step.cu, emulated everywhere, real on a GPU) gives exactly the CPU
 * result: the step is exact in float, so the comparison is bit for bit (NaN compared as NaN).
 */
class SignStepTest {
    private static Backend cpu;

    @BeforeAll
    static void openCpu() {
        cpu = Backends.open(BackendKind.CPU);
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }

    static Stream<Arguments> sizes() {
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (int size : new int[] {0, 1, 31, 32, 33, 1023, 1024, 1025, 1_000_000}) {
                cases.add(Arguments.of(kind, size));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1} floats")
    @MethodSource("sizes")
    void cudaEqualsCpu(BackendKind kind, int size) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 1000L + size;
            float[] x = TestBackends.uniform(seed, size, -0.25f, 1.25f);
            float[] gradient = TestBackends.uniform(seed + 1, size, -1f, 1f);
            // every 5th gradient exactly zero: those elements must not move
            for (int i = 0; i < size; i += 5) {
                gradient[i] = 0f;
            }
            float[] expected = run(cpu, x, gradient, 0, 0, 0, 0.05f, 0f, 1f);
            float[] actual = run(cuda, x, gradient, 0, 0, 0, 0.05f, 0f, 1f);
            assertSame(expected, actual, kind + " size " + size + " seed " + seed);
            if (size > 0) {
                assertMoved(x, actual);
            }
        }
    }

    static Stream<Arguments> offsets() {
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            int[][] triples = {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}, {1, 2, 3}, {0, 1, 0}, {4, 4, 4}, {3, 0, 3}};
            for (int[] t : triples) {
                for (int size : new int[] {1, 5, 33, 1025, 4099}) {
                    cases.add(Arguments.of(kind, t[0], t[1], t[2], size));
                }
            }
        }
        return cases.stream();
    }

    /** Views that start at float offsets that are not 16-byte aligned: scalar head, float4 body, tail. */
    @ParameterizedTest(name = "{0}, offsets out={1} x={2} gradient={3}, {4} floats")
    @MethodSource("offsets")
    void unalignedOffsets(BackendKind kind, int outOffset, int xOffset, int gradientOffset, int size) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 7L * size + outOffset + 31L * xOffset + 977L * gradientOffset;
            float[] x = TestBackends.uniform(seed, size, 0f, 1f);
            float[] gradient = TestBackends.uniform(seed + 1, size, -1f, 1f);
            float[] expected = run(cpu, x, gradient, outOffset, xOffset, gradientOffset, 0.1f, 0f, 1f);
            float[] actual = run(cuda, x, gradient, outOffset, xOffset, gradientOffset, 0.1f, 0f, 1f);
            assertSame(expected, actual, kind + " seed " + seed);
            assertMoved(x, actual);
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class)
    void zeroGradientGivesNoStep(BackendKind kind) {
        try (Backend backend = kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind)) {
            float[] x = TestBackends.uniform(5, 1027, 0f, 1f);
            float[] result = run(backend, x, new float[x.length], 0, 0, 0, 0.3f, 0f, 1f);
            assertSame(x, result, kind + ": zero gradient");
        }
    }

    /** NaN, infinities and signed zeros as documented on Backend.signStep: NaN in x or gradient gives NaN. */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class)
    void nanBehavesAsDocumented(BackendKind kind) {
        try (Backend backend = kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind)) {
            float inf = Float.POSITIVE_INFINITY;
            float tiny = Float.MIN_VALUE;
            float[] x = {Float.NaN, 0.5f, Float.NaN, 0.5f, 0.5f, 0.5f, -inf, inf, 0.95f, -0f, -0f, 0.5f, 0.5f};
            float[] gradient = {1f, Float.NaN, Float.NaN, inf, -inf, -0f, 1f, -1f, 1f, -0f, 0f, tiny, -tiny};
            float[] want = {Float.NaN, Float.NaN, Float.NaN, 0.6f, 0.4f, 0.5f, 0f, 1f, 1f, 0f, 0f, 0.6f, 0.4f};
            float[] result = run(backend, x, gradient, 0, 0, 0, 0.1f, 0f, 1f);
            assertSame(want, result, kind + ": NaN and infinities");
        }
    }

    /** Properties of the CPU twin itself, independent of any other backend. */
    @Test
    void cpuStepMovesByEpsilonInTheSignDirectionWithinBounds() {
        int size = 100_000;
        float[] x = TestBackends.uniform(11, size, 0f, 1f);
        float[] gradient = TestBackends.uniform(12, size, -1f, 1f);
        float epsilon = 0.05f;
        float[] result = run(cpu, x, gradient, 0, 0, 0, epsilon, 0.1f, 0.9f);
        for (int i = 0; i < size; i++) {
            float unclipped = x[i] + Math.signum(gradient[i]) * epsilon;
            float want = Math.min(0.9f, Math.max(0.1f, unclipped));
            assertEquals(want, result[i], 0f, "element " + i);
        }
    }

    @Test
    void inPlaceStepEqualsOutOfPlace() {
        try (Backend cuda = Backends.open(BackendKind.CUDA_EMULATED)) {
            float[] x = TestBackends.uniform(21, 1031, 0f, 1f);
            float[] gradient = TestBackends.uniform(22, 1031, -1f, 1f);
            float[] expected = run(cpu, x, gradient, 0, 0, 0, 0.2f, 0f, 1f);
            try (Tensor xs = cuda.upload(x); Tensor gs = cuda.upload(gradient)) {
                cuda.signStep(xs, xs, gs, 0.2f, 0f, 1f);
                assertSame(expected, xs.toArray(), "in place");
            }
        }
    }

    /** Runs the step on views at the given offsets of fresh tensors, with the output poisoned with NaN. */
    static float[] run(Backend backend, float[] x, float[] gradient, int outOffset, int xOffset, int gradientOffset,
                       float epsilon, float lo, float hi) {
        int n = x.length;
        try (Tensor outBase = backend.allocate(n + outOffset);
             Tensor xBase = backend.allocate(n + xOffset);
             Tensor gradientBase = backend.allocate(n + gradientOffset)) {
            Tensor out = outBase.view(outOffset, n);
            Tensor xs = xBase.view(xOffset, n);
            Tensor gs = gradientBase.view(gradientOffset, n);
            out.copyFrom(TestBackends.poison(n));
            xs.copyFrom(x);
            gs.copyFrom(gradient);
            backend.signStep(out, xs, gs, epsilon, lo, hi);
            backend.synchronize();
            return out.toArray();
        }
    }

    /** Bit-for-bit equality (all NaNs alike); on failure, the first differences and their count. */
    static void assertSame(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        int wrong = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                if (wrong < 5) {
                    first.append(String.format(" [%d] want %s got %s;", i, expected[i], actual[i]));
                }
                wrong++;
            }
        }
        if (wrong > 0) {
            fail(what + ": " + wrong + " of " + expected.length + " elements differ:" + first);
        }
    }

    /** Guards against a kernel that writes x back unchanged: most elements must have moved. */
    static void assertMoved(float[] x, float[] result) {
        int moved = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] != result[i]) {
                moved++;
            }
        }
        assertTrue(moved > 0 || x.length < 3, "no element moved: the step did nothing");
    }
}

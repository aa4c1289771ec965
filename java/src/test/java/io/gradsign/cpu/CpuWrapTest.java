package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Backend#wrap}: the CPU backend's tensor over a caller's array, no copy; CUDA declines.
 */
class CpuWrapTest {

    private static Tensor wrap(Backend backend, float[] array, int offset, int length) {
        Optional<Tensor> wrapped = backend.wrap(array, offset, length);
        assertTrue(wrapped.isPresent(), "the CPU backend wraps Java arrays");
        return wrapped.get();
    }

    @Test
    void writesThroughTheTensorLandInTheArrayAndReadsSeeTheArray() {
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            float[] array = TestBackends.uniform(1, 40, 0f, 1f);
            float[] before = array.clone();
            int openBefore = cpu.openTensorCount();
            Tensor t = wrap(cpu, array, 7, 20);
            assertEquals(20, t.length());
            assertFalse(t.ownsMemory(), "a wrapped array belongs to its caller");
            assertEquals(openBefore, cpu.openTensorCount(), "a wrapped array is not a tensor the backend owns");

            // reads see the array, and later changes to it
            assertArrayEquals(Arrays.copyOfRange(array, 7, 27), t.toArray(), 0f);
            array[7] = 42f;
            array[26] = -42f;
            float[] read = t.toArray();
            assertEquals(42f, read[0]);
            assertEquals(-42f, read[19]);

            // copyFrom writes the array in [7, 27) and nothing else
            float[] values = TestBackends.uniform(2, 20, 5f, 6f);
            t.copyFrom(values);
            assertArrayEquals(values, Arrays.copyOfRange(array, 7, 27), 0f);
            assertArrayEquals(Arrays.copyOfRange(before, 0, 7), Arrays.copyOfRange(array, 0, 7), 0f, "before the range");
            assertArrayEquals(Arrays.copyOfRange(before, 27, 40), Arrays.copyOfRange(array, 27, 40), 0f, "after the range");

            // a backend operation writes the array in place: the sign step, out == x
            float[] gradient = TestBackends.uniform(3, 20, -1f, 1f);
            try (Tensor g = cpu.upload(gradient)) {
                cpu.signStep(t, t, g, 0.25f, 5f, 6f);
            }
            for (int i = 0; i < 20; i++) {
                float want = SignStep.signStepOne(values[i], gradient[i], 0.25f, 5f, 6f);
                assertEquals(want, array[7 + i], 0f, "sign step element " + i);
            }
            assertArrayEquals(Arrays.copyOfRange(before, 27, 40), Arrays.copyOfRange(array, 27, 40), 0f,
                    "the sign step wrote past the range");

            // and as the output of a backend copy, and through a view
            try (Tensor source = cpu.upload(TestBackends.uniform(4, 20, -3f, -2f))) {
                cpu.copy(t, source);
                assertArrayEquals(source.toArray(), Arrays.copyOfRange(array, 7, 27), 0f);
            }
            Tensor view = t.view(2, 3);
            view.copyFrom(new float[] {1f, 2f, 3f});
            assertArrayEquals(new float[] {1f, 2f, 3f}, Arrays.copyOfRange(array, 9, 12), 0f);
            assertFalse(view.ownsMemory());

            // closing the wrapped tensor frees nothing: the array and the backend stay usable
            float[] atClose = array.clone();
            t.close();
            assertTrue(t.isClosed());
            assertTrue(view.isClosed(), "a view of a closed wrapped tensor is closed");
            assertThrows(IllegalStateException.class, t::toArray);
            assertThrows(IllegalStateException.class, () -> t.copyFrom(values));
            assertArrayEquals(atClose, array, 0f, "closing the wrapped tensor changed the array");
            assertEquals(openBefore, cpu.openTensorCount());
            Tensor again = wrap(cpu, array, 0, 40);
            try (Tensor allocated = cpu.allocate(40)) {
                cpu.copy(allocated, again);
                assertArrayEquals(atClose, allocated.toArray(), 0f);
            }
        }
    }

    /** A dense layer reading a wrapped input and writing a wrapped output at odd offsets of one array pair. */
    @Test
    void denseLayerOnWrappedArrays() {
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            int batch = 3;
            int in = 5;
            int out = 20;
            float[] xs = TestBackends.uniform(10, 1 + batch * in + 2, -1f, 1f);
            float[] ys = TestBackends.poison(3 + batch * out + 4);
            float[] w = TestBackends.uniform(11, out * in, -1f, 1f);
            float[] b = TestBackends.uniform(12, out, -1f, 1f);
            try (Tensor weights = cpu.upload(w); Tensor bias = cpu.upload(b)) {
                cpu.denseForward(wrap(cpu, ys, 3, batch * out), wrap(cpu, xs, 1, batch * in), weights, bias, batch, in,
                        out, Activation.NONE);
            }
            for (int s = 0; s < batch; s++) {
                for (int o = 0; o < out; o++) {
                    double want = b[o];
                    for (int i = 0; i < in; i++) {
                        want += (double) xs[1 + s * in + i] * w[o * in + i];
                    }
                    assertEquals(want, ys[3 + s * out + o], 1e-5, "y[" + s + ", " + o + "]");
                }
            }
            assertTrue(Float.isNaN(ys[2]) && Float.isNaN(ys[3 + batch * out]), "written outside the wrapped output");
        }
    }

    @ParameterizedTest(name = "offset {0}, length {1} of 10")
    @CsvSource({"-1, 3", "0, -1", "0, 11", "8, 3", "11, 0", "2147483647, 1", "1, 2147483647"})
    void badRangesThrowNamingTheRange(int offset, int length) {
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            float[] array = new float[10];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.wrap(array, offset, length));
            assertTrue(e.getMessage().contains("[" + offset + ", " + offset + " + " + length + ")"), e.getMessage());
            assertTrue(e.getMessage().contains("10"), "the message names the array's length: " + e.getMessage());
        }
    }

    @Test
    void edgesOfTheArrayAreFine() {
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            float[] array = {1f, 2f, 3f};
            assertEquals(0, wrap(cpu, array, 3, 0).length());
            assertEquals(0, wrap(cpu, new float[0], 0, 0).length());
            assertArrayEquals(new float[] {3f}, wrap(cpu, array, 2, 1).toArray(), 0f);
            assertArrayEquals(array, wrap(cpu, array, 0, 3).toArray(), 0f);
            assertThrows(NullPointerException.class, () -> cpu.wrap(null, 0, 0));
        }
    }

    @Test
    void wrapOnAClosedBackendThrowsAndClosingTheBackendClosesWrappedTensors() {
        float[] array = {1f, 2f, 3f, 4f};
        Backend cpu = Backends.open(BackendKind.CPU);
        Tensor t = wrap(cpu, array, 1, 2);
        cpu.close();
        assertTrue(t.isClosed(), "a wrapped tensor is unusable once its backend is closed");
        assertThrows(IllegalStateException.class, t::toArray);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, array, 0f, "closing the backend changed the array");
        assertThrows(IllegalStateException.class, () -> cpu.wrap(array, 0, 4));
    }

    @Test
    void cudaEmulatedBackendDoesNotWrap() {
        try (Backend cuda = Backends.open(BackendKind.CUDA_EMULATED)) {
            float[] array = new float[8];
            assertEquals(Optional.empty(), cuda.wrap(array, 0, 8));
            assertEquals(Optional.empty(), cuda.wrap(array, 2, 3));
        }
    }
}

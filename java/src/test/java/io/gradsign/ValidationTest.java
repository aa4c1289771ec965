package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.cuda.CountingCudaLibrary;
import io.gradsign.cuda.CudaBackend;
import io.gradsign.cuda.CudaLibrary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad arguments throw a clear exception in Java, and no native call is made for them: the CUDA
 * backend here runs on a library wrapper that counts the calls reaching native code.
 */
class ValidationTest {
    private CountingCudaLibrary library;
    private Backend cuda;
    private Tensor out;
    private Tensor x;
    private Tensor gradient;

    @BeforeEach
    void open() {
        library = new CountingCudaLibrary(CudaLibrary.loadEmulated());
        cuda = CudaBackend.open(library);
        out = cuda.allocate(100);
        x = cuda.allocate(100);
        gradient = cuda.allocate(100);
    }

    @AfterEach
    void close() {
        cuda.close();
    }

    /** Asserts the call throws {@code type} with a message naming {@code mention}, and reaches no native code. */
    private <T extends Throwable> void rejected(Class<T> type, String mention, Executable call) {
        long before = library.calls();
        T thrown = assertThrows(type, call);
        assertTrue(thrown.getMessage().contains(mention),
                () -> "message '" + thrown.getMessage() + "' should name '" + mention + "'");
        assertEquals(before, library.calls(), "a rejected call reached native code");
    }

    @Test
    void epsilonMustBeFiniteAndNotNegative() {
        rejected(IllegalArgumentException.class, "-0.1", () -> cuda.signStep(out, x, gradient, -0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "NaN", () -> cuda.signStep(out, x, gradient, Float.NaN, 0f, 1f));
        rejected(IllegalArgumentException.class, "Infinity",
                () -> cuda.signStep(out, x, gradient, Float.POSITIVE_INFINITY, 0f, 1f));
    }

    @Test
    void clipBoundsMustBeOrdered() {
        rejected(IllegalArgumentException.class, "lo=1.0, hi=0.0", () -> cuda.signStep(out, x, gradient, 0.1f, 1f, 0f));
        rejected(IllegalArgumentException.class, "NaN", () -> cuda.signStep(out, x, gradient, 0.1f, Float.NaN, 1f));
    }

    @Test
    void lengthsMustMatch() {
        Tensor shorter = cuda.allocate(99);
        rejected(IllegalArgumentException.class, "gradient=99", () -> cuda.signStep(out, x, shorter, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "out=99", () -> cuda.signStep(shorter, x, gradient, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "99", () -> x.copyFrom(new float[99]));
        rejected(IllegalArgumentException.class, "[95, 95 + 10)", () -> x.copyFrom(new float[10], 0, 95, 10));
        rejected(IllegalArgumentException.class, "[-1, -1 + 2)", () -> x.copyTo(-1, new float[10], 0, 2));
        rejected(IllegalArgumentException.class, "[90, 90 + 20)", () -> x.view(90, 20));
    }

    @Test
    void closedTensorsAndBackendsAreRejected() {
        gradient.close();
        rejected(IllegalStateException.class, "gradient is closed", () -> cuda.signStep(out, x, gradient, 0.1f, 0f, 1f));
        Tensor view = x.view(10, 10);
        x.close();
        rejected(IllegalStateException.class, "closed", () -> view.toArray());
        cuda.close();
        rejected(IllegalStateException.class, "backend is closed", () -> cuda.allocate(4));
        rejected(IllegalStateException.class, "closed", () -> out.toArray());
    }

    @Test
    void tensorsOfAnotherBackendAreRejected() {
        try (Backend cpu = Backends.open(BackendKind.CPU); Tensor foreign = cpu.allocate(100)) {
            rejected(IllegalArgumentException.class, "another backend", () -> cuda.signStep(out, foreign, gradient, 0.1f, 0f, 1f));
        }
    }

    @Test
    void partiallyOverlappingOutputIsRejected() {
        Tensor base = cuda.allocate(200);
        Tensor left = base.view(0, 100);
        Tensor shifted = base.view(1, 100);
        rejected(IllegalArgumentException.class, "overlaps", () -> cuda.signStep(shifted, left, gradient, 0.1f, 0f, 1f));
    }

    /** The attack steps: every parameter, length, batch and overlap rule, each refused before native code. */
    @Test
    void attackStepsRejectBadParameters() {
        Tensor origin = cuda.allocate(100);
        Tensor momentum = cuda.allocate(100);
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        rejected(IllegalArgumentException.class, "alpha must be finite and >= 0, got -0.5",
                () -> cuda.projectedSignStep(out, x, origin, gradient, -0.5f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "alpha must be finite and >= 0, got NaN",
                () -> cuda.projectedSignStep(out, x, origin, gradient, nan, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "epsilon must be finite and >= 0, got Infinity",
                () -> cuda.projectedSignStep(out, x, origin, gradient, 0.1f, inf, 0f, 1f));
        rejected(IllegalArgumentException.class, "lo=1.0, hi=0.0",
                () -> cuda.projectedSignStep(out, x, origin, gradient, 0.1f, 0.1f, 1f, 0f));
        rejected(IllegalArgumentException.class, "lo=NaN",
                () -> cuda.l2Step(out, x, origin, gradient, 1, 0.1f, 0.1f, nan, 1f));
        rejected(IllegalArgumentException.class, "epsilon must be finite and >= 0, got -1.0",
                () -> cuda.l2Step(out, x, origin, gradient, 1, 0.1f, -1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "alpha must be finite and >= 0, got Infinity",
                () -> cuda.l2Step(out, x, origin, gradient, 1, inf, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "decay must be finite and >= 0, got NaN",
                () -> cuda.momentumSignStep(out, momentum, x, origin, gradient, 1, nan, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "decay must be finite and >= 0, got -1.0",
                () -> cuda.momentumSignStep(out, momentum, x, origin, gradient, 1, -1f, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "epsilon must be finite and >= 0, got NaN",
                () -> cuda.momentumSignStep(out, momentum, x, origin, gradient, 1, 1f, 0.1f, nan, 0f, 1f));
    }

    @Test
    void attackStepsRejectBadShapes() {
        Tensor origin = cuda.allocate(100);
        Tensor momentum = cuda.allocate(100);
        Tensor shorter = cuda.allocate(99);
        rejected(IllegalArgumentException.class, "origin=99",
                () -> cuda.projectedSignStep(out, x, shorter, gradient, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "gradient=99",
                () -> cuda.l2Step(out, x, origin, shorter, 1, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "momentum=99",
                () -> cuda.momentumSignStep(out, shorter, x, origin, gradient, 1, 1f, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "batch 3 does not divide the length 100",
                () -> cuda.l2Step(out, x, origin, gradient, 3, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "batch must be >= 0, got -2",
                () -> cuda.l2Step(out, x, origin, gradient, -2, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "batch 0 does not divide the length 100",
                () -> cuda.momentumSignStep(out, momentum, x, origin, gradient, 0, 1f, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "batch 7 does not divide the length 100",
                () -> cuda.momentumSignStep(out, momentum, x, origin, gradient, 7, 1f, 0.1f, 0.1f, 0f, 1f));
    }

    @Test
    void attackStepsRejectOverlaps() {
        Tensor origin = cuda.allocate(100);
        Tensor momentum = cuda.allocate(100);
        Tensor base = cuda.allocate(200);
        Tensor left = base.view(0, 100);
        Tensor shifted = base.view(1, 100);
        rejected(IllegalArgumentException.class, "out overlaps x",
                () -> cuda.projectedSignStep(shifted, left, origin, gradient, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "out shares memory with origin",
                () -> cuda.projectedSignStep(origin, x, origin, gradient, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "out shares memory with gradient",
                () -> cuda.l2Step(shifted, x, origin, left, 4, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "out shares memory with gradient",
                () -> cuda.l2Step(gradient, x, origin, gradient, 4, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "momentum shares memory",
                () -> cuda.momentumSignStep(out, x, x, origin, gradient, 1, 1f, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "momentum shares memory",
                () -> cuda.momentumSignStep(out, momentum, x, origin, momentum, 1, 1f, 0.1f, 0.1f, 0f, 1f));
        rejected(IllegalArgumentException.class, "momentum shares memory",
                () -> cuda.momentumSignStep(shifted, left, x, origin, gradient, 1, 1f, 0.1f, 0.1f, 0f, 1f));
        // allowed, and so reaching native code: out is x, and FGM's out = x = origin
        long before = library.calls();
        cuda.projectedSignStep(x, x, origin, gradient, 0.1f, 0.1f, 0f, 1f);
        cuda.l2Step(x, x, x, gradient, 4, 0.1f, 0.1f, 0f, 1f);
        cuda.momentumSignStep(x, momentum, x, x, gradient, 2, 1f, 0.1f, 0.1f, 0f, 1f);
        assertEquals(before + 3, library.calls(), "the allowed calls reach native code");
    }

    @Test
    void negativeLengthsAndBadWrapsAreRejected() {
        rejected(IllegalArgumentException.class, "-5", () -> cuda.allocate(-5));
        CudaBackend backend = (CudaBackend) cuda;
        rejected(IllegalArgumentException.class, "0x3", () -> backend.wrap(3, 10));
        rejected(IllegalArgumentException.class, "0x0", () -> backend.wrap(0, 10));
    }

    @Test
    void unknownBackendNameIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendKind.fromId("tpu"));
        assertTrue(e.getMessage().contains("'tpu'"));
    }
}

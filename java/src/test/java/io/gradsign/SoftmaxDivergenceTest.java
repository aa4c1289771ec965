package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.cuda.CountingCudaLibrary;
import io.gradsign.cuda.CudaBackend;
import io.gradsign.cuda.CudaLibrary;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * softmaxKl and softmaxEntropy: the CPU twin (cpu.SoftmaxDivergence) against a double reference written
 * here; the CUDA kernels (emulated everywhere, real where a GPU is present) against the CPU twin within
 * a per-element model of a float kernel's rounding; every backend's gradients against central
 * differences of the reference; KL(p || p) = 0 with zero gradients; null gradient outputs left
 * unwritten; bad arguments refused before native code. Inputs are seeded (the seed in every message),
 * outputs poisoned with NaN; the logits include saturated rows (one class 100 or 200 above the rest:
 * the others' probabilities are float subnormals or 0) and masked classes (-inf).
 */
class SoftmaxDivergenceTest {
    private static Backend cpu;

    @BeforeAll
    static void openCpu() {
        cpu = Backends.open(BackendKind.CPU);
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }

    // ---- inputs

    /** How a case draws its logits. */
    enum Logits { MODERATE, WIDE, SATURATED, MASKED }

    /**
     * (batch, classes) logits: MODERATE U(-4, 4); WIDE 400 + U(-40, 40) (exp overflows without the max
     * subtracted); SATURATED U(-2, 2) with one class raised by 100 in rows 0, 3, 6, ... and by 200 in
     * rows 1, 4, 7, ... (rows 2, 5, ... left alone, so a batch's gradients are not all 0); MASKED
     * U(-4, 4) with every third class from class 1 at -inf.
     */
    static float[] logits(Logits kind, long seed, int batch, int classes) {
        switch (kind) {
            case MODERATE:
                return TestBackends.uniform(seed, batch * classes, -4f, 4f);
            case WIDE:
                return TestBackends.uniform(seed, batch * classes, 360f, 440f);
            case SATURATED: {
                float[] x = TestBackends.uniform(seed, batch * classes, -2f, 2f);
                Random random = new Random(seed + 1);
                for (int b = 0; b < batch; b++) {
                    int hot = random.nextInt(classes);
                    if (b % 3 != 2) {
                        x[b * classes + hot] += b % 3 == 0 ? 100f : 200f;
                    }
                }
                return x;
            }
            default: {
                float[] x = TestBackends.uniform(seed, batch * classes, -4f, 4f);
                for (int i = 0; i < x.length; i++) {
                    if (i % classes % 3 == 1) {
                        x[i] = Float.NEGATIVE_INFINITY;
                    }
                }
                return x;
            }
        }
    }

    /** q's logits for p's: p + U(-0.5, 0.5) (VAT's neighbour; -inf stays -inf) or a fresh draw of the same kind. */
    static float[] qLogits(float[] p, Logits kind, long seed, int batch, int classes, boolean near) {
        if (!near) {
            // a fresh draw, without masked classes: a class q masks but p does not makes KL infinite
            return logits(kind == Logits.MASKED ? Logits.MODERATE : kind, seed + 7, batch, classes);
        }
        float[] noise = TestBackends.uniform(seed + 7, p.length, -0.5f, 0.5f);
        float[] q = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            q[i] = p[i] + noise[i];
        }
        return q;
    }

    // ---- the double reference: the formulas of Backend.softmaxKl and Backend.softmaxEntropy

    /** log softmax of x[from, from + classes), as x - (max + log sum exp(x - max)). */
    static double[] logSoftmax(double[] x, int from, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, x[from + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(x[from + c] - max);
        }
        double logSum = max + Math.log(sum);
        double[] logs = new double[classes];
        for (int c = 0; c < classes; c++) {
            logs[c] = x[from + c] - logSum;
        }
        return logs;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** KL(softmax(p row) || softmax(q row)) of row b; a class with p = 0 adds nothing. */
    static double kl(double[] p, double[] q, int b, int classes) {
        double[] lp = logSoftmax(p, b * classes, classes);
        double[] lq = logSoftmax(q, b * classes, classes);
        double kl = 0;
        for (int c = 0; c < classes; c++) {
            double pc = Math.exp(lp[c]);
            if (pc > 0) {
                kl += pc * (lp[c] - lq[c]);
            }
        }
        return kl;
    }

    /** H(softmax(x row)) of row b. */
    static double entropy(double[] x, int b, int classes) {
        double[] lp = logSoftmax(x, b * classes, classes);
        double h = 0;
        for (int c = 0; c < classes; c++) {
            double pc = Math.exp(lp[c]);
            if (pc > 0) {
                h -= pc * lp[c];
            }
        }
        return h;
    }

    /**
     * What a float kernel may be off by, per element, as native/tests/softmax_divergence_test.cpp models
     * it: a log-softmax l by about ULPS (|l| + 1), so its probability e^l by that relatively, and a term
     * p (...) by p times its bracket's error plus |term| (|l| + 1) ULPS. Where the bracket cancels
     * (dP = p (log p - log q - KL) with KL about 80 for wide logits) that is far above a few ulp of the result.
     */
    private static final double ULPS = 16 * Math.ulp(1f);

    /** Float subnormals (probabilities near e^-100) carry few digits; their absolute error is below this. */
    private static final double SUBNORMAL = 1e-37;

    /** probability (|logProbability| + rest), 0 where the probability is 0 (log -inf). */
    private static double weighted(double probability, double rest, double logProbability) {
        return probability > 0 ? probability * (Math.abs(logProbability) + rest) : 0;
    }

    /**
     * {losses, dP, dQ} in double for every row, gradients times scale, then the float kernel's
     * tolerances of each (see ULPS).
     */
    static double[][] klReference(float[] pLogits, float[] qLogits, int batch, int classes, float scale) {
        double[] p = toDouble(pLogits);
        double[] q = toDouble(qLogits);
        double[] losses = new double[batch];
        double[] dP = new double[batch * classes];
        double[] dQ = new double[batch * classes];
        double[] lossesTolerance = new double[batch];
        double[] dPTolerance = new double[batch * classes];
        double[] dQTolerance = new double[batch * classes];
        double s = Math.abs(scale);
        for (int b = 0; b < batch; b++) {
            double[] lp = logSoftmax(p, b * classes, classes);
            double[] lq = logSoftmax(q, b * classes, classes);
            double kl = kl(p, q, b, classes);
            losses[b] = kl;
            double klError = 0;
            for (int c = 0; c < classes; c++) {
                double pc = Math.exp(lp[c]);
                if (pc > 0) {
                    klError += pc * (Math.abs(lp[c]) + Math.abs(lq[c]) + 1)
                            + Math.abs(pc * (lp[c] - lq[c])) * (Math.abs(lp[c]) + 1);
                }
            }
            klError = ULPS * (klError + Math.abs(kl)) + SUBNORMAL;
            lossesTolerance[b] = klError;
            for (int c = 0; c < classes; c++) {
                int i = b * classes + c;
                double pc = Math.exp(lp[c]);
                double qc = Math.exp(lq[c]);
                double dPc = pc > 0 ? pc * (lp[c] - lq[c] - kl) : 0;
                dP[i] = scale * dPc;
                dQ[i] = scale * (qc - pc);
                // a masked class (l = -inf, e^l = 0) adds no error: weighted() keeps 0 * inf out
                dPTolerance[i] = s * (ULPS * (weighted(pc, Math.abs(lq[c]) + Math.abs(kl) + 1, lp[c])
                        + (pc > 0 ? Math.abs(dPc) * (Math.abs(lp[c]) + 1) : 0)) + pc * klError + SUBNORMAL);
                dQTolerance[i] = s * (ULPS * (weighted(qc, 1, lq[c]) + weighted(pc, 1, lp[c])) + SUBNORMAL);
            }
        }
        return new double[][] {losses, dP, dQ, lossesTolerance, dPTolerance, dQTolerance};
    }

    /** {entropies, dLogits} in double for every row, the gradient times scale, then their tolerances as klReference's. */
    static double[][] entropyReference(float[] logits, int batch, int classes, float scale) {
        double[] x = toDouble(logits);
        double[] entropies = new double[batch];
        double[] dLogits = new double[batch * classes];
        double[] entropiesTolerance = new double[batch];
        double[] dLogitsTolerance = new double[batch * classes];
        double s = Math.abs(scale);
        for (int b = 0; b < batch; b++) {
            double[] lp = logSoftmax(x, b * classes, classes);
            double h = entropy(x, b, classes);
            entropies[b] = h;
            double hError = 0;
            for (int c = 0; c < classes; c++) {
                double pc = Math.exp(lp[c]);
                if (pc > 0) {
                    hError += pc * (Math.abs(lp[c]) + 1) * (Math.abs(lp[c]) + 2);
                }
            }
            hError = ULPS * (hError + h) + SUBNORMAL;
            entropiesTolerance[b] = hError;
            for (int c = 0; c < classes; c++) {
                int i = b * classes + c;
                double pc = Math.exp(lp[c]);
                double dHc = pc > 0 ? -pc * (lp[c] + h) : 0;
                dLogits[i] = scale * dHc;
                dLogitsTolerance[i] = s * (ULPS * (weighted(pc, h + 1, lp[c]) + (pc > 0 ? Math.abs(dHc) * (Math.abs(lp[c]) + 1) : 0))
                        + pc * hError + SUBNORMAL);
            }
        }
        return new double[][] {entropies, dLogits, entropiesTolerance, dLogitsTolerance};
    }

    // ---- running the backends

    /** {losses, dP, dQ} from {@code backend}, outputs poisoned with NaN; an output not passed comes back all NaN. */
    static float[][] runKl(Backend backend, float[] pLogits, float[] qLogits, int batch, int classes, float scale,
                           boolean withDp, boolean withDq) {
        try (Tensor p = backend.upload(pLogits); Tensor q = backend.upload(qLogits);
             Tensor losses = backend.upload(TestBackends.poison(batch));
             Tensor dP = backend.upload(TestBackends.poison(batch * classes));
             Tensor dQ = backend.upload(TestBackends.poison(batch * classes))) {
            backend.softmaxKl(losses, withDp ? dP : null, withDq ? dQ : null, p, q, batch, classes, scale);
            return new float[][] {losses.toArray(), dP.toArray(), dQ.toArray()};
        }
    }

    /** {entropies, dLogits} from {@code backend}, as {@link #runKl}. */
    static float[][] runEntropy(Backend backend, float[] logits, int batch, int classes, float scale, boolean withGradient) {
        try (Tensor x = backend.upload(logits); Tensor entropies = backend.upload(TestBackends.poison(batch));
             Tensor dLogits = backend.upload(TestBackends.poison(batch * classes))) {
            backend.softmaxEntropy(entropies, withGradient ? dLogits : null, x, batch, classes, scale);
            return new float[][] {entropies.toArray(), dLogits.toArray()};
        }
    }

    static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    static double[] within(double[] want, double atol, double rtol) {
        double[] tolerance = new double[want.length];
        for (int i = 0; i < want.length; i++) {
            tolerance[i] = atol + rtol * Math.abs(want[i]);
        }
        return tolerance;
    }

    static void assertWithin(double[] want, float[] got, double atol, double rtol, String what) {
        Tolerance.assertWithin(want, within(want, atol, rtol), got, 0, what + " (tolerance " + atol + " + " + rtol + "|x|)");
    }

    // ---- the CPU twin against the double reference

    /** batch 1, odd shapes, classes 1, a batch large enough to split over the cores, rows past 1024 classes. */
    static final int[][] SHAPES = {{1, 10}, {3, 10}, {257, 7}, {5, 1}, {1, 1}, {4099, 10}, {3, 1100}};

    static Stream<Arguments> cpuCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (Logits kind : Logits.values()) {
                cases.add(Arguments.of(shape[0], shape[1], kind));
            }
        }
        return cases.stream();
    }

    /**
     * The twin computes in double and rounds each output once, so it agrees with the reference to a
     * float's rounding (rtol 1e-6); atol covers gradients that cancel to about 0 (|dP| below 1e-9).
     */
    @ParameterizedTest(name = "batch {0}, {1} classes, {2}")
    @MethodSource("cpuCases")
    void cpuTwinMatchesDoubleReference(int batch, int classes, Logits kind) {
        long seed = 7919L * batch + 31L * classes + kind.ordinal();
        float[] p = logits(kind, seed, batch, classes);
        for (boolean near : new boolean[] {true, false}) {
            float[] q = qLogits(p, kind, seed, batch, classes, near);
            for (float scale : new float[] {1f / batch, -1f}) {
                String what = "KL batch " + batch + " classes " + classes + " " + kind + (near ? " q near p" : " q drawn")
                        + " seed " + seed + " scale " + scale + " ";
                double[][] want = klReference(p, q, batch, classes, scale);
                float[][] got = runKl(cpu, p, q, batch, classes, scale, true, true);
                assertWithin(want[0], got[0], 1e-9, 1e-6, what + "losses");
                assertWithin(want[1], got[1], 1e-9, 1e-6, what + "dP");
                assertWithin(want[2], got[2], 1e-9, 1e-6, what + "dQ");
            }
        }
        float scale = 1f / batch;
        double[][] want = entropyReference(p, batch, classes, scale);
        float[][] got = runEntropy(cpu, p, batch, classes, scale, true);
        String what = "entropy batch " + batch + " classes " + classes + " " + kind + " seed " + seed + " ";
        assertWithin(want[0], got[0], 1e-9, 1e-6, what + "entropies");
        assertWithin(want[1], got[1], 1e-9, 1e-6, what + "dLogits");
    }

    // ---- the CUDA kernels against the CPU twin

    static Stream<Arguments> cudaCases() {
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (int[] shape : SHAPES) {
                for (Logits logits : Logits.values()) {
                    cases.add(Arguments.of(kind, shape[0], shape[1], logits));
                }
            }
        }
        return cases.stream();
    }

    /**
     * The largest differences CUDA - CPU seen: absolute; relative to |CPU| where that is above 1e-3
     * (losses) or 1e-3 |scale| (gradients); as a fraction of the tolerance. Printed at the end.
     */
    private static final double[] WORST = new double[3];

    @AfterAll
    static void printAgreement() {
        System.out.printf("softmaxKl and softmaxEntropy, CUDA against CPU: max abs difference %.3g, max rel difference"
                + " %.3g, at most %.3g of the tolerance%n", WORST[0], WORST[1], WORST[2]);
    }

    /**
     * The CUDA kernels (float) against the CPU twin (double, rounded once): within the float kernel's
     * tolerance of {@link #ULPS} per element, plus the twin's rounding (1e-6 |x|).
     */
    @ParameterizedTest(name = "{0}, batch {1}, {2} classes, {3}")
    @MethodSource("cudaCases")
    void cudaMatchesCpu(BackendKind kind, int batch, int classes, Logits logits) {
        long seed = 7919L * batch + 31L * classes + logits.ordinal();
        float[] p = logits(logits, seed, batch, classes);
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            for (boolean near : new boolean[] {true, false}) {
                float[] q = qLogits(p, logits, seed, batch, classes, near);
                for (float scale : new float[] {1f / batch, -1f}) {
                    String what = kind + " KL batch " + batch + " classes " + classes + " " + logits
                            + (near ? " q near p" : " q drawn") + " seed " + seed + " scale " + scale + " ";
                    double[][] tolerance = klReference(p, q, batch, classes, scale);
                    float[][] want = runKl(cpu, p, q, batch, classes, scale, true, true);
                    float[][] got = runKl(cuda, p, q, batch, classes, scale, true, true);
                    compare(want[0], got[0], tolerance[3], 1f, what + "losses");
                    compare(want[1], got[1], tolerance[4], scale, what + "dP");
                    compare(want[2], got[2], tolerance[5], scale, what + "dQ");
                }
            }
            float scale = 1f / batch;
            String what = kind + " entropy batch " + batch + " classes " + classes + " " + logits + " seed " + seed + " ";
            double[][] tolerance = entropyReference(p, batch, classes, scale);
            float[][] want = runEntropy(cpu, p, batch, classes, scale, true);
            float[][] got = runEntropy(cuda, p, batch, classes, scale, true);
            compare(want[0], got[0], tolerance[2], 1f, what + "entropies");
            compare(want[1], got[1], tolerance[3], scale, what + "dLogits");
        }
    }

    /** got within kernelTolerance + 1e-6 |want| of want, recording the differences in WORST. */
    private static void compare(float[] want, float[] got, double[] kernelTolerance, float scale, String what) {
        double[] expected = toDouble(want);
        double[] tolerance = new double[want.length];
        for (int i = 0; i < want.length; i++) {
            tolerance[i] = kernelTolerance[i] + 1e-6 * Math.abs(want[i]);
            // a NaN tolerance would let anything pass
            assertTrue(Double.isFinite(tolerance[i]), what + ": tolerance [" + i + "] is " + tolerance[i]);
            double difference = Math.abs((double) got[i] - want[i]);
            if (Float.isFinite(want[i]) && Float.isFinite(got[i])) {
                WORST[0] = Math.max(WORST[0], difference);
                if (Math.abs(want[i]) > 1e-3 * Math.abs(scale)) {
                    WORST[1] = Math.max(WORST[1], difference / Math.abs(want[i]));
                }
                WORST[2] = Math.max(WORST[2], difference / tolerance[i]);
            }
        }
        Tolerance.assertWithin(expected, tolerance, got, 0, what + " (tolerance: float kernel's, see ULPS)");
    }

    // ---- gradients against central differences, on every backend

    /** CUDA runs where a GPU is present and is skipped, saying so, elsewhere. */
    static Stream<Arguments> backends() {
        return Stream.of(Arguments.of(BackendKind.CPU), Arguments.of(BackendKind.CUDA_EMULATED),
                Arguments.of(BackendKind.CUDA));
    }

    /** Central-difference step: truncation error h^2 |f'''| / 6 ~ 1e-11, rounding 1e-16 / h ~ 1e-11. */
    private static final double H = 1e-5;

    /**
     * Each backend's dP, dQ and dLogits (gradientScale 1) against central differences of the double
     * reference at the same float logits; atol 2e-6 + rtol 1e-4 allows a float kernel's rounding of
     * log-softmaxes of magnitude up to about 10 (a few ulp each).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void gradientsMatchFiniteDifferences(BackendKind kind) {
        try (Backend backend = open(kind)) {
            for (int[] shape : new int[][] {{3, 10}, {2, 7}, {1, 1}}) {
                int batch = shape[0];
                int classes = shape[1];
                long seed = 101L * batch + classes;
                float[] p = TestBackends.uniform(seed, batch * classes, -3f, 3f);
                for (boolean near : new boolean[] {true, false}) {
                    float[] q = near ? qLogits(p, Logits.MODERATE, seed, batch, classes, true)
                            : TestBackends.uniform(seed + 3, batch * classes, -3f, 3f);
                    float[][] got = runKl(backend, p, q, batch, classes, 1f, true, true);
                    double[] pd = toDouble(p);
                    double[] qd = toDouble(q);
                    double[] wantP = new double[batch * classes];
                    double[] wantQ = new double[batch * classes];
                    for (int i = 0; i < batch * classes; i++) {
                        int b = i / classes;
                        wantP[i] = centralDifference(pd, i, () -> kl(pd, qd, b, classes));
                        wantQ[i] = centralDifference(qd, i, () -> kl(pd, qd, b, classes));
                    }
                    String what = kind + " batch " + batch + " classes " + classes + (near ? " q near p" : " q drawn")
                            + " seed " + seed + " ";
                    assertWithin(wantP, got[1], 2e-6, 1e-4, what + "dP vs d KL / d pLogits");
                    assertWithin(wantQ, got[2], 2e-6, 1e-4, what + "dQ vs d KL / d qLogits");
                }
                float[][] got = runEntropy(backend, p, batch, classes, 1f, true);
                double[] xd = toDouble(p);
                double[] want = new double[batch * classes];
                for (int i = 0; i < batch * classes; i++) {
                    int b = i / classes;
                    want[i] = centralDifference(xd, i, () -> entropy(xd, b, classes));
                }
                assertWithin(want, got[1], 2e-6, 1e-4, kind + " batch " + batch + " classes " + classes + " seed "
                        + seed + " dLogits vs d H / d logits");
            }
        }
    }

    /** (f(x + h e_i) - f(x - h e_i)) / 2h, x[i] restored afterwards. */
    private static double centralDifference(double[] x, int i, java.util.function.DoubleSupplier f) {
        double saved = x[i];
        x[i] = saved + H;
        double up = f.getAsDouble();
        x[i] = saved - H;
        double down = f.getAsDouble();
        x[i] = saved;
        return (up - down) / (2 * H);
    }

    // ---- invariants and null outputs, on every backend

    /** KL(p || p) is exactly 0 with exactly zero gradients: both rows go through the same arithmetic. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void klOfADistributionWithItselfIsZero(BackendKind kind) {
        try (Backend backend = open(kind)) {
            for (Logits logits : Logits.values()) {
                int batch = 37;
                int classes = 10;
                float[] p = logits(logits, 5, batch, classes);
                float[][] got = runKl(backend, p, p.clone(), batch, classes, 0.5f, true, true);
                String what = kind + " " + logits + " KL(p || p) ";
                for (int b = 0; b < batch; b++) {
                    assertEquals(0f, got[0][b], 0f, what + "row " + b);
                }
                for (int i = 0; i < batch * classes; i++) {
                    assertEquals(0f, got[1][i], 0f, what + "dP[" + i + "]");
                    assertEquals(0f, got[2][i], 0f, what + "dQ[" + i + "]");
                }
                // the same tensor as both inputs
                try (Tensor x = backend.upload(p); Tensor losses = backend.upload(TestBackends.poison(batch))) {
                    backend.softmaxKl(losses, null, null, x, x, batch, classes, 1f);
                    for (float loss : losses.toArray()) {
                        assertEquals(0f, loss, 0f, what + "one tensor as both inputs");
                    }
                }
            }
        }
    }

    /**
     * A null gradient is not written (its poisoned buffer stays NaN), and what is written has the
     * bits of the call with every output.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void nullGradientsAreSkipped(BackendKind kind) {
        try (Backend backend = open(kind)) {
            int batch = 41;
            int classes = 10;
            float[] p = logits(Logits.SATURATED, 11, batch, classes);
            float[] q = qLogits(p, Logits.SATURATED, 11, batch, classes, true);
            float[][] all = runKl(backend, p, q, batch, classes, 0.25f, true, true);
            for (boolean withDp : new boolean[] {false, true}) {
                for (boolean withDq : new boolean[] {false, true}) {
                    float[][] got = runKl(backend, p, q, batch, classes, 0.25f, withDp, withDq);
                    String what = kind + " dP " + (withDp ? "passed" : "null") + ", dQ " + (withDq ? "passed" : "null");
                    assertBits(all[0], got[0], what + ": losses");
                    assertBits(withDp ? all[1] : TestBackends.poison(batch * classes), got[1], what + ": dP");
                    assertBits(withDq ? all[2] : TestBackends.poison(batch * classes), got[2], what + ": dQ");
                }
            }
            float[][] allEntropy = runEntropy(backend, p, batch, classes, 0.25f, true);
            float[][] got = runEntropy(backend, p, batch, classes, 0.25f, false);
            assertBits(allEntropy[0], got[0], kind + " null dLogits: entropies");
            assertBits(TestBackends.poison(batch * classes), got[1], kind + " null dLogits: dLogits");
        }
    }

    static void assertBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            int index = i;
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                    () -> what + " [" + index + "]: want " + want[index] + " got " + got[index]);
        }
    }

    // ---- validation: refused in Java, before native code

    @Test
    void badArgumentsAreRejectedBeforeNativeCode() {
        CountingCudaLibrary library = new CountingCudaLibrary(CudaLibrary.loadEmulated());
        try (Backend cuda = CudaBackend.open(library)) {
            Tensor losses = cuda.allocate(3);
            Tensor dP = cuda.allocate(30);
            Tensor dQ = cuda.allocate(30);
            Tensor p = cuda.allocate(30);
            Tensor q = cuda.allocate(30);
            rejected(library, "batch=-1", () -> cuda.softmaxKl(losses, dP, dQ, p, q, -1, 10, 1f));
            rejected(library, "classes=0", () -> cuda.softmaxEntropy(losses, dP, p, 3, 0, 1f));
            rejected(library, "gradientScale must be finite, got NaN",
                    () -> cuda.softmaxKl(losses, dP, dQ, p, q, 3, 10, Float.NaN));
            rejected(library, "gradientScale must be finite, got Infinity",
                    () -> cuda.softmaxEntropy(losses, dP, p, 3, 10, Float.POSITIVE_INFINITY));
            rejected(library, "losses has 3 floats, the shapes need 4", () -> cuda.softmaxKl(losses, dP, dQ, p, q, 4, 10, 1f));
            Tensor p33 = cuda.allocate(33);
            rejected(library, "qLogits has 30 floats, the shapes need 33",
                    () -> cuda.softmaxKl(losses, null, null, p33, q, 3, 11, 1f));
            rejected(library, "dQ shares memory", () -> cuda.softmaxKl(losses, dP, q, p, q, 3, 10, 1f));
            rejected(library, "dP shares memory", () -> cuda.softmaxKl(losses, dP, dP, p, q, 3, 10, 1f));
            rejected(library, "dLogits shares memory", () -> cuda.softmaxEntropy(losses, p, p, 3, 10, 1f));
            rejected(library, "entropies has 30 floats, the shapes need 3", () -> cuda.softmaxEntropy(p, dP, q, 3, 10, 1f));
        }
    }

    /** Asserts an IllegalArgumentException naming {@code mention}, and no native call. */
    private static void rejected(CountingCudaLibrary library, String mention, Executable call) {
        long before = library.calls();
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, call);
        assertTrue(thrown.getMessage().contains(mention),
                () -> "message '" + thrown.getMessage() + "' should name '" + mention + "'");
        assertEquals(before, library.calls(), "a rejected call reached native code");
    }
}

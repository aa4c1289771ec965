package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gradsign.Activation;
import io.gradsign.Tolerance;
import io.gradsign.cpu.bindings.CpuKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU backend's native kernels (native/cpu) through the Java entry points that split them over
 * the cores: {@link Dense}'s routes (one sample: gradsign's kernels, forward and zero-skipping
 * backward; batches: sgemm) against a double-precision reference, {@link SignStep#signStep} against
 * its Java formula bit for bit, the batch-1 step's ReLU and gradient at a layer's outputs against the
 * Java loops they replace bit for bit, and {@link NonFinite#firstIndex}; each on every instruction set this CPU has (generic, AVX2, AVX-512).
 * Every array sits at an odd offset inside a larger one: inputs are surrounded by NaN (a read outside
 * the range poisons the result), outputs are NaN inside (an unwritten element fails) and a sentinel
 * outside (a write outside the range fails).
 */
class CpuKernelsTest {
    private static final String[] ISA_NAMES = {"generic", "avx2", "avx512"};
    private static final int BEST_ISA = 2;
    /** Floats after each range, so a write or read past its end lands in a checked or poisoned place. */
    private static final int PAD = 19;
    /** What output arrays hold outside their range; it must still be there afterwards. */
    private static final float SENTINEL = -12345.625f;

    @AfterEach
    void restoreBestIsa() {
        CpuKernels.gradsign_cpu_use_isa(BEST_ISA);
    }

    /** Forces {@code isa}, or skips the test (with the reason) where this CPU does not have it. */
    private static void useIsa(int isa) {
        int inUse = CpuKernels.gradsign_cpu_use_isa(isa);
        assumeTrue(inUse == isa, () -> "skipped: this CPU lacks " + ISA_NAMES[isa] + ", the best it has is "
                + ISA_NAMES[inUse]);
        assertEquals(isa, CpuKernels.gradsign_cpu_isa(), "gradsign_cpu_isa() after gradsign_cpu_use_isa(" + isa + ")");
    }

    @Test
    void isaCanBeForcedLowerAndRestored() {
        int best = CpuKernels.gradsign_cpu_use_isa(BEST_ISA);
        assertTrue(best >= 0 && best <= BEST_ISA, "isa in use " + best);
        assertEquals(0, CpuKernels.gradsign_cpu_use_isa(0), "generic is always available");
        assertEquals(0, CpuKernels.gradsign_cpu_isa());
        assertEquals(0, CpuKernels.gradsign_cpu_use_isa(-5), "below generic clamps to generic");
        assertEquals(best, CpuKernels.gradsign_cpu_use_isa(99), "above the best clamps to the best");
        assertEquals(best, CpuKernels.gradsign_cpu_isa());
    }

    // ---------------------------------------------------------------- dense layer

    /** (batch, in, out) for each route; the comments name the route and whether it splits over cores. */
    private static final int[][] DENSE_SHAPES = {
        // batch 1: gradsign's kernels in row ranges, forward and zero-skipping backward
        {1, 17, 17}, {1, 33, 37}, {1, 1, 512}, {1, 784, 512} /* split */, {1, 1029, 37}, {1, 1029, 512} /* split */,
        {1, 1, 1}, {1, 784, 10}, {1, 1029, 16}, {1, 777, 301} /* split, rows not a multiple of 16 */,
        // everything else: sgemm sample ranges
        {2, 33, 1}, {7, 17, 16}, {64, 784, 10} /* split */, {300, 1029, 16} /* split */, {300, 1, 10},
        {2, 17, 17}, {7, 33, 37}, {7, 1029, 512} /* split */, {64, 1029, 17} /* split */, {300, 784, 37} /* split */,
        {300, 33, 512} /* split */,
        // empty sizes: bias only (in 0), nothing to do (out 0 or batch 0)
        {1, 0, 37}, {7, 0, 37}, {3, 0, 5}, {5, 17, 0}, {0, 17, 37},
    };

    static String route(int batch, int in, int out) {
        long multiplyAdds = (long) batch * in * out;
        if (batch == 1) {
            boolean split = CpuWorkers.parts(multiplyAdds, Dense.GEMV_MULTIPLY_ADDS_PER_PART, out / Dense.ROW_ALIGN) > 1;
            return split ? "one sample, split" : "one sample";
        }
        boolean split = CpuWorkers.parts(multiplyAdds, Dense.GEMM_MULTIPLY_ADDS_PER_PART, batch) > 1;
        return split ? "sgemm split" : "sgemm";
    }

    /** One sample's forward pass is gradsign's kernel (every instruction set), batches OpenBLAS's sgemm. */
    static Stream<Arguments> forwardCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int isa = 0; isa <= BEST_ISA; isa++) {
            for (int[] s : DENSE_SHAPES) {
                for (Activation activation : Activation.values()) {
                    cases.add(Arguments.of(ISA_NAMES[isa], isa, s[0], s[1], s[2], activation, route(s[0], s[1], s[2])));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, batch {2}, {3} -> {4}, {5} ({6})")
    @MethodSource("forwardCases")
    void denseForwardMatchesDoubleReference(String isaName, int isa, int batch, int in, int out, Activation activation,
                                            String route) {
        useIsa(isa);
        long seed = 1_000_003L * batch + 1009L * in + out;
        Random random = new Random(seed);
        int xOff = 5, wOff = 7, bOff = 3, yOff = 11;
        float[] x = input(random, xOff, batch * in, -1f, 1f);
        float[] w = input(random, wOff, out * in, -0.3f, 0.3f);
        float[] bias = input(random, bOff, out, -0.5f, 0.5f);
        float[] y = output(yOff, batch * out);
        float[] xBefore = x.clone(), wBefore = w.clone(), biasBefore = bias.clone();

        Dense.denseForward(y, yOff, x, xOff, w, wOff, bias, bOff, batch, in, out, activation);

        double[] want = new double[batch * out];
        double[] scale = new double[batch * out];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[bOff + o];
                double abs = Math.abs(sum);
                for (int i = 0; i < in; i++) {
                    double term = (double) x[xOff + b * in + i] * w[wOff + o * in + i];
                    sum += term;
                    abs += Math.abs(term);
                }
                // ReLU, tanh and sigmoid are 1-Lipschitz: the bound on the sum holds after them too
                want[b * out + o] = switch (activation) {
                    case NONE -> sum;
                    case RELU -> Math.max(sum, 0);
                    case TANH -> Math.tanh(sum);
                    case SIGMOID -> 1 / (1 + Math.exp(-sum));
                };
                scale[b * out + o] = abs;
            }
        }
        String what = isaName + " " + route + " forward batch " + batch + " " + in + "->" + out + " " + activation
                + " seed " + seed;
        assertNear(want, scale, y, yOff, what);
        assertOutside(y, yOff, batch * out, what);
        assertUnchanged(xBefore, x, what + " x");
        assertUnchanged(wBefore, w, what + " weights");
        assertUnchanged(biasBefore, bias, what + " bias");
    }

    static Stream<Arguments> backwardInputCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int isa = 0; isa <= BEST_ISA; isa++) {
            for (int[] s : DENSE_SHAPES) {
                cases.add(Arguments.of(ISA_NAMES[isa], isa, s[0], s[1], s[2], route(s[0], s[1], s[2])));
            }
        }
        return cases.stream();
    }

    /** About a third of dy exactly zero (half of those -0): the "one" kernel skips those rows. */
    @ParameterizedTest(name = "{0}, batch {2}, {3} <- {4} ({5})")
    @MethodSource("backwardInputCases")
    void denseBackwardInputMatchesDoubleReference(String isaName, int isa, int batch, int in, int out, String route) {
        useIsa(isa);
        long seed = 2_000_003L * batch + 1013L * in + out;
        Random random = new Random(seed);
        int dyOff = 9, wOff = 1, dxOff = 13;
        float[] dy = input(random, dyOff, batch * out, -1f, 1f);
        int zeros = 0;
        for (int k = 0; k < batch * out; k++) {
            if (random.nextInt(3) == 0) {
                dy[dyOff + k] = random.nextBoolean() ? 0f : -0f;
                zeros++;
            }
        }
        float[] w = input(random, wOff, out * in, -0.3f, 0.3f);
        float[] dx = output(dxOff, batch * in);
        float[] dyBefore = dy.clone(), wBefore = w.clone();

        Dense.denseBackwardInput(dx, dxOff, dy, dyOff, w, wOff, batch, in, out);

        double[] want = new double[batch * in];
        double[] scale = new double[batch * in];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double g = dy[dyOff + b * out + o];
                for (int i = 0; i < in; i++) {
                    double term = g * w[wOff + o * in + i];
                    want[b * in + i] += term;
                    scale[b * in + i] += Math.abs(term);
                }
            }
        }
        String what = isaName + " " + route + " backward input batch " + batch + " " + in + "<-" + out + " ("
                + zeros + " of " + batch * out + " dy zero) seed " + seed;
        assertNear(want, scale, dx, dxOff, what);
        assertOutside(dx, dxOff, batch * in, what);
        assertUnchanged(dyBefore, dy, what + " dy");
        assertUnchanged(wBefore, w, what + " weights");
    }

    static Stream<Arguments> allZeroCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{1, 784, 512}, {1, 33, 37}, {64, 784, 10}, {300, 784, 37}};
        for (int isa = 0; isa <= BEST_ISA; isa++) {
            for (int[] s : shapes) {
                cases.add(Arguments.of(ISA_NAMES[isa], isa, s[0], s[1], s[2], route(s[0], s[1], s[2])));
            }
        }
        return cases.stream();
    }

    /** dy all zero: every row skipped by the "one" kernel, and still every element of dx written, as zero. */
    @ParameterizedTest(name = "{0}, batch {2}, {3} <- {4} ({5}), all dy zero")
    @MethodSource("allZeroCases")
    void denseBackwardInputOfZeroGradientIsZero(String isaName, int isa, int batch, int in, int out, String route) {
        useIsa(isa);
        long seed = 3_000_017L * batch + in + out;
        Random random = new Random(seed);
        int dyOff = 3, wOff = 5, dxOff = 7;
        float[] dy = input(random, dyOff, batch * out, 0f, 0f);
        float[] w = input(random, wOff, out * in, -0.3f, 0.3f);
        float[] dx = output(dxOff, batch * in);
        Dense.denseBackwardInput(dx, dxOff, dy, dyOff, w, wOff, batch, in, out);
        String what = isaName + " " + route + " backward input, all dy zero, batch " + batch + " " + in + "<-" + out
                + " seed " + seed;
        for (int k = 0; k < batch * in; k++) {
            if (!(dx[dxOff + k] == 0f)) {
                fail(what + ": dx[" + k + "] = " + dx[dxOff + k] + ", want 0");
            }
        }
        assertOutside(dx, dxOff, batch * in, what);
    }

    static Stream<Arguments> oneSampleShapes() {
        List<Arguments> cases = new ArrayList<>();
        for (int isa = 0; isa <= BEST_ISA; isa++) {
            for (int[] s : new int[][] {{33, 37}, {1029, 37}, {784, 512}, {17, 17}}) {
                cases.add(Arguments.of(ISA_NAMES[isa], isa, s[0], s[1]));
            }
        }
        return cases.stream();
    }

    /**
     * One sample's backward pass skips the rows whose dy is exactly zero, never reading their weights
     * (gradsign_cpu.h): NaN and infinite weights in those rows do not reach dx.
     */
    @ParameterizedTest(name = "{0}, batch 1, {2} <- {3}")
    @MethodSource("oneSampleShapes")
    void oneSampleBackwardInputNeverReadsRowsWithZeroGradient(String isaName, int isa, int in, int out) {
        useIsa(isa);
        long seed = 6_000_011L * in + out;
        Random random = new Random(seed);
        int dyOff = 1, wOff = 3, dxOff = 5;
        float[] dy = input(random, dyOff, out, -1f, 1f);
        float[] w = input(random, wOff, out * in, -0.3f, 0.3f);
        int zeros = 0;
        for (int o = 0; o < out; o++) {
            // every third row, and the last one, zero (its weights poisoned); the rest at random
            if (o % 3 == 1 || o == out - 1 || random.nextInt(4) == 0) {
                dy[dyOff + o] = zeros % 2 == 0 ? 0f : -0f;
                Arrays.fill(w, wOff + o * in, wOff + (o + 1) * in, zeros % 2 == 0 ? Float.NaN : INF);
                zeros++;
            }
        }
        float[] dx = output(dxOff, in);
        Dense.denseBackwardInput(dx, dxOff, dy, dyOff, w, wOff, 1, in, out);
        double[] want = new double[in];
        double[] scale = new double[in];
        for (int o = 0; o < out; o++) {
            double g = dy[dyOff + o];
            if (g != 0) {
                for (int i = 0; i < in; i++) {
                    double term = g * w[wOff + o * in + i];
                    want[i] += term;
                    scale[i] += Math.abs(term);
                }
            }
        }
        String what = isaName + " one backward input, " + in + "<-" + out + ", " + zeros
                + " rows with zero dy and non-finite weights, seed " + seed;
        assertNear(want, scale, dx, dxOff, what);
        assertOutside(dx, dxOff, in, what);

        // every dy zero and every weight NaN: dx is zero all the same
        Arrays.fill(dy, dyOff, dyOff + out, 0f);
        Arrays.fill(w, Float.NaN);
        float[] zero = output(dxOff, in);
        Dense.denseBackwardInput(zero, dxOff, dy, dyOff, w, wOff, 1, in, out);
        for (int i = 0; i < in; i++) {
            if (!(zero[dxOff + i] == 0f)) {
                fail(what + ", then all dy zero and all weights NaN: dx[" + i + "] = " + zero[dxOff + i]);
            }
        }
    }

    static Stream<Arguments> backwardWeightShapes() {
        // (batch, in, out): dWeights (out, in) = dy^T x is sgemm with a transposed A of m = out rows
        return Stream.of(
                Arguments.of(64, 300, 64, "sgemm split, A transposed"),
                Arguments.of(100, 300, 37, "sgemm split, A transposed, rows not a multiple of 16"),
                Arguments.of(7, 1029, 512, "sgemm split, A transposed, short batch"),
                Arguments.of(300, 784, 10, "one part: fewer than 16 rows"),
                Arguments.of(1, 17, 3, "small"),
                Arguments.of(0, 5, 7, "empty batch: zeros"));
    }

    @ParameterizedTest(name = "batch {0}, {1} -> {2} ({3})")
    @MethodSource("backwardWeightShapes")
    void denseBackwardWeightsMatchesDoubleReference(int batch, int in, int out, String description) {
        long seed = 4_000_037L * batch + 1019L * in + out;
        Random random = new Random(seed);
        int dyOff = 3, xOff = 7, dwOff = 5, dbOff = 9;
        float[] dy = input(random, dyOff, batch * out, -1f, 1f);
        for (int k = 0; k < batch * out; k += 3) {
            dy[dyOff + k] = 0f;
        }
        float[] x = input(random, xOff, batch * in, -1f, 1f);
        float[] dWeights = output(dwOff, out * in);
        float[] dBias = output(dbOff, out);
        float[] dyBefore = dy.clone(), xBefore = x.clone();

        Dense.denseBackwardWeights(dWeights, dwOff, dBias, dbOff, dy, dyOff, x, xOff, batch, in, out);

        double[] wantW = new double[out * in];
        double[] scaleW = new double[out * in];
        double[] wantB = new double[out];
        double[] scaleB = new double[out];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double g = dy[dyOff + b * out + o];
                wantB[o] += g;
                scaleB[o] += Math.abs(g);
                for (int i = 0; i < in; i++) {
                    double term = g * x[xOff + b * in + i];
                    wantW[o * in + i] += term;
                    scaleW[o * in + i] += Math.abs(term);
                }
            }
        }
        String what = "backward weights batch " + batch + " " + in + "->" + out + " (" + description + ") seed " + seed;
        assertNear(wantW, scaleW, dWeights, dwOff, what + " dWeights");
        assertNear(wantB, scaleB, dBias, dbOff, what + " dBias");
        assertOutside(dWeights, dwOff, out * in, what + " dWeights");
        assertOutside(dBias, dbOff, out, what + " dBias");
        assertUnchanged(dyBefore, dy, what + " dy");
        assertUnchanged(xBefore, x, what + " x");
    }

    /** Uniform values in [lo, hi) at [offset, offset + count) of an array with NaN everywhere else. */
    private static float[] input(Random random, int offset, int count, float lo, float hi) {
        float[] values = new float[offset + count + PAD];
        Arrays.fill(values, Float.NaN);
        for (int i = 0; i < count; i++) {
            values[offset + i] = lo + (hi - lo) * random.nextFloat();
        }
        return values;
    }

    /** NaN at [offset, offset + count), the sentinel everywhere else. */
    private static float[] output(int offset, int count) {
        float[] values = new float[offset + count + PAD];
        Arrays.fill(values, SENTINEL);
        Arrays.fill(values, offset, offset + count, Float.NaN);
        return values;
    }

    /** |got - want| <= 1e-5 sum|terms| + 1e-6 for each element (the bound of float rounding in any order). */
    private static void assertNear(double[] want, double[] scale, float[] got, int offset, String what) {
        double[] tolerance = new double[want.length];
        for (int k = 0; k < want.length; k++) {
            tolerance[k] = 1e-5 * scale[k] + 1e-6;
        }
        Tolerance.assertWithin(want, tolerance, got, offset, what);
    }

    /** The sentinel is still in place before and after [offset, offset + count). */
    private static void assertOutside(float[] values, int offset, int count, String what) {
        for (int k = 0; k < values.length; k++) {
            if ((k < offset || k >= offset + count) && Float.floatToRawIntBits(values[k]) != Float.floatToRawIntBits(SENTINEL)) {
                fail(what + ": element " + k + " outside the output range [" + offset + ", " + (offset + count)
                        + ") was overwritten with " + values[k]);
            }
        }
    }

    private static void assertUnchanged(float[] before, float[] after, String what) {
        for (int k = 0; k < before.length; k++) {
            if (Float.floatToRawIntBits(before[k]) != Float.floatToRawIntBits(after[k])) {
                fail(what + ": input element " + k + " changed from " + before[k] + " to " + after[k]);
            }
        }
    }

    // ---------------------------------------------------------------- sign step

    private static final float INF = Float.POSITIVE_INFINITY;
    private static final float[] SPECIALS = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, INF, -INF, Float.NaN,
        Float.intBitsToFloat(0x7fc00123), Float.intBitsToFloat(0xffc00000), 3e38f, -3e38f, Float.MAX_VALUE,
        -Float.MAX_VALUE, 1f, -1f, 0.95f, 0.05f, Float.MIN_NORMAL, -Float.MIN_NORMAL};
    private static final float[][] BOUNDS = {{0f, 1f}, {-0f, 1f}, {0f, 0f}, {-0f, 0f}, {-0f, -0f}, {-1f, -0f},
        {-INF, INF}};
    private static final float[] EPSILONS = {0.1f, 0f, Float.MIN_VALUE, 3e38f};
    private static final float[][] LARGE_BOUNDS = {{-0f, 1f}, {0f, 0f}, {-INF, INF}};
    private static final float[] LARGE_EPSILONS = {0.1f, 3e38f};

    /** Where out sits relative to x and gradient: offsets into separate arrays, or one of the inputs itself. */
    enum Layout {
        SEPARATE_ALIGNED(0, 0, 0),
        SEPARATE_ODD_OFFSETS(3, 5, 1),
        SEPARATE_OTHER_OFFSETS(2, 1, 7),
        IN_PLACE_OUT_IS_X(7, 7, 2),
        IN_PLACE_OUT_IS_GRADIENT(4, 5, 4);

        final int out;
        final int x;
        final int gradient;

        Layout(int out, int x, int gradient) {
            this.out = out;
            this.x = x;
            this.gradient = gradient;
        }
    }

    static Stream<Arguments> signStepCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int isa = 0; isa <= BEST_ISA; isa++) {
            for (int count : new int[] {0, 1, 15, 16, 17, 1000, 65536 * 2 + 5}) {
                for (Layout layout : Layout.values()) {
                    cases.add(Arguments.of(ISA_NAMES[isa], isa, count, layout));
                }
            }
        }
        return cases.stream();
    }

    /**
     * The native, split sign step gives the Java formula's bits (NaN as NaN) for every bound and
     * epsilon, special values (signed zeros, denormals, infinities, NaN, huge values) mixed in.
     */
    @ParameterizedTest(name = "{0}, {2} floats, {3}")
    @MethodSource("signStepCases")
    void signStepEqualsJavaFormulaBitForBit(String isaName, int isa, int count, Layout layout) {
        useIsa(isa);
        long seed = 5_000_011L * count + 31L * layout.ordinal();
        // the long count (split over the cores) on fewer bounds and steps: the short ones cover them all
        boolean large = count > 1000;
        for (float[] bounds : large ? LARGE_BOUNDS : BOUNDS) {
            for (float epsilon : large ? LARGE_EPSILONS : EPSILONS) {
                Random random = new Random(seed);
                float[] x = specialInput(random, layout.x, count, -1.5f, 2.5f);
                float[] gradient = specialInput(random, layout.gradient, count, -1f, 1f);
                float lo = bounds[0];
                float hi = bounds[1];
                float[] xs = x.clone();
                float[] gs = gradient.clone();
                float[] out = switch (layout) {
                    case IN_PLACE_OUT_IS_X -> x;
                    case IN_PLACE_OUT_IS_GRADIENT -> gradient;
                    default -> output(layout.out, count);
                };
                SignStep.signStep(out, layout.out, x, layout.x, gradient, layout.gradient, count, epsilon, lo, hi);

                String what = isaName + " sign step, " + count + " floats, " + layout + ", eps " + epsilon + ", bounds ["
                        + lo + ", " + hi + "], seed " + seed;
                int wrong = 0;
                int moved = 0;
                StringBuilder first = new StringBuilder();
                for (int i = 0; i < count; i++) {
                    float want = SignStep.signStepOne(xs[layout.x + i], gs[layout.gradient + i], epsilon, lo, hi);
                    float got = out[layout.out + i];
                    boolean same = Float.isNaN(want) ? Float.isNaN(got)
                            : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
                    if (!same) {
                        if (wrong < 5) {
                            first.append(String.format(" [%d] x %s gradient %s: want %s (0x%08x) got %s (0x%08x);", i,
                                    xs[layout.x + i], gs[layout.gradient + i], want, Float.floatToRawIntBits(want), got,
                                    Float.floatToRawIntBits(got)));
                        }
                        wrong++;
                    }
                    moved += want != xs[layout.x + i] ? 1 : 0;
                }
                if (wrong > 0) {
                    fail(what + ": " + wrong + " of " + count + " differ:" + first);
                }
                if (epsilon == 0.1f && lo == -INF && count >= 16) {
                    assertTrue(moved > count / 2, what + ": only " + moved + " elements moved");
                }
                // everything outside the output range as it was: the sentinel, or the other input's values
                switch (layout) {
                    case IN_PLACE_OUT_IS_X -> assertUnchangedOutside(xs, x, layout.out, count, what);
                    case IN_PLACE_OUT_IS_GRADIENT -> assertUnchangedOutside(gs, gradient, layout.out, count, what);
                    default -> assertOutside(out, layout.out, count, what);
                }
                if (layout != Layout.IN_PLACE_OUT_IS_X) {
                    assertUnchanged(xs, x, what + " x");
                }
                if (layout != Layout.IN_PLACE_OUT_IS_GRADIENT) {
                    assertUnchanged(gs, gradient, what + " gradient");
                }
            }
        }
    }

    /** Uniform values, a quarter of them replaced by special values, at an offset, NaN around them. */
    private static float[] specialInput(Random random, int offset, int count, float lo, float hi) {
        float[] values = input(random, offset, count, lo, hi);
        for (int i = 0; i < count; i++) {
            if (random.nextInt(4) == 0) {
                values[offset + i] = SPECIALS[random.nextInt(SPECIALS.length)];
            }
        }
        return values;
    }

    private static void assertUnchangedOutside(float[] before, float[] after, int offset, int count, String what) {
        for (int k = 0; k < before.length; k++) {
            if ((k < offset || k >= offset + count)
                    && Float.floatToRawIntBits(before[k]) != Float.floatToRawIntBits(after[k])) {
                fail(what + ": element " + k + " outside the output range [" + offset + ", " + (offset + count)
                        + ") changed from " + before[k] + " to " + after[k]);
            }
        }
    }

    // ---------------------------------------------------------------- the batch-1 step's element-wise work

    static Stream<Arguments> elementwiseCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int isa = 0; isa <= BEST_ISA; isa++) {
            for (int count : new int[] {0, 1, 15, 16, 17, 256, 392, 1000}) {
                cases.add(Arguments.of(ISA_NAMES[isa], isa, count));
            }
        }
        return cases.stream();
    }

    /** The native ReLU gives Dense.activate's bits (Java's Math.max: NaN stays, -0 becomes +0) and writes nothing else. */
    @ParameterizedTest(name = "{0}, {2} floats")
    @MethodSource("elementwiseCases")
    void reluEqualsJavaMaxBitForBit(String isaName, int isa, int count) {
        useIsa(isa);
        Random random = new Random(7_000_003L * count + isa);
        int offset = 5;
        float[] y = specialInput(random, offset, count, -2f, 2f);
        float[] want = y.clone();
        Dense.activate(want, offset, offset + count, Activation.RELU);
        CpuKernels.gradsign_cpu_relu_at(y, offset, count);
        assertBitsEqual(want, y, isaName + " relu, " + count + " floats");
    }

    /**
     * The native gradient at a layer's outputs gives the Java loops' bits: shares added in order, then
     * ActivationBackward's ReLU derivative (or none); shares at an offset and a stride, y and shares
     * null where unused; nothing outside the range written.
     */
    @ParameterizedTest(name = "{0}, {2} floats")
    @MethodSource("elementwiseCases")
    void activationGradientEqualsTheJavaLoopsBitForBit(String isaName, int isa, int count) {
        useIsa(isa);
        for (Activation activation : new Activation[] {Activation.NONE, Activation.RELU}) {
            for (int shareCount = 0; shareCount <= 2; shareCount++) {
                Random random = new Random(9_000_011L * count + 31L * shareCount + activation.ordinal() + isa);
                int offset = 3;
                int stride = count + 4;
                float[] dy = specialInput(random, offset, count, -1f, 1f);
                float[] shares = shareCount == 0 ? null : specialInput(random, 2, shareCount * stride, -1f, 1f);
                float[] y = activation == Activation.NONE ? null : input(random, 6, count, 0f, 1f);
                if (y != null) {
                    for (int i = 0; i < count; i++) {
                        y[6 + i] = random.nextInt(3) == 0 ? 0f
                                : random.nextInt(5) == 0 ? Math.abs(SPECIALS[random.nextInt(SPECIALS.length)]) : y[6 + i];
                    }
                }
                float[] want = dy.clone();
                for (int i = 0; i < count; i++) {
                    float g = want[offset + i];
                    for (int p = 0; p < shareCount; p++) {
                        g += shares[2 + p * stride + i];
                    }
                    if (activation == Activation.RELU) {
                        g *= ActivationBackward.reluDerivative(y[6 + i]);
                    }
                    want[offset + i] = g;
                }
                CpuKernels.gradsign_cpu_activation_gradient_at(dy, offset, shares, 2, stride, shareCount, y, 6,
                        activation.code(), count);
                assertBitsEqual(want, dy, isaName + " activation gradient, " + count + " floats, " + shareCount
                        + " shares, " + activation);
            }
        }
    }

    /** Every element the same bits, NaN as NaN. */
    private static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : Float.floatToRawIntBits(want[i]) == Float.floatToRawIntBits(got[i]);
            if (!same) {
                fail(what + ": element " + i + " want " + want[i] + " (0x" + Integer.toHexString(
                        Float.floatToRawIntBits(want[i])) + ") got " + got[i] + " (0x"
                        + Integer.toHexString(Float.floatToRawIntBits(got[i])) + ")");
            }
        }
    }

    // ---------------------------------------------------------------- finite scan

    /** Long enough that the scan splits over two cores (parts of 2^17 floats at least), and not a multiple of 16. */
    private static final int LARGE = (1 << 18) + 37;
    private static final float[] NON_FINITE = {Float.NaN, INF, -INF, Float.intBitsToFloat(0xff800001),
        Float.intBitsToFloat(0x7f800001)};

    /** Finite values, extremes included, at [offset, offset + count); NaN just before and just after. */
    private static float[] finite(long seed, int offset, int count) {
        Random random = new Random(seed);
        float[] values = new float[offset + count + 2];
        float[] extremes = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -0f, 0f, Float.MIN_NORMAL, 3e38f};
        for (int i = 0; i < count; i++) {
            values[offset + i] = random.nextInt(8) == 0 ? extremes[random.nextInt(extremes.length)]
                    : (random.nextFloat() - 0.5f) * 1e6f;
        }
        if (offset > 0) {
            values[offset - 1] = Float.NaN;
        }
        values[offset + count] = INF;
        values[offset + count + 1] = Float.NaN;
        return values;
    }

    static Stream<Arguments> isas() {
        return Stream.of(Arguments.of(ISA_NAMES[0], 0), Arguments.of(ISA_NAMES[1], 1), Arguments.of(ISA_NAMES[2], 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void finiteScanFindsNothingInFiniteValues(String isaName, int isa) {
        useIsa(isa);
        for (int count : new int[] {0, 1, 15, 16, 17, 1023, 1024, 1025, LARGE}) {
            for (int offset : new int[] {0, 1, 3}) {
                float[] values = finite(count + offset, offset, count);
                assertEquals(-1, NonFinite.firstIndex(values, offset, count),
                        isaName + ": " + count + " finite floats at offset " + offset + " (non-finite only outside)");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void finiteScanFindsOneNonFiniteAnywhere(String isaName, int isa) {
        useIsa(isa);
        int offset = 5;
        int partStart = CpuWorkers.start(LARGE, 1, 2, 16);
        int[] positions = {0, 1, 15, 16, 1023, 1024, 5000, partStart - 1, partStart, LARGE / 2, LARGE - 17, LARGE - 2,
            LARGE - 1};
        float[] values = finite(6, offset, LARGE);
        for (int position : positions) {
            for (float special : NON_FINITE) {
                float kept = values[offset + position];
                values[offset + position] = special;
                assertEquals(position, NonFinite.firstIndex(values, offset, LARGE),
                        isaName + ": one " + special + " (0x" + Integer.toHexString(Float.floatToRawIntBits(special))
                                + ") at " + position + " of " + LARGE + ", offset " + offset);
                values[offset + position] = kept;
            }
        }
        // short arrays: the non-finite value in the vector body or in the scalar tail
        for (int count = 1; count <= 40; count++) {
            float[] small = finite(count, 3, count);
            for (int position = 0; position < count; position++) {
                float kept = small[3 + position];
                small[3 + position] = Float.NaN;
                assertEquals(position, NonFinite.firstIndex(small, 3, count),
                        isaName + ": NaN at " + position + " of " + count + ", offset 3");
                small[3 + position] = kept;
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void finiteScanReturnsTheFirstOfSeveral(String isaName, int isa) {
        useIsa(isa);
        int offset = 3;
        int partStart = CpuWorkers.start(LARGE, 1, 2, 16);
        int[][] sets = {{10, 200_000}, {200_000, 10}, {partStart + 4, LARGE - 1}, {partStart - 1, partStart},
            {5000, 5001, 5002}, {0, LARGE - 1}, {1030, 1025}};
        for (int[] set : sets) {
            float[] values = finite(7, offset, LARGE);
            int first = Integer.MAX_VALUE;
            for (int k = 0; k < set.length; k++) {
                values[offset + set[k]] = NON_FINITE[k % NON_FINITE.length];
                first = Math.min(first, set[k]);
            }
            assertEquals(first, NonFinite.firstIndex(values, offset, LARGE),
                    isaName + ": non-finite values at " + Arrays.toString(set) + " of " + LARGE + ", offset " + offset);
        }
    }

    @ParameterizedTest(name = "offset {0}, count {1}")
    @org.junit.jupiter.params.provider.CsvSource({"-1, 5", "0, -1", "0, 11", "3, 8", "11, 0", "1, 2147483647",
        "2147483647, 1"})
    void finiteScanRejectsBadRanges(int offset, int count) {
        float[] values = new float[10];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NonFinite.firstIndex(values, offset, count));
        assertTrue(e.getMessage().contains("range [" + offset + ", " + offset + " + " + count + ")"), e.getMessage());
    }

    @ParameterizedTest(name = "offset {0}")
    @ValueSource(ints = {0, 4, 10})
    void finiteScanOfEmptyRangeIsMinusOne(int offset) {
        float[] values = new float[10];
        Arrays.fill(values, Float.NaN);
        assertEquals(-1, NonFinite.firstIndex(values, offset, 0));
    }

    // ---------------------------------------------------------------- SGD with momentum

    /** Split over the cores (count past 2^16) or not, one offset for all or three: bit for bit the scalar formula. */
    @ParameterizedTest(name = "count {0}, offsets {1} {2} {3}, weight decay {4}")
    @org.junit.jupiter.params.provider.CsvSource({"1, 0, 0, 0, 0", "17, 3, 3, 3, 0", "17, 1, 5, 9, 0",
        "100003, 0, 0, 0, 0", "100003, 7, 7, 7, 0", "100003, 2, 9, 4, 0", "1, 0, 0, 0, 0.3", "17, 1, 5, 9, 0.3",
        "100003, 0, 0, 0, 5e-4", "100003, 2, 9, 4, 0.01"})
    void sgdMomentumMatchesTheScalarFormulaBitForBit(int count, int pOff, int vOff, int gOff, float weightDecay) {
        Random random = new Random(31L * count + pOff);
        float[] parameters = new float[pOff + count + PAD];
        float[] velocity = new float[vOff + count + PAD];
        float[] gradient = new float[gOff + count + PAD];
        for (int i = 0; i < count; i++) {
            parameters[pOff + i] = random.nextFloat() - 0.5f;
            velocity[vOff + i] = random.nextFloat() - 0.5f;
            gradient[gOff + i] = random.nextFloat() - 0.5f;
        }
        Arrays.fill(parameters, pOff + count, parameters.length, SENTINEL);
        Arrays.fill(velocity, vOff + count, velocity.length, SENTINEL);
        float[] wantParameters = parameters.clone();
        float[] wantVelocity = velocity.clone();
        float learningRate = 0.05f;
        float momentum = 0.9f;
        for (int i = 0; i < count; i++) {
            // torch.optim.SGD: the decay joins the gradient; without it, the gradient alone (not g + 0 * p)
            float g = weightDecay == 0f ? gradient[gOff + i] : gradient[gOff + i] + weightDecay * wantParameters[pOff + i];
            float v = momentum * wantVelocity[vOff + i] + g;
            wantVelocity[vOff + i] = v;
            wantParameters[pOff + i] -= learningRate * v;
        }
        SgdMomentum.sgdMomentum(parameters, pOff, velocity, vOff, gradient, gOff, count, learningRate, momentum,
                weightDecay);
        assertArrayEquals(wantVelocity, velocity, "velocity, count " + count);
        assertArrayEquals(wantParameters, parameters, "parameters, count " + count);
    }
}

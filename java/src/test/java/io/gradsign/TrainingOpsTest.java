package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.cpu.Philox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.rng.core.source32.Philox4x32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operations of adversarial training and VAT on every backend: combine, l2Normalize, randomUniform,
 * randomNormal and sgdMomentum with weight decay. Each promises the same bits everywhere, so every
 * backend is compared bit for bit with a formula written here (or, for the random draws, with the CPU
 * twin, itself checked against Random123's known answers, Commons RNG's Philox and the distributions).
 * The real CUDA backend is skipped, with the reason, where no GPU is present.
 */
class TrainingOpsTest {
    private static Backend cpu;

    @BeforeAll
    static void openCpu() {
        cpu = Backends.open(BackendKind.CPU);
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }

    static Stream<Arguments> allKinds() {
        return Stream.of(Arguments.of(BackendKind.CPU), Arguments.of(BackendKind.CUDA_EMULATED),
                Arguments.of(BackendKind.CUDA));
    }

    static Stream<Arguments> cudaKinds() {
        return Stream.of(Arguments.of(BackendKind.CUDA_EMULATED), Arguments.of(BackendKind.CUDA));
    }

    private static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    // ---------------------------------------------------------------------------------------------
    // combine

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKinds")
    void combineMatchesTheFormulaBitForBit(BackendKind kind) {
        try (Backend backend = open(kind)) {
            for (int count : new int[] {1, 3, 1023, 100_003}) {
                for (int at : new int[] {0, 1}) {
                    float[] x = TestBackends.uniform(count, count, -2f, 2f);
                    float[] y = TestBackends.uniform(count + 7, count, -2f, 2f);
                    specials(x, y);
                    float[][] cases = {{0.7f, -1.3f, -0.5f, 0.9f}, {1f, 1f, -1f, 1f}, {0.25f, 0f, 0f, 0.3f},
                        {-3f, 2.5f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}};
                    for (float[] c : cases) {
                        float[] want = new float[count];
                        for (int i = 0; i < count; i++) {
                            want[i] = Math.min(Math.max(c[0] * x[i] + c[1] * y[i], c[2]), c[3]);
                        }
                        String what = kind + " count " + count + " at " + at + " " + Arrays.toString(c);
                        assertArrayEquals(want, combine(backend, at, c, x, y, 0), what);
                        assertArrayEquals(want, combine(backend, at, c, x, y, 1), what + ", out = x");
                        assertArrayEquals(want, combine(backend, at, c, x, y, 2), what + ", out = y");
                    }
                }
            }
        }
    }

    /** NaN, -0 + -0 and an infinite product among the inputs, where the count allows. */
    private static void specials(float[] x, float[] y) {
        if (x.length >= 3) {
            x[0] = Float.NaN;
            x[1] = -0f;
            y[1] = -0f;
            y[2] = Float.POSITIVE_INFINITY;
        }
    }

    /**
     * combine at element offset {@code at} of its buffers (misaligned at 1), out poisoned first; inPlace:
     * 0 a separate out, 1 out = x, 2 out = y.
     */
    private static float[] combine(Backend backend, int at, float[] c, float[] x, float[] y, int inPlace) {
        int n = x.length;
        try (Tensor xs = backend.upload(padded(x, at)); Tensor ys = backend.upload(padded(y, at));
             Tensor outs = backend.upload(TestBackends.poison(n + at))) {
            Tensor xv = xs.view(at, n);
            Tensor yv = ys.view(at, n);
            Tensor out = inPlace == 1 ? xv : inPlace == 2 ? yv : outs.view(at, n);
            backend.combine(out, c[0], xv, c[1], yv, c[2], c[3]);
            return Arrays.copyOfRange((inPlace == 1 ? xs : inPlace == 2 ? ys : outs).toArray(), at, at + n);
        }
    }

    private static float[] padded(float[] values, int at) {
        float[] result = new float[values.length + at];
        System.arraycopy(values, 0, result, at, values.length);
        return result;
    }

    // ---------------------------------------------------------------------------------------------
    // l2Normalize

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKinds")
    void l2NormalizeMatchesTheFormulaBitForBit(BackendKind kind) {
        int[][] shapes = {{1, 1}, {1, 100_003}, {3, 1001}, {7, 784}, {5, 256}, {2, 257}, {0, 0}};
        try (Backend backend = open(kind)) {
            for (int[] shape : shapes) {
                int batch = shape[0];
                int n = shape[1];
                int count = batch * n;
                float[] v = TestBackends.uniform(count + 3L, count, -1f, 1f);
                float[] origin = TestBackends.uniform(count + 4L, count, 0f, 1f);
                if (batch >= 3) {
                    // a sample of zeros (norm 0: out is origin) and one of tiny values whose squares round to 0 in float
                    Arrays.fill(v, n, 2 * n, 0f);
                    Arrays.fill(v, 2 * n, 3 * n, 1e-30f);
                }
                for (float scale : new float[] {0.5f, -2f}) {
                    for (boolean withOrigin : new boolean[] {true, false}) {
                        float[] want = l2NormalizeReference(withOrigin ? origin : null, v, batch, n, scale);
                        String what = kind + " batch " + batch + " n " + n + " scale " + scale + " origin " + withOrigin;
                        for (int inPlace = 0; inPlace < (withOrigin ? 3 : 2); inPlace++) {
                            float[] got = l2Normalize(backend, withOrigin ? origin : null, v, batch, scale, inPlace);
                            assertArrayEquals(want, got, what + " in place " + inPlace);
                        }
                        if (withOrigin && batch > 0) {
                            checkDistance(want, origin, v, batch, n, scale, what);
                        }
                    }
                }
            }
        }
    }

    /**
     * The contract written out here: per sample, the sum of squares in double, element i in lane i mod
     * 256 in order, the lanes pairwise (s = 128 .. 1), to float once; float sqrt; factor = scale / norm;
     * out = origin + factor v (factor v without origin); norm 0: origin, or 0.
     */
    private static float[] l2NormalizeReference(float[] origin, float[] v, int batch, int n, float scale) {
        float[] out = new float[batch * n];
        for (int s = 0; s < batch; s++) {
            double[] lanes = new double[256];
            for (int i = 0; i < n; i++) {
                double value = v[s * n + i];
                lanes[i % 256] += value * value;
            }
            for (int step = 128; step > 0; step /= 2) {
                for (int t = 0; t < step; t++) {
                    lanes[t] += lanes[t + step];
                }
            }
            float norm = (float) Math.sqrt((float) lanes[0]);
            for (int i = 0; i < n; i++) {
                int k = s * n + i;
                if (norm == 0f) {
                    out[k] = origin == null ? 0f : origin[k];
                } else {
                    float scaled = (scale / norm) * v[k];
                    out[k] = origin == null ? scaled : origin[k] + scaled;
                }
            }
        }
        return out;
    }

    /** |out - origin|_2 is |scale| per sample (0 for a sample of zeros), within float rounding. */
    private static void checkDistance(float[] out, float[] origin, float[] v, int batch, int n, float scale,
                                      String what) {
        for (int s = 0; s < batch; s++) {
            double squares = 0;
            double vSquares = 0;
            for (int i = 0; i < n; i++) {
                double d = (double) out[s * n + i] - origin[s * n + i];
                squares += d * d;
                vSquares += (double) v[s * n + i] * v[s * n + i];
            }
            double want = (float) vSquares == 0f ? 0 : Math.abs(scale);
            assertEquals(want, Math.sqrt(squares), 1e-5 * (1 + Math.sqrt(n)), what + " sample " + s);
        }
    }

    /** inPlace: 0 a separate out (poisoned), 1 out = v, 2 out = origin. */
    private static float[] l2Normalize(Backend backend, float[] origin, float[] v, int batch, float scale, int inPlace) {
        try (Tensor vs = backend.upload(v); Tensor os = origin == null ? null : backend.upload(origin);
             Tensor separate = backend.upload(TestBackends.poison(v.length))) {
            Tensor out = inPlace == 1 ? vs : inPlace == 2 ? os : separate;
            backend.l2Normalize(out, os, vs, batch, scale);
            return out.toArray();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Philox4x32-10 and the random draws

    @Test
    void philoxGivesRandom123sKnownAnswers() {
        int[] words = new int[4];
        Philox.block(0, 0, 0, 0, 0, 0, words);
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, words, "zeros");
        Philox.block(-1, -1, -1, -1, -1, -1, words);
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, words, "ones");
        Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, words);
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, words, "pi");
    }

    /** Commons RNG's Philox4x32 (an independent implementation) gives blocks counter + 1, counter + 2, ... */
    @Test
    void philoxAgreesWithCommonsRng() {
        Random random = new Random(5);
        int[] words = new int[4];
        for (int trial = 0; trial < 20; trial++) {
            long seed = random.nextLong();
            long stream = random.nextLong();
            long block = random.nextInt(1 << 30);
            Philox4x32 commons = new Philox4x32(new int[] {(int) seed, (int) (seed >>> 32), (int) block,
                (int) (block >>> 32), (int) stream, (int) (stream >>> 32)});
            for (int b = 1; b <= 8; b++) {
                Philox.block(seed, stream, block + b, words);
                for (int j = 0; j < 4; j++) {
                    assertEquals(words[j], commons.nextInt(), "seed " + seed + " stream " + stream + " block " + block
                            + " + " + b + " word " + j);
                }
            }
        }
    }

    @Test
    void logIsAccurate() {
        Random random = new Random(11);
        List<Double> xs = new ArrayList<>(List.of(0x1p-53, 1.0, Math.nextDown(1.0), 0.5, Math.sqrt(0.5),
                Math.nextUp(Math.sqrt(0.5)), Math.nextDown(Math.sqrt(0.5)), 0.70710678, 0.99999, 1e-10, 0.1, 2.0,
                1.4142135623730951, 1.4142135623730954, 1e300, Double.MIN_NORMAL));
        for (int i = 0; i < 100_000; i++) {
            xs.add((random.nextLong() >>> 11) * 0x1p-53 + 0x1p-53);
        }
        for (double x : xs) {
            double want = Math.log(x);
            double got = Philox.log(x);
            assertEquals(want, got, 2e-15 * Math.abs(want) + 1e-300, "log " + x);
        }
    }

    @Test
    void sinCosAreAccurate() {
        Random random = new Random(12);
        List<Double> us = new ArrayList<>(List.of(0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875,
                Math.nextDown(1.0), 0x1p-53, Math.nextDown(0.125), Math.nextUp(0.125), Math.nextDown(0.25)));
        for (int i = 0; i < 100_000; i++) {
            us.add((random.nextLong() >>> 11) * 0x1p-53);
        }
        double[] sinCos = new double[2];
        for (double u : us) {
            Philox.sinCosTwoPi(u, sinCos);
            // sin(2 pi u) in double: the argument's own rounding is up to 2 pi 2^-53 |u|
            double angle = 2 * Math.PI * u;
            assertEquals(StrictMath.sin(angle), sinCos[0], 2e-15, "sin 2 pi " + u);
            assertEquals(StrictMath.cos(angle), sinCos[1], 2e-15, "cos 2 pi " + u);
        }
        Philox.sinCosTwoPi(0.0, sinCos);
        assertEquals(1.0, sinCos[1]);
        assertEquals(0.0, sinCos[0]);
    }

    /** The CPU twin's uniform element i is the mapping of the class javadoc, written out here. */
    @Test
    void uniformFollowsTheDocumentedMapping() {
        int count = 4099;
        int[] words = new int[4];
        for (long[] key : new long[][] {{0, 0}, {42, 7}, {-1L, Long.MIN_VALUE + 3}}) {
            float low = -0.3f;
            float high = 0.7f;
            float[] got = draw(cpu, count, key[0], key[1], low, high);
            for (int i = 0; i < count; i++) {
                Philox.block((int) (i / 4), 0, (int) key[1], (int) (key[1] >>> 32), (int) key[0],
                        (int) (key[0] >>> 32), words);
                float u = (words[i % 4] >>> 8) / 16777216f;
                assertEquals(low + (high - low) * u, got[i], "element " + i + " of seed " + key[0] + " stream "
                        + key[1]);
            }
            // Commons RNG's words from counter (0, 0, stream) are blocks 1, 2, ...: elements 4, 5, ...
            Philox4x32 commons = new Philox4x32(new int[] {(int) key[0], (int) (key[0] >>> 32), 0, 0, (int) key[1],
                (int) (key[1] >>> 32)});
            for (int i = 4; i < count; i++) {
                assertEquals(low + (high - low) * ((commons.nextInt() >>> 8) * 0x1p-24f), got[i], "element " + i);
            }
        }
    }

    /** The CPU twin's normal pair k is Box-Muller of block k as documented, within a float ulp of libm's. */
    @Test
    void normalFollowsTheDocumentedMapping() {
        int count = 20_001;
        int[] words = new int[4];
        for (long[] key : new long[][] {{0, 0}, {42, 7}, {-1L, Long.MIN_VALUE + 3}}) {
            float[] got = draw(cpu, count, key[0], key[1], Float.NaN, Float.NaN);
            for (int i = 0; i < count; i++) {
                Philox.block(key[0], key[1], i / 2, words);
                long a = ((long) (words[0] >>> 5) << 26) | (words[1] >>> 6);
                long b = ((long) (words[2] >>> 5) << 26) | (words[3] >>> 6);
                double u1 = (a + 1) * 0x1p-53;
                double u2 = b * 0x1p-53;
                double r = Math.sqrt(-2 * Math.log(u1));
                double z = i % 2 == 0 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2);
                float want = (float) z;
                assertEquals(want, got[i], Math.ulp(want) + 1e-14f, "element " + i + " of seed " + key[0] + " stream " + key[1]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void randomDrawsMatchCpuBitForBit(BackendKind kind) {
        long[][] keys = {{0, 0}, {42, 7}, {-1L, Long.MIN_VALUE + 3}, {0x123456789abcdefL, 1L << 40}};
        try (Backend cuda = open(kind)) {
            for (int count : new int[] {1, 3, 4097, 1_000_000}) {
                for (long[] key : keys) {
                    String what = kind + " count " + count + " seed " + key[0] + " stream " + key[1];
                    float[] want = draw(cpu, count, key[0], key[1], -0.3f, 0.3f);
                    assertArrayEquals(want, draw(cuda, count, key[0], key[1], -0.3f, 0.3f), what + " uniform");
                    float[] wantNormal = draw(cpu, count, key[0], key[1], Float.NaN, Float.NaN);
                    assertArrayEquals(wantNormal, draw(cuda, count, key[0], key[1], Float.NaN, Float.NaN),
                            what + " normal");
                    if (count == 4097) {
                        // where the tensor lies changes nothing: one float into a buffer (not 16-byte aligned)
                        assertArrayEquals(want, drawAt(cuda, 1, count, key[0], key[1], -0.3f, 0.3f), what);
                        assertArrayEquals(wantNormal, drawAt(cuda, 1, count, key[0], key[1], Float.NaN, Float.NaN),
                                what);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKinds")
    void drawsDependOnTheElementNotTheLength(BackendKind kind) {
        try (Backend backend = open(kind)) {
            for (boolean normal : new boolean[] {false, true}) {
                float low = normal ? Float.NaN : 0f;
                float high = normal ? Float.NaN : 1f;
                float[] longest = draw(backend, 4097, 9, 3, low, high);
                for (int count : new int[] {1, 2, 3, 5, 4096}) {
                    assertArrayEquals(Arrays.copyOf(longest, count), draw(backend, count, 9, 3, low, high),
                            kind + " normal " + normal + " count " + count);
                }
                // where the tensor lies in memory changes nothing: a view 5 floats into a buffer
                assertArrayEquals(Arrays.copyOf(longest, 4092), drawAt(backend, 5, 4092, 9, 3, low, high),
                        kind + " normal " + normal + " at offset 5");
                // another stream or another seed: a different draw
                assertMostlyDifferent(longest, draw(backend, 4097, 9, 4, low, high), kind + " stream");
                assertMostlyDifferent(longest, draw(backend, 4097, 10, 3, low, high), kind + " seed");
                assertMostlyDifferent(longest, draw(backend, 4097, 9L + (1L << 32), 3, low, high), kind + " seed high");
                assertMostlyDifferent(longest, draw(backend, 4097, 9, 3L + (1L << 32), low, high), kind + " stream high");
            }
        }
    }

    private static void assertMostlyDifferent(float[] a, float[] b, String what) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        assertTrue(same < a.length / 100, what + ": " + same + " of " + a.length + " equal");
    }

    @Test
    void uniformIsUniformInItsRange() {
        int count = 1_000_000;
        float[] values = draw(cpu, count, 2024, 1, 0f, 1f);
        int buckets = 100;
        long[] counts = new long[buckets];
        double sum = 0;
        for (float v : values) {
            assertTrue(v >= 0f && v < 1f, "value " + v + " outside [0, 1)");
            counts[(int) (v * buckets)]++;
            sum += v;
        }
        assertEquals(0.5, sum / count, 5 * Math.sqrt(1.0 / 12 / count), "mean");
        double expected = (double) count / buckets;
        double chiSquare = 0;
        for (long c : counts) {
            chiSquare += (c - expected) * (c - expected) / expected;
        }
        // 99 degrees of freedom: mean 99, standard deviation 14; both bounds about 6 deviations out
        assertTrue(chiSquare > 30 && chiSquare < 185, "chi-square " + chiSquare);
        float[] symmetric = draw(cpu, count, 2024, 2, -0.03f, 0.03f);
        for (float v : symmetric) {
            assertTrue(v >= -0.03f && v < 0.03f, "value " + v + " outside [-0.03, 0.03)");
        }
        float[] point = draw(cpu, 10, 1, 1, 0.25f, 0.25f);
        for (float v : point) {
            assertEquals(0.25f, v);
        }
    }

    @Test
    void normalHasTheNormalDistribution() {
        int n = 1_000_000;
        float[] z = draw(cpu, n, 77, 5, Float.NaN, Float.NaN);
        double sum = 0;
        double squares = 0;
        double evenOdd = 0;
        int beyond3 = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(Float.isFinite(z[i]), "element " + i + " is " + z[i]);
            sum += z[i];
            squares += (double) z[i] * z[i];
            beyond3 += Math.abs(z[i]) > 3 ? 1 : 0;
            if (i % 2 == 1) {
                evenOdd += (double) z[i - 1] * z[i];
            }
        }
        double mean = sum / n;
        double variance = squares / n - mean * mean;
        assertEquals(0, mean, 5 / Math.sqrt(n), "mean");
        assertEquals(1, variance, 5 * Math.sqrt(2.0 / n), "variance");
        // z0 and z1 of a pair are independent: their correlation is about 0
        assertEquals(0, evenOdd / (n / 2), 5 / Math.sqrt(n / 2.0), "correlation within pairs");
        // P(|z| > 3) = 0.0026998; a standard deviation of 52 in a million
        assertEquals(2699.8, beyond3, 300, "beyond 3 standard deviations");
        // Kolmogorov-Smirnov: the critical distance at the 0.001 level is 1.95 / sqrt(n)
        float[] sorted = z.clone();
        Arrays.sort(sorted);
        double distance = 0;
        for (int i = 0; i < n; i++) {
            double cdf = normalCdf(sorted[i]);
            distance = Math.max(distance, Math.max(cdf - (double) i / n, (double) (i + 1) / n - cdf));
        }
        assertTrue(distance < 1.95 / Math.sqrt(n), "Kolmogorov-Smirnov distance " + distance);
    }

    /** Abramowitz and Stegun 26.2.17: |error| &lt; 7.5e-8. */
    private static double normalCdf(double x) {
        double t = 1 / (1 + 0.2316419 * Math.abs(x));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double tail = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
        return x >= 0 ? 1 - tail : tail;
    }

    /** randomUniform(low, high), or randomNormal where low is NaN; out poisoned first. */
    private static float[] draw(Backend backend, int count, long seed, long stream, float low, float high) {
        return drawAt(backend, 0, count, seed, stream, low, high);
    }

    /** The same draw into a view at element {@code at} of a larger buffer. */
    private static float[] drawAt(Backend backend, int at, int count, long seed, long stream, float low, float high) {
        try (Tensor buffer = backend.upload(TestBackends.poison(at + count))) {
            Tensor out = buffer.view(at, count);
            if (Float.isNaN(low)) {
                backend.randomNormal(out, seed, stream);
            } else {
                backend.randomUniform(out, seed, stream, low, high);
            }
            return out.toArray();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // sgdMomentum with weight decay

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKinds")
    void sgdMomentumWithWeightDecayMatchesTheFormulaBitForBit(BackendKind kind) {
        try (Backend backend = open(kind)) {
            for (int count : new int[] {1, 3, 1023, 100_003}) {
                for (float weightDecay : new float[] {0f, 5e-4f, 0.3f}) {
                    float[] p = TestBackends.uniform(count, count, -1f, 1f);
                    float[] v = TestBackends.uniform(count + 1, count, -0.5f, 0.5f);
                    p[0] = 0.75f;
                    v[0] = -0f;
                    float[] wantP = p.clone();
                    float[] wantV = v.clone();
                    try (Tensor ps = backend.upload(p); Tensor vs = backend.upload(v); Tensor gs = backend.allocate(count)) {
                        for (int step = 0; step < 4; step++) {
                            float[] g = TestBackends.uniform(count + 10 + step, count, -1f, 1f);
                            // a gradient of -0 on a velocity of -0: with weight decay 0 the velocity stays -0
                            g[0] = -0f;
                            for (int i = 0; i < count; i++) {
                                float gi = weightDecay == 0f ? g[i] : g[i] + weightDecay * wantP[i];
                                wantV[i] = 0.9f * wantV[i] + gi;
                                wantP[i] = wantP[i] - 0.05f * wantV[i];
                            }
                            gs.copyFrom(g);
                            if (weightDecay == 0f && step % 2 == 0) {
                                backend.sgdMomentum(ps, vs, gs, 0.05f, 0.9f);
                            } else {
                                backend.sgdMomentum(ps, vs, gs, 0.05f, 0.9f, weightDecay);
                            }
                        }
                        String what = kind + " count " + count + " weight decay " + weightDecay;
                        assertArrayEquals(wantV, vs.toArray(), what + " velocity");
                        assertArrayEquals(wantP, ps.toArray(), what + " parameters");
                        if (weightDecay == 0f) {
                            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(vs.toArray()[0]), what);
                        }
                    }
                }
            }
        }
    }
}

package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.cpu.ApgdStep;
import io.gradsign.cpu.CwAdam;
import io.gradsign.cuda.CountingCudaLibrary;
import io.gradsign.cuda.CudaBackend;
import io.gradsign.cuda.CudaLibrary;
import java.util.Arrays;
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
 * The attacks' operations (APGD's step and DLR loss, per-sample norms, row copies, CW's margin and Adam
 * step): each promises the same bits on every backend, so the CUDA backends (emulated everywhere, real
 * where a GPU is present) are compared bit for bit with the CPU twin, on odd shapes (batch 1, sizes that
 * are no tile's multiple, large ones), with outputs poisoned with NaN first; the twins' formulas against
 * double references; the losses' gradients against central differences in double (DlrGradientTest); and
 * bad arguments refused in Java before native code.
 */
class AttackOpsTest {
    private static Backend cpu;

    @BeforeAll
    static void openCpu() {
        cpu = Backends.open(BackendKind.CPU);
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }

    static Stream<Arguments> cudaKinds() {
        return Stream.of(Arguments.of(BackendKind.CUDA_EMULATED), Arguments.of(BackendKind.CUDA));
    }

    static void assertSameBits(float[] want, float[] got, String what) {
        assertSameBits(want, got, what, false);
    }

    /** Bit equality; unless allowZero, a result of all zeros fails (an empty kernel must not pass). */
    static void assertSameBits(float[] want, float[] got, String what, boolean allowZero) {
        assertEquals(want.length, got.length, what + ": lengths");
        boolean anyNonZero = false;
        for (int i = 0; i < want.length; i++) {
            int index = i;
            anyNonZero |= got[i] != 0;
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                    () -> what + " [" + index + "]: want " + want[index] + " got " + got[index]);
        }
        assertTrue(anyNonZero || allowZero || want.length == 0, what + ": all zero");
    }

    // ---------------------------------------------------------------------------------------------
    // apgdStep

    private static final int[][] SAMPLE_SHAPES = {{1, 1}, {1, 7}, {3, 33}, {5, 1000}, {2, 3 * 32 * 32}, {300, 5},
        {1, 100_003}};

    /** next, then current, previous, origin, gradient, stepSizes; layout 0 separate, 1 next = previous, 2 next = current. */
    private static float[] apgd(Backend backend, float[][] in, int batch, float momentum, float epsilon, int layout) {
        try (Tensor current = backend.upload(in[0]); Tensor previous = backend.upload(in[1]);
             Tensor origin = backend.upload(in[2]); Tensor gradient = backend.upload(in[3]);
             Tensor stepSizes = backend.upload(in[4]); Tensor separate = backend.upload(TestBackends.poison(in[0].length))) {
            Tensor next = layout == 1 ? previous : layout == 2 ? current : separate;
            backend.apgdStep(next, current, previous, origin, gradient, stepSizes, batch, momentum, epsilon, 0f, 1f);
            return next.toArray();
        }
    }

    private static float[][] apgdInputs(long seed, int batch, int n, float epsilon) {
        int count = batch * n;
        float[] origin = TestBackends.uniform(seed, count, 0f, 1f);
        float[] current = TestBackends.uniform(seed + 1, count, -epsilon, epsilon);
        float[] previous = TestBackends.uniform(seed + 2, count, -epsilon, epsilon);
        for (int i = 0; i < count; i++) {
            current[i] += origin[i];
            previous[i] += origin[i];
        }
        float[] gradient = TestBackends.uniform(seed + 3, count, -1f, 1f);
        if (count >= 3) {
            gradient[1] = 0f;
            gradient[2] = Float.NaN;
        }
        float[] stepSizes = TestBackends.uniform(seed + 4, batch, 0.1f * epsilon, 2f * epsilon);
        return new float[][] {current, previous, origin, gradient, stepSizes};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void apgdStepMatchesTheCpuTwinBitForBit(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 11;
            for (int[] shape : SAMPLE_SHAPES) {
                for (int layout = 0; layout < 3; layout++) {
                    float momentum = layout == 2 ? 1f : 0.75f;
                    float[][] in = apgdInputs(seed++, shape[0], shape[1], 8f / 255);
                    String what = kind + " apgdStep batch " + shape[0] + " n " + shape[1] + " layout " + layout
                            + " seed " + seed;
                    float[] want = apgd(cpu, in, shape[0], momentum, 8f / 255, layout);
                    assertSameBits(want, apgd(cuda, in, shape[0], momentum, 8f / 255, layout), what);
                    // the twin is the formula of its javadoc, element by element
                    int i = want.length - 1;
                    float one = ApgdStep.apgdStepOne(in[0][i], in[1][i], in[2][i], in[3][i], in[4][i / shape[1]],
                            momentum, 1f - momentum, 8f / 255, 0f, 1f);
                    assertEquals(Float.floatToIntBits(one), Float.floatToIntBits(want[i]), what + " last element");
                }
            }
        }
    }

    @Test
    void apgdStepIsTheAlgorithmWithinRounding() {
        Random random = new Random(5);
        float epsilon = 0.03f;
        for (int k = 0; k < 10_000; k++) {
            float o = random.nextFloat();
            float x = o + (random.nextFloat() - 0.5f) * epsilon;
            float previous = o + (random.nextFloat() - 0.5f) * epsilon;
            float g = random.nextFloat() - 0.5f;
            float eta = random.nextFloat() * 2 * epsilon;
            float momentum = 0.75f;
            double z = clamp(clamp(x + eta * Math.signum((double) g), o - (double) epsilon, o + (double) epsilon), 0, 1);
            double w = x + momentum * (z - x) + (1 - momentum) * ((double) x - previous);
            double want = clamp(clamp(w, o - (double) epsilon, o + (double) epsilon), 0, 1);
            float got = ApgdStep.apgdStepOne(x, previous, o, g, eta, momentum, 1f - momentum, epsilon, 0f, 1f);
            assertEquals(want, got, 1e-6, "x=" + x + " previous=" + previous + " o=" + o + " g=" + g + " eta=" + eta);
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.min(Math.max(v, lo), hi);
    }

    // ---------------------------------------------------------------------------------------------
    // dlrLoss

    private static final int[][] ROW_SHAPES = {{1, 3}, {1, 4}, {3, 3}, {5, 4}, {7, 10}, {9, 37}, {3, 1000}, {300, 10},
        {33, 1000}};

    /** losses, then dLogits (null where not asked for); ties in row 1 where the batch has one. */
    static float[][] dlr(Backend backend, float[] logits, int[] labels, int[] targets, int batch, int classes,
                         float scale, boolean gradient) {
        try (Tensor z = backend.upload(logits); Tensor losses = backend.upload(TestBackends.poison(batch));
             Tensor d = backend.upload(TestBackends.poison(logits.length));
             Labels y = backend.uploadLabels(labels, classes);
             Labels t = targets == null ? null : backend.uploadLabels(targets, classes)) {
            backend.dlrLoss(losses, gradient ? d : null, z, y, t, batch, classes, scale);
            return new float[][] {losses.toArray(), gradient ? d.toArray() : null};
        }
    }

    static int[] labels(long seed, int batch, int classes, int[] avoid) {
        Random random = new Random(seed);
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            labels[b] = avoid == null ? random.nextInt(classes) : (avoid[b] + 1 + random.nextInt(classes - 1)) % classes;
        }
        return labels;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void dlrLossMatchesTheCpuTwinBitForBit(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 21;
            for (int[] shape : ROW_SHAPES) {
                int batch = shape[0];
                int classes = shape[1];
                for (boolean targeted : new boolean[] {false, true}) {
                    if (targeted && classes < 4) {
                        continue;
                    }
                    float[] logits = TestBackends.uniform(seed++, batch * classes, -5f, 5f);
                    if (batch > 1) {
                        for (int j = 0; j < classes; j += 2) {
                            logits[classes + j] = 3f;
                        }
                    }
                    int[] y = labels(seed++, batch, classes, null);
                    int[] t = targeted ? labels(seed++, batch, classes, y) : null;
                    for (boolean gradient : new boolean[] {true, false}) {
                        String what = kind + " dlrLoss batch " + batch + " classes " + classes
                                + (targeted ? " targeted" : "") + (gradient ? "" : " no gradient") + " seed " + seed;
                        float[][] want = dlr(cpu, logits, y, t, batch, classes, 0.25f, gradient);
                        float[][] got = dlr(cuda, logits, y, t, batch, classes, 0.25f, gradient);
                        assertSameBits(want[0], got[0], what + " losses");
                        if (gradient) {
                            assertSameBits(want[1], got[1], what + " dLogits");
                        }
                    }
                }
            }
        }
    }

    @Test
    void dlrLossFollowsTheLabelAndTheTiesRule() {
        // untargeted, label holding the largest: N = z_y - the second largest; ties go to the lower index
        float[] z = {1f, 4f, 4f, 2f, 0f};
        float[][] got = dlr(cpu, z, new int[] {1}, null, 1, 5, 1f, true);
        // pi = 1, 2, 3, 0, 4: j* = 2, N = 0, D = 4 - 2 + 1e-12
        assertEquals(0f, got[0][0], 0f);
        float a = 1f / (2f + 1e-12f);
        assertEquals(Arrays.toString(new float[] {0f, -a, a, 0f, 0f}), Arrays.toString(got[1]));
        float[][] targeted = dlr(cpu, z, new int[] {0}, new int[] {4}, 1, 5, 1f, false);
        // N = 1 - 0, D = 4 - 0.5 (2 + 1) + 1e-12 = 2.5
        assertEquals(-1f / 2.5f, targeted[0][0], 1e-7f);
    }

    // ---------------------------------------------------------------------------------------------
    // sampleNorms

    /** l1, l2, linf of a - b (b null: of a), each output poisoned first. */
    private static float[][] norms(Backend backend, float[] a, float[] b, int batch) {
        try (Tensor at = backend.upload(a); Tensor bt = b == null ? null : backend.upload(b);
             Tensor l1 = backend.upload(TestBackends.poison(batch)); Tensor l2 = backend.upload(TestBackends.poison(batch));
             Tensor linf = backend.upload(TestBackends.poison(batch))) {
            backend.sampleNorms(l1, l2, linf, at, bt, batch);
            return new float[][] {l1.toArray(), l2.toArray(), linf.toArray()};
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void sampleNormsMatchTheCpuTwinBitForBit(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 41;
            for (int[] shape : SAMPLE_SHAPES) {
                float[] a = TestBackends.uniform(seed++, shape[0] * shape[1], -1f, 1f);
                float[] b = TestBackends.uniform(seed++, shape[0] * shape[1], -1f, 1f);
                for (float[] other : new float[][] {b, null}) {
                    String what = kind + " sampleNorms batch " + shape[0] + " n " + shape[1] + (other == null ? " of a" : "");
                    float[][] want = norms(cpu, a, other, shape[0]);
                    float[][] got = norms(cuda, a, other, shape[0]);
                    for (int k = 0; k < 3; k++) {
                        assertSameBits(want[k], got[k], what + " norm " + k);
                    }
                    // against double: L1 and L2 within 1e-6 relative, L-inf exact
                    int n = shape[1];
                    for (int s = 0; s < shape[0]; s++) {
                        double l1 = 0;
                        double squares = 0;
                        float most = 0;
                        for (int i = s * n; i < (s + 1) * n; i++) {
                            float d = other == null ? a[i] : a[i] - other[i];
                            l1 += Math.abs(d);
                            squares += (double) d * d;
                            most = Math.max(most, Math.abs(d));
                        }
                        assertEquals(l1, want[0][s], 1e-6 * l1, what + " L1");
                        assertEquals(Math.sqrt(squares), want[1][s], 1e-6 * Math.sqrt(squares), what + " L2");
                        assertEquals(most, want[2][s], 0f, what + " Linf");
                    }
                }
            }
            // one output alone, the others null
            try (Tensor a = cuda.upload(new float[] {3f, -4f}); Tensor l2 = cuda.allocate(1)) {
                cuda.sampleNorms(null, l2, null, a, null, 1);
                assertEquals(5f, l2.toArray()[0], 0f);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // copyRows

    /** destination (rows of the shape) after the copy; same: destination is the source tensor itself. */
    private static float[] copyRows(Backend backend, float[] destination, int destinationRowCount, float[] source,
                                    int sourceRowCount, int rowLength, int[] to, int[] from, boolean same) {
        try (Tensor s = backend.upload(source); Tensor d = backend.upload(destination)) {
            Tensor sourceShaped = s.reshape(sourceRowCount, rowLength);
            Tensor destinationShaped = same ? sourceShaped : d.reshape(destinationRowCount, rowLength);
            backend.copyRows(destinationShaped, to, sourceShaped, from, to.length);
            return same ? s.toArray() : d.toArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void copyRowsMatchesTheCpuTwinAndPlainLoops(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            Random random = new Random(51);
            int[][] shapes = {{1, 1, 1}, {9, 5, 7}, {3, 9, 3072}, {1000, 1000, 33}, {4, 4, 1}};
            for (int[] shape : shapes) {
                int sourceRows = shape[0];
                int destinationRows = shape[1];
                int rowLength = shape[2];
                int count = Math.min(sourceRows, destinationRows) - (sourceRows > 2 ? 1 : 0);
                int[] to = permutation(random, destinationRows);
                int[] from = permutation(random, sourceRows);
                to = Arrays.copyOf(to, count);
                from = Arrays.copyOf(from, count);
                float[] source = TestBackends.uniform(random.nextLong(), sourceRows * rowLength, -1f, 1f);
                float[] destination = TestBackends.uniform(random.nextLong(), destinationRows * rowLength, 2f, 3f);
                float[] want = destination.clone();
                for (int j = 0; j < count; j++) {
                    System.arraycopy(source, from[j] * rowLength, want, to[j] * rowLength, rowLength);
                }
                String what = kind + " copyRows " + Arrays.toString(shape);
                assertSameBits(want, copyRows(cpu, destination, destinationRows, source, sourceRows, rowLength, to, from,
                        false), what + " cpu");
                assertSameBits(want, copyRows(cuda, destination, destinationRows, source, sourceRows, rowLength, to,
                        from, false), what);
            }
            // within one tensor: rows 4 and 5 moved to 0 and 1
            float[] rows = TestBackends.uniform(52, 6 * 5, -1f, 1f);
            float[] want = rows.clone();
            System.arraycopy(rows, 20, want, 0, 10);
            int[] to = {0, 1};
            int[] from = {4, 5};
            assertSameBits(want, copyRows(cpu, rows, 6, rows, 6, 5, to, from, true), "cpu in one tensor");
            assertSameBits(want, copyRows(cuda, rows, 6, rows, 6, 5, to, from, true), kind + " in one tensor");
        }
    }

    private static int[] permutation(Random random, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int k = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[k];
            order[k] = swap;
        }
        return order;
    }

    // ---------------------------------------------------------------------------------------------
    // cwMargin

    /** Even rows' labels moved to the row's largest logit: an untargeted margin there is positive (active). */
    static int[] someLabelsOnTop(int[] labels, float[] logits, int batch, int classes) {
        for (int b = 0; b < batch; b += 2) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (logits[b * classes + j] > logits[b * classes + best]) {
                    best = j;
                }
            }
            labels[b] = best;
        }
        return labels;
    }

    static float[][] cw(Backend backend, float[] logits, int[] labels, float[] scales, int batch, int classes,
                        float kappa, boolean targeted) {
        try (Tensor z = backend.upload(logits); Tensor losses = backend.upload(TestBackends.poison(batch));
             Tensor d = backend.upload(TestBackends.poison(logits.length));
             Tensor s = scales == null ? null : backend.upload(scales);
             Labels y = backend.uploadLabels(labels, classes)) {
            backend.cwMargin(losses, d, z, y, s, batch, classes, kappa, targeted);
            return new float[][] {losses.toArray(), d.toArray()};
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void cwMarginMatchesTheCpuTwinBitForBit(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 61;
            int[][] shapes = {{1, 2}, {3, 3}, {7, 10}, {9, 37}, {3, 1000}, {300, 10}};
            for (int[] shape : shapes) {
                int batch = shape[0];
                int classes = shape[1];
                float[] logits = TestBackends.uniform(seed++, batch * classes, -3f, 3f);
                if (batch > 1 && classes > 2) {
                    logits[classes] = logits[classes + 1] = logits[classes + 2] = 9f;
                }
                int[] random = labels(seed++, batch, classes, null);
                // untargeted: even rows' labels on top (active); targeted: random targets, mostly below the top (active)
                int[] onTop = someLabelsOnTop(random.clone(), logits, batch, classes);
                float[] scales = TestBackends.uniform(seed++, batch, 0.5f, 2f);
                for (boolean targeted : new boolean[] {false, true}) {
                    for (float kappa : new float[] {0f, 1.5f}) {
                        String what = kind + " cwMargin batch " + batch + " classes " + classes
                                + (targeted ? " targeted" : "") + " kappa " + kappa;
                        int[] y = targeted ? random : onTop;
                        float[][] want = cw(cpu, logits, y, kappa == 0f ? scales : null, batch, classes, kappa, targeted);
                        float[][] got = cw(cuda, logits, y, kappa == 0f ? scales : null, batch, classes, kappa, targeted);
                        // one row at kappa 0 may rightly be inactive (loss -0, no gradient): the sweep's other
                        // shapes hold active rows (even rows' labels on top)
                        boolean oneRow = batch == 1 && kappa == 0f;
                        assertSameBits(want[0], got[0], what + " losses", oneRow);
                        assertSameBits(want[1], got[1], what + " dLogits", oneRow);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // cwAdamStep

    /** CW's Adam: learning rate 0.01, beta1 0.9, beta2 0.999, eps 1e-8; the corrections of step t, in double. */
    private static float[] adamCorrections(int t) {
        return new float[] {(float) (1 / (1 - Math.pow(0.9, t))), (float) (1 / (1 - Math.pow(0.999, t)))};
    }

    /** w, m, v, x' after one step (origin and gradient unchanged); views at offset of larger tensors where offset > 0. */
    private static float[][] cwAdam(Backend backend, float[][] in, int offset, float learningRate, float[] corrections,
                                    float lo, float hi) {
        int n = in[0].length;
        Tensor[] tensors = new Tensor[6];
        try {
            for (int k = 0; k < 6; k++) {
                float[] padded = new float[n + offset];
                System.arraycopy(in[k], 0, padded, offset, n);
                tensors[k] = backend.upload(padded);
            }
            Tensor[] views = new Tensor[6];
            for (int k = 0; k < 6; k++) {
                views[k] = offset == 0 ? tensors[k] : tensors[k].view(offset, n);
            }
            backend.cwAdamStep(views[0], views[1], views[2], views[3], views[4], views[5], learningRate, 0.9f, 0.999f,
                    corrections[0], corrections[1], 1e-8f, lo, hi);
            float[][] out = new float[4][];
            for (int k = 0; k < 4; k++) {
                out[k] = views[k].toArray();
            }
            return out;
        } finally {
            for (Tensor tensor : tensors) {
                if (tensor != null) {
                    tensor.close();
                }
            }
        }
    }

    /** w (mostly |w| < 3, some beyond 10, some tiny, zeros and subnormals), m, v, x', origin, gradient. */
    private static float[][] cwAdamInputs(long seed, int n, float lo, float hi) {
        Random random = new Random(seed);
        float[][] in = new float[6][n];
        float half = (hi - lo) * 0.5f;
        for (int i = 0; i < n; i++) {
            float w = switch (i % 13) {
                case 3 -> (random.nextFloat() - 0.5f) * 60f;
                case 5 -> (random.nextFloat() - 0.5f) * 1e-20f;
                case 7 -> i % 2 == 0 ? 0f : -0f;
                case 9 -> Float.MIN_VALUE * random.nextInt(1000) * (random.nextBoolean() ? 1 : -1);
                case 11 -> (random.nextBoolean() ? 1 : -1) * (10f + 5f * random.nextFloat());
                default -> (random.nextFloat() - 0.5f) * 6f;
            };
            in[0][i] = w;
            in[1][i] = (random.nextFloat() - 0.5f) * 0.2f;
            in[2][i] = i % 17 == 4 ? 0f : random.nextFloat() * 0.01f;
            in[3][i] = lo + half * (CwAdam.tanh(w) + 1f);
            in[4][i] = lo + (hi - lo) * random.nextFloat();
            in[5][i] = (random.nextFloat() - 0.5f) * 4f;
        }
        return in;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void cwAdamStepMatchesTheCpuTwinBitForBit(BackendKind kind) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            long seed = 81;
            for (int n : new int[] {1, 37, 1000, 100_003}) {
                for (float[] box : new float[][] {{0f, 1f}, {-0.5f, 0.5f}, {0f, 255f}}) {
                    // offset 1 puts every operand off its 16-byte alignment together: the float4 body after a head
                    int offset = n == 1000 && box[1] == 1f ? 1 : 0;
                    float[][] in = cwAdamInputs(seed++, n, box[0], box[1]);
                    float[][] cpuIn = in;
                    float[][] cudaIn = in;
                    // three steps, each fed the previous step's outputs, so the moments are Adam's own
                    for (int step = 1; step <= 3; step++) {
                        String what = kind + " cwAdamStep n " + n + " box [" + box[0] + ", " + box[1] + "] offset "
                                + offset + " step " + step + " seed " + (seed - 1);
                        float[][] want = cwAdam(cpu, cpuIn, offset, 0.01f, adamCorrections(step), box[0], box[1]);
                        float[][] got = cwAdam(cuda, cudaIn, offset, 0.01f, adamCorrections(step), box[0], box[1]);
                        String[] names = {"w", "m", "v", "x'"};
                        for (int k = 0; k < 4; k++) {
                            assertSameBits(want[k], got[k], what + " " + names[k]);
                        }
                        cpuIn = new float[][] {want[0], want[1], want[2], want[3], in[4], in[5]};
                        cudaIn = new float[][] {got[0], got[1], got[2], got[3], in[4], in[5]};
                    }
                }
            }
        }
    }

    /** The ulps of float between got and the exact value want (in double): |got - want| / ulp(float(want)). */
    private static double ulps(float got, double want) {
        return Math.abs(got - want) / Math.ulp((float) want);
    }

    @Test
    void cwAdamTanhIsWithinFourUlpOddAndMonotone() {
        double worst = 0;
        float worstAt = 0;
        // each in increasing order: every 1021st float from 0 to 20 (all binades, the tiny ones included), a
        // grid of step 1e-5 over [0, 20] (every reduction interval of the exp), and every float of
        // [0.54, 0.56] (the polynomial's edge at 0.55), of [9, 9.1] (where the formula reaches 1) and of
        // [9.99, 10.01] (where the branch ends). tanh(-x) is checked to be -tanh(x) at each point.
        int end = Float.floatToIntBits(20f);
        int[][] ranges = {{0, end, 1021}, {0, 2_000_000, -1},
            {Float.floatToIntBits(0.54f), Float.floatToIntBits(0.56f), 1},
            {Float.floatToIntBits(9f), Float.floatToIntBits(9.1f), 1},
            {Float.floatToIntBits(9.99f), Float.floatToIntBits(10.01f), 1}};
        for (int[] range : ranges) {
            float previous = -1f;
            for (int k = range[0]; k <= range[1]; k += Math.abs(range[2])) {
                float x = range[2] < 0 ? (float) (k * 1e-5) : Float.intBitsToFloat(k);
                float t = CwAdam.tanh(x);
                double error = ulps(t, StrictMath.tanh((double) x));
                if (error > worst) {
                    worst = error;
                    worstAt = x;
                }
                assertTrue(t >= previous, "tanh not monotone at " + x + ": " + t + " after " + previous);
                previous = t;
                assertEquals(Float.floatToIntBits(-t), Float.floatToIntBits(CwAdam.tanh(-x)), "tanh(-x) = -tanh(x) at " + x);
            }
        }
        System.out.println("CwAdam.tanh: at most " + worst + " ulp from StrictMath.tanh, at " + worstAt);
        assertTrue(worst <= 4, "tanh is " + worst + " ulp off at " + worstAt);
        // the special values
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(CwAdam.tanh(0f)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(CwAdam.tanh(-0f)));
        assertEquals(Float.MIN_VALUE, CwAdam.tanh(Float.MIN_VALUE));
        assertEquals(-Float.MIN_VALUE, CwAdam.tanh(-Float.MIN_VALUE));
        assertEquals(1e-20f, CwAdam.tanh(1e-20f));
        assertEquals(1f, CwAdam.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, CwAdam.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(1f, CwAdam.tanh(Float.MAX_VALUE));
        assertEquals(-1f, CwAdam.tanh(-20f));
        assertEquals(1f, CwAdam.tanh(10f));
        assertEquals(Math.nextDown(1f), CwAdam.tanh(9f), "tanh(9) = 1 - 3.05e-8 rounds below 1");
        assertTrue(Float.isNaN(CwAdam.tanh(Float.NaN)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cudaKinds")
    void cwAdamStepWithoutTheMarginMovesXTowardsTheOrigin(BackendKind kind) {
        // gradient 0: the objective is ||x' - o||^2 alone, whose minimum x' = o lies inside the box
        int n = 37;
        float lo = 0f;
        float hi = 1f;
        float[] origin = TestBackends.uniform(91, n, 0.1f, 0.9f);
        float[] start = TestBackends.uniform(92, n, 0.02f, 0.98f);
        float[] w = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) atanh((start[i] - lo) / ((hi - lo) * 0.5) - 1);
            x[i] = lo + (hi - lo) * 0.5f * (CwAdam.tanh(w[i]) + 1f);
        }
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            float[][] results = new float[2][];
            Backend[] backends = {cpu, cuda};
            for (int b = 0; b < 2; b++) {
                Backend backend = backends[b];
                try (Tensor tw = backend.upload(w); Tensor tm = backend.allocate(n); Tensor tv = backend.allocate(n); // zeros
                     Tensor tx = backend.upload(x); Tensor to = backend.upload(origin);
                     Tensor tg = backend.allocate(n)) {
                    double distance = distance(x, origin);
                    double first = distance;
                    for (int step = 1; step <= 500; step++) {
                        float[] c = adamCorrections(step);
                        backend.cwAdamStep(tw, tm, tv, tx, to, tg, 0.01f, 0.9f, 0.999f, c[0], c[1], 1e-8f, lo, hi);
                        if (step % 50 == 0) {
                            double now = distance(tx.toArray(), origin);
                            assertTrue(now < distance, backend.kind() + " step " + step + ": distance " + now
                                    + " not below " + distance);
                            distance = now;
                        }
                    }
                    assertTrue(distance < 0.02 * first, backend.kind() + ": distance " + distance + " from " + first);
                    results[b] = tx.toArray();
                }
            }
            assertSameBits(results[0], results[1], kind + " x' after 500 steps");
        }
    }

    private static double atanh(double y) {
        return 0.5 * Math.log((1 + y) / (1 - y));
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    // ---------------------------------------------------------------------------------------------
    // validation: refused in Java, before native code

    @Test
    void badArgumentsAreRejectedBeforeNativeCode() {
        CountingCudaLibrary library = new CountingCudaLibrary(CudaLibrary.loadEmulated());
        try (Backend cuda = CudaBackend.open(library)) {
            Tensor x = cuda.allocate(12);
            Tensor p = cuda.allocate(12);
            Tensor o = cuda.allocate(12);
            Tensor g = cuda.allocate(12);
            Tensor eta = cuda.allocate(3);
            Tensor next = cuda.allocate(12);
            rejected(library, "batch 5 does not divide", () -> cuda.apgdStep(next, x, p, o, g, eta, 5, 0.75f, 0.1f, 0f, 1f));
            rejected(library, "stepSizes has 3 floats, the shapes need 4",
                    () -> cuda.apgdStep(next, x, p, o, g, eta, 4, 0.75f, 0.1f, 0f, 1f));
            rejected(library, "momentum must be finite, got NaN",
                    () -> cuda.apgdStep(next, x, p, o, g, eta, 3, Float.NaN, 0.1f, 0f, 1f));
            rejected(library, "epsilon must be finite and >= 0, got -0.1",
                    () -> cuda.apgdStep(next, x, p, o, g, eta, 3, 0.75f, -0.1f, 0f, 1f));
            rejected(library, "lo=1.0, hi=0.0", () -> cuda.apgdStep(next, x, p, o, g, eta, 3, 0.75f, 0.1f, 1f, 0f));
            Tensor eleven = cuda.allocate(11);
            rejected(library, "previous has 11 floats", () -> cuda.apgdStep(next, x, eleven, o, g, eta, 3, 0.75f, 0.1f,
                    0f, 1f));
            rejected(library, "next shares memory", () -> cuda.apgdStep(o, x, p, o, g, eta, 3, 0.75f, 0.1f, 0f, 1f));
            Tensor big = cuda.allocate(13);
            rejected(library, "next overlaps current", () -> cuda.apgdStep(big.view(1, 12), big.view(0, 12), p, o, g,
                    eta, 3, 0.75f, 0.1f, 0f, 1f));
            rejected(library, "next overlaps previous", () -> cuda.apgdStep(big.view(1, 12), x, big.view(0, 12), o, g,
                    eta, 3, 0.75f, 0.1f, 0f, 1f));

            Tensor losses = cuda.allocate(3);
            Tensor logits = cuda.allocate(12);
            Tensor d = cuda.allocate(12);
            Labels y = cuda.uploadLabels(new int[] {0, 1, 2}, 4);
            Labels y3 = cuda.uploadLabels(new int[] {0, 1, 2, 0}, 3);
            Labels t = cuda.uploadLabels(new int[] {1, 2, 3}, 4);
            Tensor six = cuda.allocate(6);
            Labels y2 = cuda.uploadLabels(new int[] {0, 1, 0}, 2);
            Tensor four = cuda.allocate(4);
            Tensor two = cuda.allocate(2);
            Tensor eight = cuda.allocate(8);
            rejected(library, "classes >= 3", () -> cuda.dlrLoss(losses, d, six, y2, null, 3, 2, 1f));
            rejected(library, "got classes=3", () -> cuda.dlrLoss(four, d, logits, y3, y3, 4, 3, 1f));
            rejected(library, "gradientScale must be finite", () -> cuda.dlrLoss(losses, d, logits, y, t, 3, 4,
                    Float.POSITIVE_INFINITY));
            rejected(library, "targets hold 3 labels of 4 classes; the batch is 2",
                    () -> cuda.dlrLoss(two, null, eight, y.prefix(2), t, 2, 4, 1f));
            rejected(library, "losses has 3 floats, the shapes need 2",
                    () -> cuda.dlrLoss(losses, null, eight, y.prefix(2), null, 2, 4, 1f));
            rejected(library, "dLogits shares memory", () -> cuda.dlrLoss(losses, logits, logits, y, t, 3, 4, 1f));
            rejected(library, "batch must be >= 0", () -> cuda.dlrLoss(losses, d, logits, y, t, -1, 4, 1f));

            Tensor a = cuda.allocate(12);
            Tensor norm = cuda.allocate(3);
            Tensor norm4 = cuda.allocate(4);
            rejected(library, "at least one of l1, l2 and linf", () -> cuda.sampleNorms(null, null, null, a, null, 3));
            rejected(library, "batch 5 does not divide", () -> cuda.sampleNorms(norm, null, null, a, null, 5));
            rejected(library, "l2 has 4 floats, the shapes need 3", () -> cuda.sampleNorms(null, norm4, null, a, g, 3));
            rejected(library, "b has 11 floats", () -> cuda.sampleNorms(norm, null, null, a, eleven, 3));
            rejected(library, "l1 shares memory", () -> cuda.sampleNorms(norm, norm, null, a, null, 3));

            Tensor rows = cuda.allocate(Shape.of(4, 3));
            Tensor others = cuda.allocate(Shape.of(5, 3));
            Tensor wide = cuda.allocate(Shape.of(4, 2));
            rejected(library, "row lengths differ", () -> cuda.copyRows(rows, new int[] {0}, wide, new int[] {0}, 1));
            rejected(library, "destinationRows[1] = 4 is outside the destination's 4 rows",
                    () -> cuda.copyRows(rows, new int[] {0, 4}, others, new int[] {0, 1}, 2));
            rejected(library, "sourceRows[0] = -1", () -> cuda.copyRows(rows, new int[] {0}, others, new int[] {-1}, 1));
            rejected(library, "repeats an earlier entry",
                    () -> cuda.copyRows(rows, new int[] {1, 1}, others, new int[] {0, 1}, 2));
            rejected(library, "count must be in [0, 1]", () -> cuda.copyRows(rows, new int[] {1, 2}, others,
                    new int[] {0}, 2));
            rejected(library, "is a row another entry writes",
                    () -> cuda.copyRows(rows, new int[] {0, 1}, rows, new int[] {1, 2}, 2));
            Tensor flat = cuda.allocate(13);
            rejected(library, "destination overlaps source without being the same range",
                    () -> cuda.copyRows(flat.view(0, 12), new int[] {0}, flat.view(1, 12), new int[] {1}, 1));

            rejected(library, "classes >= 2", () -> cuda.cwMargin(losses, d, logits, y, null, 3, 1, 0f, false));
            rejected(library, "kappa must be finite and >= 0, got -1.0",
                    () -> cuda.cwMargin(losses, d, logits, y, null, 3, 4, -1f, false));
            rejected(library, "kappa must be finite and >= 0, got NaN",
                    () -> cuda.cwMargin(losses, d, logits, y, null, 3, 4, Float.NaN, true));
            rejected(library, "scales has 4 floats, the shapes need 3",
                    () -> cuda.cwMargin(losses, d, logits, y, norm4, 3, 4, 0f, false));
            rejected(library, "labels hold 3 labels of 4 classes; the batch is 3 of 3 classes",
                    () -> cuda.cwMargin(losses, d, logits, y, null, 3, 3, 0f, false));
            rejected(library, "dLogits shares memory", () -> cuda.cwMargin(losses, logits, logits, y, null, 3, 4, 0f, true));

            Tensor w = cuda.allocate(12);
            Tensor m = cuda.allocate(12);
            Tensor v = cuda.allocate(12);
            Tensor xa = cuda.allocate(12);
            float c1 = 10f;
            float c2 = 1000f;
            rejected(library, "m has 11 floats, the shapes need 12",
                    () -> cuda.cwAdamStep(w, eleven, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, 1f));
            rejected(library, "gradient has 13 floats, the shapes need 12",
                    () -> cuda.cwAdamStep(w, m, v, xa, o, big, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, 1f));
            for (float bad : new float[] {0f, -0.01f, Float.NaN, Float.POSITIVE_INFINITY}) {
                rejected(library, "learningRate must be finite and > 0, got " + bad,
                        () -> cuda.cwAdamStep(w, m, v, xa, o, g, bad, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, 1f));
            }
            for (float bad : new float[] {1f, -0.1f, Float.NaN}) {
                rejected(library, "beta1 must be in [0, 1), got " + bad,
                        () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, bad, 0.999f, c1, c2, 1e-8f, 0f, 1f));
                rejected(library, "beta2 must be in [0, 1), got " + bad,
                        () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, bad, c1, c2, 1e-8f, 0f, 1f));
            }
            for (float bad : new float[] {0.5f, 0f, Float.NaN, Float.POSITIVE_INFINITY}) {
                rejected(library, "correction1 must be finite and >= 1, got " + bad,
                        () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, bad, c2, 1e-8f, 0f, 1f));
                rejected(library, "correction2 must be finite and >= 1, got " + bad,
                        () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, bad, 1e-8f, 0f, 1f));
            }
            for (float bad : new float[] {0f, -1e-8f, Float.NaN, Float.POSITIVE_INFINITY}) {
                rejected(library, "eps must be finite and > 0, got " + bad,
                        () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, bad, 0f, 1f));
            }
            rejected(library, "lo < hi, both finite, got lo=1.0, hi=1.0",
                    () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 1f, 1f));
            rejected(library, "lo < hi, both finite, got lo=1.0, hi=0.0",
                    () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 1f, 0f));
            rejected(library, "lo < hi, both finite, got lo=-Infinity, hi=1.0",
                    () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f,
                            Float.NEGATIVE_INFINITY, 1f));
            rejected(library, "lo < hi, both finite, got lo=0.0, hi=NaN",
                    () -> cuda.cwAdamStep(w, m, v, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, Float.NaN));
            rejected(library, "m shares memory with v",
                    () -> cuda.cwAdamStep(w, m, m, xa, o, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, 1f));
            rejected(library, "origin shares memory with gradient",
                    () -> cuda.cwAdamStep(w, m, v, xa, o, o, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, 1f));
            rejected(library, "w shares memory with adversarial",
                    () -> cuda.cwAdamStep(big.view(0, 12), m, v, big.view(1, 12), o, g, 0.01f, 0.9f, 0.999f, c1, c2,
                            1e-8f, 0f, 1f));
            rejected(library, "v shares memory with origin",
                    () -> cuda.cwAdamStep(w, m, v, xa, v, g, 0.01f, 0.9f, 0.999f, c1, c2, 1e-8f, 0f, 1f));
        }
    }

    /** Asserts an IllegalArgumentException naming {@code mention}, and no native call. */
    static void rejected(CountingCudaLibrary library, String mention, Executable call) {
        long before = library.calls();
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, call);
        assertTrue(thrown.getMessage().contains(mention),
                () -> "message '" + thrown.getMessage() + "' should name '" + mention + "'");
        assertEquals(before, library.calls(), "a rejected call reached native code");
    }
}

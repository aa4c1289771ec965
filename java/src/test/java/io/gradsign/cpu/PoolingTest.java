package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.PoolGeometry;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU pooling bit for bit against loops written here from the rules the CUDA kernels follow
 * (see {@link Pooling}): the backward passes as a gather per input element over the windows that
 * hold it, row-major, from 0. Inputs drawn from a few small values (ties), with NaN, signed zeros and
 * infinities; windows that do not divide the image, overlapping windows, strides past the window;
 * arrays at offsets, outputs poisoned, guards checked; a second run gives the same bits.
 */
class PoolingTest {
    private static final int X_OFFSET = 3;
    private static final int Y_OFFSET = 6;
    private static final int A_OFFSET = 4;
    private static final int GUARD = 5;
    private static final float SENTINEL = 4321.25f;
    private static final int ARGMAX_SENTINEL = -77;
    private static final float[] SPECIALS = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    /** (batch, channels, height, width, kernel h, kernel w, stride h, stride w). */
    static Stream<Arguments> shapes() {
        int[][] shapes = {
            {1, 1, 4, 4, 2, 2, 2, 2},
            {3, 3, 7, 11, 2, 2, 2, 2},
            {2, 3, 7, 11, 3, 3, 2, 2},
            {1, 5, 9, 8, 3, 2, 1, 2},
            {3, 1, 7, 11, 1, 5, 1, 3},
            {2, 2, 5, 5, 5, 5, 1, 1},
            {2, 3, 6, 7, 2, 3, 3, 1},
            {4, 7, 13, 13, 3, 3, 2, 2},
            {1, 1, 1, 1, 1, 1, 1, 1},
            // 2x2 windows (unrolled) overlapping and with gaps between them
            {2, 3, 7, 9, 2, 2, 1, 1},
            {1, 2, 8, 8, 2, 2, 3, 3},
            // the CNN's two pools at batch 64 (split over the cores) and batch 1
            {64, 32, 28, 28, 2, 2, 2, 2},
            {64, 64, 14, 14, 2, 2, 2, 2},
            {1, 32, 28, 28, 2, 2, 2, 2},
        };
        return Arrays.stream(shapes).map(s -> Arguments.of(new PoolGeometry(s[0], s[1], s[2], s[3], s[4], s[5], s[6],
                s[7])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void maxPoolEqualsTheRulesBitForBit(PoolGeometry g) {
        long seed = g.toString().hashCode();
        Random random = new Random(seed);
        String what = g + " seed " + seed;
        float[] x = input(random, X_OFFSET, g.inputSize(), 8);
        float[] dy = input(random, Y_OFFSET, g.outputSize(), 8);
        float[] xBefore = x.clone();
        float[] dyBefore = dy.clone();

        float[] y = output(Y_OFFSET, g.outputSize());
        int[] argmax = argmaxOutput(g.outputSize());
        Pooling.maxForward(y, Y_OFFSET, argmax, A_OFFSET, x, X_OFFSET, g);
        float[] wantY = new float[g.outputSize()];
        int[] wantArgmax = new int[g.outputSize()];
        Reference.maxForward(wantY, wantArgmax, x, X_OFFSET, g);
        assertArrayEquals(wantY, Arrays.copyOfRange(y, Y_OFFSET, Y_OFFSET + g.outputSize()), what + " max y");
        assertArrayEquals(wantArgmax, Arrays.copyOfRange(argmax, A_OFFSET, A_OFFSET + g.outputSize()),
                what + " argmax");
        assertGuards(y, Y_OFFSET, g.outputSize(), what + " max y");
        for (int i = 0; i < A_OFFSET; i++) {
            assertEquals(ARGMAX_SENTINEL, argmax[i], what + ": argmax written before its start");
        }
        for (int i = A_OFFSET + g.outputSize(); i < argmax.length; i++) {
            assertEquals(ARGMAX_SENTINEL, argmax[i], what + ": argmax written after its end");
        }

        float[] dx = output(X_OFFSET, g.inputSize());
        Pooling.maxBackward(dx, X_OFFSET, dy, Y_OFFSET, argmax, A_OFFSET, g);
        float[] wantDx = new float[g.inputSize()];
        Reference.maxBackward(wantDx, dy, Y_OFFSET, wantArgmax, g);
        assertArrayEquals(wantDx, Arrays.copyOfRange(dx, X_OFFSET, X_OFFSET + g.inputSize()), what + " max dx");
        assertGuards(dx, X_OFFSET, g.inputSize(), what + " max dx");
        assertSomeNonZero(wantDx, what + " max dx");

        float[] yAgain = output(Y_OFFSET, g.outputSize());
        int[] argmaxAgain = argmaxOutput(g.outputSize());
        Pooling.maxForward(yAgain, Y_OFFSET, argmaxAgain, A_OFFSET, x, X_OFFSET, g);
        float[] dxAgain = output(X_OFFSET, g.inputSize());
        Pooling.maxBackward(dxAgain, X_OFFSET, dy, Y_OFFSET, argmaxAgain, A_OFFSET, g);
        assertArrayEquals(y, yAgain, what + " max y: a second run differs");
        assertArrayEquals(argmax, argmaxAgain, what + " argmax: a second run differs");
        assertArrayEquals(dx, dxAgain, what + " max dx: a second run differs");
        assertArrayEquals(xBefore, x, what + ": x written");
        assertArrayEquals(dyBefore, dy, what + ": dy written");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void averagePoolEqualsTheRulesBitForBit(PoolGeometry g) {
        long seed = g.toString().hashCode() + 1;
        Random random = new Random(seed);
        String what = g + " seed " + seed;
        // specials rarer than for max: one NaN or infinity makes a whole window's average NaN
        float[] x = input(random, X_OFFSET, g.inputSize(), 64);
        float[] dy = input(random, Y_OFFSET, g.outputSize(), 64);
        float[] xBefore = x.clone();
        float[] dyBefore = dy.clone();

        float[] y = output(Y_OFFSET, g.outputSize());
        Pooling.avgForward(y, Y_OFFSET, x, X_OFFSET, g);
        float[] wantY = new float[g.outputSize()];
        Reference.avgForward(wantY, x, X_OFFSET, g);
        assertArrayEquals(wantY, Arrays.copyOfRange(y, Y_OFFSET, Y_OFFSET + g.outputSize()), what + " average y");
        assertGuards(y, Y_OFFSET, g.outputSize(), what + " average y");
        assertSomeNonZero(wantY, what + " average y");

        float[] dx = output(X_OFFSET, g.inputSize());
        Pooling.avgBackward(dx, X_OFFSET, dy, Y_OFFSET, g);
        float[] wantDx = new float[g.inputSize()];
        Reference.avgBackward(wantDx, dy, Y_OFFSET, g);
        assertArrayEquals(wantDx, Arrays.copyOfRange(dx, X_OFFSET, X_OFFSET + g.inputSize()), what + " average dx");
        assertGuards(dx, X_OFFSET, g.inputSize(), what + " average dx");
        assertSomeNonZero(wantDx, what + " average dx");

        float[] yAgain = output(Y_OFFSET, g.outputSize());
        Pooling.avgForward(yAgain, Y_OFFSET, x, X_OFFSET, g);
        float[] dxAgain = output(X_OFFSET, g.inputSize());
        Pooling.avgBackward(dxAgain, X_OFFSET, dy, Y_OFFSET, g);
        assertArrayEquals(y, yAgain, what + " average y: a second run differs");
        assertArrayEquals(dx, dxAgain, what + " average dx: a second run differs");
        assertArrayEquals(xBefore, x, what + ": x written");
        assertArrayEquals(dyBefore, dy, what + ": dy written");
    }

    /** The rules on one window, written out: ties keep the first, a NaN replaces anything, the last NaN wins. */
    @Test
    void maxPoolTiesAndNaN() {
        PoolGeometry g = new PoolGeometry(1, 1, 2, 3, 2, 3, 1, 1);
        float[] y = new float[1];
        int[] argmax = new int[1];
        Pooling.maxForward(y, 0, argmax, 0, new float[] {1f, 3f, 3f, 2f, 3f, 0f}, 0, g);
        assertEquals(3f, y[0]);
        assertEquals(1, argmax[0], "ties keep the first");
        Pooling.maxForward(y, 0, argmax, 0, new float[] {1f, Float.NaN, 3f, Float.NaN, 5f, 2f}, 0, g);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(3, argmax[0], "the last NaN wins; a value after it does not replace it");
        Pooling.maxForward(y, 0, argmax, 0, new float[] {Float.NaN, 1f, 2f, 0f, -1f, 0f}, 0, g);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(0, argmax[0], "a NaN first stays: no v > NaN");
        Pooling.maxForward(y, 0, argmax, 0, new float[] {-0f, 0f, -0f, 0f, -1f, 0f}, 0, g);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y[0]), "0 is not above -0");
        assertEquals(0, argmax[0]);
        // two windows with one argmax: dy added in window order, from 0 (so -0 alone gives +0)
        PoolGeometry overlap = new PoolGeometry(1, 1, 1, 3, 1, 2, 1, 1);
        float[] dx = new float[3];
        Pooling.maxBackward(dx, 0, new float[] {-0f, 5f}, 0, new int[] {1, 1}, 0, overlap);
        assertArrayEquals(new float[] {0f, 5f, 0f}, dx);
        Pooling.maxBackward(dx, 0, new float[] {-0f, 1f}, 0, new int[] {0, 2}, 0, overlap);
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(dx[0]), "0 + -0 is +0");
    }

    /** The rules, one output or one input element at a time. */
    static final class Reference {
        private Reference() {}

        static void maxForward(float[] y, int[] argmax, float[] x, int xOffset, PoolGeometry g) {
            int h = g.height(), w = g.width(), p = g.outHeight(), q = g.outWidth();
            for (int plane = 0; plane < g.batch() * g.channels(); plane++) {
                for (int py = 0; py < p; py++) {
                    for (int px = 0; px < q; px++) {
                        int first = py * g.strideHeight() * w + px * g.strideWidth();
                        int bestIndex = first;
                        float best = x[xOffset + plane * h * w + first];
                        for (int r = 0; r < g.kernelHeight(); r++) {
                            for (int s = 0; s < g.kernelWidth(); s++) {
                                int index = (py * g.strideHeight() + r) * w + px * g.strideWidth() + s;
                                float v = x[xOffset + plane * h * w + index];
                                if (v > best || Float.isNaN(v)) {
                                    best = v;
                                    bestIndex = index;
                                }
                            }
                        }
                        y[(plane * p + py) * q + px] = best;
                        argmax[(plane * p + py) * q + px] = bestIndex;
                    }
                }
            }
        }

        /** Per input element: 0, plus dy of each window holding it whose argmax it is, windows row-major. */
        static void maxBackward(float[] dx, float[] dy, int dyOffset, int[] argmax, PoolGeometry g) {
            int h = g.height(), w = g.width(), p = g.outHeight(), q = g.outWidth();
            for (int plane = 0; plane < g.batch() * g.channels(); plane++) {
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < w; ix++) {
                        float sum = 0f;
                        for (int py = firstWindow(iy, g.kernelHeight(), g.strideHeight()); py < p
                                && py * g.strideHeight() <= iy; py++) {
                            for (int px = firstWindow(ix, g.kernelWidth(), g.strideWidth()); px < q
                                    && px * g.strideWidth() <= ix; px++) {
                                int at = (plane * p + py) * q + px;
                                if (argmax[at] == iy * w + ix) {
                                    sum += dy[dyOffset + at];
                                }
                            }
                        }
                        dx[(plane * h + iy) * w + ix] = sum;
                    }
                }
            }
        }

        static void avgForward(float[] y, float[] x, int xOffset, PoolGeometry g) {
            int h = g.height(), w = g.width(), p = g.outHeight(), q = g.outWidth();
            for (int plane = 0; plane < g.batch() * g.channels(); plane++) {
                for (int py = 0; py < p; py++) {
                    for (int px = 0; px < q; px++) {
                        float sum = 0f;
                        for (int r = 0; r < g.kernelHeight(); r++) {
                            for (int s = 0; s < g.kernelWidth(); s++) {
                                sum += x[xOffset + (plane * h + py * g.strideHeight() + r) * w + px * g.strideWidth()
                                        + s];
                            }
                        }
                        y[(plane * p + py) * q + px] = sum / (float) (g.kernelHeight() * g.kernelWidth());
                    }
                }
            }
        }

        /** Per input element: 0, plus dy / (float) (kh kw) of each window holding it, windows row-major. */
        static void avgBackward(float[] dx, float[] dy, int dyOffset, PoolGeometry g) {
            int h = g.height(), w = g.width(), p = g.outHeight(), q = g.outWidth();
            float count = (float) (g.kernelHeight() * g.kernelWidth());
            for (int plane = 0; plane < g.batch() * g.channels(); plane++) {
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < w; ix++) {
                        float sum = 0f;
                        for (int py = firstWindow(iy, g.kernelHeight(), g.strideHeight()); py < p
                                && py * g.strideHeight() <= iy; py++) {
                            for (int px = firstWindow(ix, g.kernelWidth(), g.strideWidth()); px < q
                                    && px * g.strideWidth() <= ix; px++) {
                                sum += dy[dyOffset + (plane * p + py) * q + px] / count;
                            }
                        }
                        dx[(plane * h + iy) * w + ix] = sum;
                    }
                }
            }
        }

        /** The first window along one axis that holds index i: the least o with o * stride + kernel > i. */
        private static int firstWindow(int i, int kernel, int stride) {
            int o = 0;
            while (o * stride + kernel <= i) {
                o++;
            }
            return o;
        }
    }

    /** Values from a handful of small ones (ties in most windows), one in {@code specialOneIn} special. */
    private static float[] input(Random random, int offset, int count, int specialOneIn) {
        float[] values = new float[offset + count + GUARD];
        Arrays.fill(values, SENTINEL);
        for (int i = 0; i < count; i++) {
            values[offset + i] = random.nextInt(specialOneIn) == 0 ? SPECIALS[random.nextInt(SPECIALS.length)]
                    : (random.nextInt(7) - 3) * 0.375f;
        }
        return values;
    }

    private static float[] output(int offset, int count) {
        float[] values = new float[offset + count + GUARD];
        Arrays.fill(values, SENTINEL);
        Arrays.fill(values, offset, offset + count, Float.NaN);
        return values;
    }

    private static int[] argmaxOutput(int count) {
        int[] values = new int[A_OFFSET + count + GUARD];
        Arrays.fill(values, ARGMAX_SENTINEL);
        return values;
    }

    private static void assertGuards(float[] values, int offset, int count, String what) {
        for (int i = 0; i < offset; i++) {
            assertEquals(SENTINEL, values[i], what + ": written before the output at " + i);
        }
        for (int i = offset + count; i < values.length; i++) {
            assertEquals(SENTINEL, values[i], what + ": written after the output at " + i);
        }
    }

    private static void assertSomeNonZero(float[] values, String what) {
        boolean nonZero = false;
        for (float v : values) {
            nonZero |= v != 0f && !Float.isNaN(v);
        }
        assertTrue(nonZero, what + ": nothing but zeros and NaN");
    }
}

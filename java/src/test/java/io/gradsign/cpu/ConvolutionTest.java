package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gradsign.Activation;
import io.gradsign.ConvGeometry;
import io.gradsign.Tolerance;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU convolution against plain double-precision loops written here: forward under every
 * activation, the gradients at the input, the weights and the bias, on shapes that take every path
 * (batch 1 split within the sample by output rows, by input channels or by input rows, or by blocks
 * of output channels in the direct loops at stride 1; batches split by samples; pointwise 1x1; bands of
 * columns smaller than a sample; stride 1 with "same" padding across, whose columns are built in runs
 * of rows, where a pass has fewer output channels than the direct loops take), arrays at offsets, outputs
 * poisoned with NaN and guards around them; a second run gives the same bits; the gradients also
 * against central finite differences of the loss sum(y r) through the double reference.
 */
class ConvolutionTest {
    private static final int X_OFFSET = 5;
    private static final int W_OFFSET = 7;
    private static final int B_OFFSET = 3;
    private static final int Y_OFFSET = 11;
    private static final int GUARD = 9;
    private static final float SENTINEL = 12345.5f;

    /** (batch, in channels, height, width, out channels, kernel h, kernel w, stride h, stride w, pad h, pad w). */
    static Stream<Arguments> shapes() {
        int[][] shapes = {
            {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0},
            {1, 3, 7, 11, 5, 3, 3, 1, 1, 1, 1},
            {3, 1, 7, 11, 4, 5, 5, 1, 1, 2, 2},
            {3, 3, 7, 11, 5, 3, 2, 2, 1, 1, 0},
            {1, 3, 7, 11, 3, 1, 5, 1, 2, 0, 2},
            {3, 5, 9, 8, 7, 3, 3, 2, 2, 1, 1},
            {3, 3, 11, 7, 5, 5, 5, 2, 2, 2, 2},
            // pointwise (no columns), batch 3 and 1; 1x1 with a stride is not pointwise
            {3, 3, 7, 11, 5, 1, 1, 1, 1, 0, 0},
            {1, 5, 7, 11, 3, 1, 1, 1, 1, 0, 0},
            {1, 2, 6, 6, 3, 1, 1, 2, 2, 0, 0},
            // a kernel larger than the image (padding makes room); a stride past the kernel (untouched input rows)
            {2, 2, 2, 3, 3, 3, 3, 1, 1, 2, 2},
            {2, 2, 9, 10, 3, 2, 2, 3, 3, 0, 0},
            // stride 1 and "same" padding across (im2col and col2im in runs of rows): a kernel wider than
            // the image, a non-square kernel
            {2, 2, 2, 2, 3, 5, 5, 1, 1, 2, 2},
            {3, 2, 7, 11, 4, 3, 5, 1, 1, 1, 2},
            // larger: split by samples
            {4, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1},
            // one sample, split within it: by output rows forward, input channels backward
            {1, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1},
            // one sample of one channel: backward split by bands of input rows, stride 1 and 2
            {1, 1, 64, 64, 32, 3, 3, 1, 1, 1, 1},
            {1, 1, 63, 61, 16, 5, 5, 2, 2, 2, 2},
            // pointwise, one sample, split by channels and by rows
            {1, 3, 64, 64, 64, 1, 1, 1, 1, 0, 0},
            {1, 1, 64, 64, 128, 1, 1, 1, 1, 0, 0},
            // large samples at stride 1 (the direct loops; 64 rows, 16 input channels)
            {1, 16, 64, 64, 8, 3, 3, 1, 1, 1, 1},
            {2, 16, 64, 64, 8, 3, 3, 1, 1, 1, 1},
            // columns in several bands (more than Convolution.COLUMN_FLOATS per sample): at stride 2, and
            // at stride 1 with fewer output channels than the direct loop takes (its forward pass and weight
            // gradient; its backward pass, to 16 channels, runs direct)
            {1, 16, 128, 128, 8, 3, 3, 2, 2, 1, 1},
            {2, 16, 64, 64, 4, 3, 3, 1, 1, 1, 1},
            // the direct loops' edges: 8 and 9 output channels (a whole block, one more), batch 1 split by
            // blocks of channels, widths across a vector of 16
            {1, 3, 9, 17, 9, 3, 3, 1, 1, 1, 1},
            {3, 9, 5, 16, 8, 3, 3, 1, 1, 1, 1},
            {1, 24, 6, 33, 17, 3, 5, 1, 1, 1, 2},
            // the CNN's two layers at batch 64 (split by samples) and batch 1
            {64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1},
            {64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1},
            {1, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1},
        };
        return Arrays.stream(shapes).map(s -> Arguments.of(new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[5], s[6],
                s[7], s[8], s[9], s[10])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void matchesDoubleLoops(ConvGeometry g) {
        long seed = g.toString().hashCode();
        Random random = new Random(seed);
        String what = g + " seed " + seed;
        float[] x = input(random, X_OFFSET, g.inputSize(), -1f, 1f);
        float[] w = input(random, W_OFFSET, g.weightSize(), -0.5f, 0.5f);
        float[] b = input(random, B_OFFSET, g.outChannels(), -0.5f, 0.5f);
        float[] dy = input(random, Y_OFFSET, g.outputSize(), -1f, 1f);
        float[] xBefore = x.clone();
        float[] wBefore = w.clone();
        float[] bBefore = b.clone();
        float[] dyBefore = dy.clone();

        double[][] pre = Reference.forward(x, X_OFFSET, w, W_OFFSET, b, B_OFFSET, g);
        for (Activation activation : Activation.values()) {
            float[] y = output(Y_OFFSET, g.outputSize());
            Convolution.forward(y, Y_OFFSET, x, X_OFFSET, w, W_OFFSET, b, B_OFFSET, g, activation);
            double[] want = new double[pre[0].length];
            for (int i = 0; i < want.length; i++) {
                want[i] = Reference.activate(pre[0][i], activation);
            }
            // every activation is 1-Lipschitz: the bound on the sum holds after it too
            assertNear(want, pre[1], depth(g), y, Y_OFFSET, what + " forward " + activation);
            assertGuards(y, Y_OFFSET, g.outputSize(), what + " forward " + activation);
            float[] again = output(Y_OFFSET, g.outputSize());
            Convolution.forward(again, Y_OFFSET, x, X_OFFSET, w, W_OFFSET, b, B_OFFSET, g, activation);
            assertArrayEquals(y, again, what + " forward " + activation + ": a second run differs");
        }

        float[] dx = output(X_OFFSET, g.inputSize());
        Convolution.backwardInput(dx, X_OFFSET, dy, Y_OFFSET, w, W_OFFSET, g);
        double[][] wantDx = Reference.backwardInput(dy, Y_OFFSET, w, W_OFFSET, g);
        assertNear(wantDx[0], wantDx[1], g.outChannels() * g.kernelHeight() * g.kernelWidth(), dx, X_OFFSET,
                what + " backwardInput");
        assertGuards(dx, X_OFFSET, g.inputSize(), what + " backwardInput");
        float[] dxAgain = output(X_OFFSET, g.inputSize());
        Convolution.backwardInput(dxAgain, X_OFFSET, dy, Y_OFFSET, w, W_OFFSET, g);
        assertArrayEquals(dx, dxAgain, what + " backwardInput: a second run differs");

        float[] dw = output(W_OFFSET, g.weightSize());
        float[] db = output(B_OFFSET, g.outChannels());
        Convolution.backwardWeights(dw, W_OFFSET, db, B_OFFSET, dy, Y_OFFSET, x, X_OFFSET, g);
        double[][] wantDw = Reference.backwardWeights(dy, Y_OFFSET, x, X_OFFSET, g);
        int terms = g.batch() * g.outHeight() * g.outWidth();
        assertNear(wantDw[0], wantDw[1], terms, dw, W_OFFSET, what + " backwardWeights");
        assertNear(wantDw[2], wantDw[3], terms, db, B_OFFSET, what + " backwardWeights, bias");
        assertGuards(dw, W_OFFSET, g.weightSize(), what + " backwardWeights");
        assertGuards(db, B_OFFSET, g.outChannels(), what + " backwardWeights, bias");
        float[] dwAgain = output(W_OFFSET, g.weightSize());
        float[] dbAgain = output(B_OFFSET, g.outChannels());
        Convolution.backwardWeights(dwAgain, W_OFFSET, dbAgain, B_OFFSET, dy, Y_OFFSET, x, X_OFFSET, g);
        assertArrayEquals(dw, dwAgain, what + " backwardWeights: a second run differs");
        assertArrayEquals(db, dbAgain, what + " backwardWeights, bias: a second run differs");

        assertArrayEquals(xBefore, x, what + ": x written");
        assertArrayEquals(wBefore, w, what + ": weights written");
        assertArrayEquals(bBefore, b, what + ": bias written");
        assertArrayEquals(dyBefore, dy, what + ": dy written");
    }

    static Stream<Arguments> smallShapes() {
        int[][] shapes = {
            {2, 3, 7, 11, 4, 3, 2, 2, 1, 1, 0},
            {1, 2, 6, 5, 3, 3, 3, 1, 1, 1, 1},
            {1, 1, 9, 9, 2, 5, 5, 2, 2, 2, 2},
            {3, 2, 5, 7, 3, 1, 5, 1, 2, 0, 2},
            {2, 3, 4, 5, 2, 1, 1, 1, 1, 0, 0},
        };
        return Arrays.stream(shapes).flatMap(s -> Stream.of(Activation.NONE, Activation.TANH, Activation.SIGMOID)
                .map(a -> Arguments.of(new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
                        s[10]), a)));
    }

    /**
     * The gradients of L = sum(act(conv(x) + b) r) at x, the weights and the bias, from backwardInput
     * and backwardWeights given dy = r act'(pre), against central differences of L through the double
     * reference (step 1e-3; L is smooth, its third derivatives small, so the difference is good to 1e-6).
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("smallShapes")
    void gradientsMatchFiniteDifferences(ConvGeometry g, Activation activation) {
        long seed = g.toString().hashCode() * 31L + activation.ordinal();
        Random random = new Random(seed);
        String what = g + " " + activation + " seed " + seed;
        float[] x = input(random, X_OFFSET, g.inputSize(), -1f, 1f);
        float[] w = input(random, W_OFFSET, g.weightSize(), -0.5f, 0.5f);
        float[] b = input(random, B_OFFSET, g.outChannels(), -0.5f, 0.5f);
        double[] r = new double[g.outputSize()];
        for (int i = 0; i < r.length; i++) {
            r[i] = random.nextDouble() * 2 - 1;
        }
        double[] pre = Reference.forward(x, X_OFFSET, w, W_OFFSET, b, B_OFFSET, g)[0];
        float[] dy = new float[Y_OFFSET + g.outputSize()];
        for (int i = 0; i < r.length; i++) {
            dy[Y_OFFSET + i] = (float) (r[i] * Reference.derivative(pre[i], activation));
        }
        float[] dx = output(X_OFFSET, g.inputSize());
        Convolution.backwardInput(dx, X_OFFSET, dy, Y_OFFSET, w, W_OFFSET, g);
        float[] dw = output(W_OFFSET, g.weightSize());
        float[] db = output(B_OFFSET, g.outChannels());
        Convolution.backwardWeights(dw, W_OFFSET, db, B_OFFSET, dy, Y_OFFSET, x, X_OFFSET, g);

        // the loss as a function of one float of x, w or b moved by h, in double
        double h = 1e-3;
        int[] offsets = {X_OFFSET, W_OFFSET, B_OFFSET};
        int[] counts = {g.inputSize(), g.weightSize(), g.outChannels()};
        float[][] gradients = {dx, dw, db};
        String[] names = {"dx", "dWeights", "dBias"};
        for (int a = 0; a < 3; a++) {
            double[] want = new double[counts[a]];
            double[] tolerance = new double[counts[a]];
            double[][] moved = {toDouble(x), toDouble(w), toDouble(b)};
            for (int i = 0; i < counts[a]; i++) {
                double[] target = moved[a];
                double kept = target[offsets[a] + i];
                target[offsets[a] + i] = kept + h;
                double up = Reference.loss(moved[0], moved[1], moved[2], g, activation, r);
                target[offsets[a] + i] = kept - h;
                double down = Reference.loss(moved[0], moved[1], moved[2], g, activation, r);
                target[offsets[a] + i] = kept;
                want[i] = (up - down) / (2 * h);
                tolerance[i] = 2e-5 + 1e-4 * Math.abs(want[i]);
            }
            Tolerance.assertWithin(want, tolerance, gradients[a], offsets[a], what + " " + names[a]
                    + " against finite differences");
        }
    }

    /** |got - want| within the float error of a sum of {@code terms} products whose magnitudes sum to scale. */
    private static void assertNear(double[] want, double[] scale, int terms, float[] got, int offset, String what) {
        double[] tolerance = new double[want.length];
        double perTerm = 4 * 0x1p-24 * Math.sqrt(terms + 1.0);
        for (int i = 0; i < want.length; i++) {
            tolerance[i] = 1e-7 + perTerm * scale[i] + 0x1p-23 * Math.abs(want[i]);
        }
        Tolerance.assertWithin(want, tolerance, got, offset, what);
    }

    private static int depth(ConvGeometry g) {
        return g.inChannels() * g.kernelHeight() * g.kernelWidth();
    }

    private static float[] input(Random random, int offset, int count, float lo, float hi) {
        float[] values = new float[offset + count + GUARD];
        Arrays.fill(values, SENTINEL);
        for (int i = 0; i < count; i++) {
            values[offset + i] = lo + (hi - lo) * random.nextFloat();
        }
        return values;
    }

    /** NaN where the result goes, the sentinel before and after. */
    private static float[] output(int offset, int count) {
        float[] values = new float[offset + count + GUARD];
        Arrays.fill(values, SENTINEL);
        Arrays.fill(values, offset, offset + count, Float.NaN);
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

    private static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    /** The convolution as its definition, in double: every output a sum over the window, zero padding skipped. */
    static final class Reference {
        private Reference() {}

        /** The pre-activation output (N, K, P, Q) and, per element, the sum of its terms' magnitudes. */
        static double[][] forward(float[] x, int xOffset, float[] w, int wOffset, float[] b, int bOffset,
                                  ConvGeometry g) {
            double[] xs = new double[g.inputSize()];
            double[] ws = new double[g.weightSize()];
            double[] bs = new double[g.outChannels()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = x[xOffset + i];
            }
            for (int i = 0; i < ws.length; i++) {
                ws[i] = w[wOffset + i];
            }
            for (int i = 0; i < bs.length; i++) {
                bs[i] = b[bOffset + i];
            }
            return forward(xs, 0, ws, 0, bs, 0, g);
        }

        static double[][] forward(double[] x, int xOffset, double[] w, int wOffset, double[] b, int bOffset,
                                  ConvGeometry g) {
            int n = g.batch(), c = g.inChannels(), h = g.height(), wd = g.width(), k = g.outChannels();
            int kh = g.kernelHeight(), kw = g.kernelWidth(), p = g.outHeight(), q = g.outWidth();
            double[] y = new double[g.outputSize()];
            double[] scale = new double[g.outputSize()];
            for (int s = 0; s < n; s++) {
                for (int o = 0; o < k; o++) {
                    for (int py = 0; py < p; py++) {
                        for (int px = 0; px < q; px++) {
                            double sum = b[bOffset + o];
                            double abs = Math.abs(sum);
                            for (int ci = 0; ci < c; ci++) {
                                for (int r = 0; r < kh; r++) {
                                    int iy = py * g.strideHeight() - g.padHeight() + r;
                                    if (iy < 0 || iy >= h) {
                                        continue;
                                    }
                                    for (int t = 0; t < kw; t++) {
                                        int ix = px * g.strideWidth() - g.padWidth() + t;
                                        if (ix < 0 || ix >= wd) {
                                            continue;
                                        }
                                        double term = x[xOffset + ((s * c + ci) * h + iy) * wd + ix]
                                                * w[wOffset + ((o * c + ci) * kh + r) * kw + t];
                                        sum += term;
                                        abs += Math.abs(term);
                                    }
                                }
                            }
                            int at = ((s * k + o) * p + py) * q + px;
                            y[at] = sum;
                            scale[at] = abs;
                        }
                    }
                }
            }
            return new double[][] {y, scale};
        }

        /** dx (N, C, H, W) for dy (N, K, P, Q), and the sums of its terms' magnitudes. */
        static double[][] backwardInput(float[] dy, int dyOffset, float[] w, int wOffset, ConvGeometry g) {
            int n = g.batch(), c = g.inChannels(), h = g.height(), wd = g.width(), k = g.outChannels();
            int kh = g.kernelHeight(), kw = g.kernelWidth(), p = g.outHeight(), q = g.outWidth();
            double[] dx = new double[g.inputSize()];
            double[] scale = new double[g.inputSize()];
            for (int s = 0; s < n; s++) {
                for (int o = 0; o < k; o++) {
                    for (int py = 0; py < p; py++) {
                        for (int px = 0; px < q; px++) {
                            double gradient = dy[dyOffset + ((s * k + o) * p + py) * q + px];
                            for (int ci = 0; ci < c; ci++) {
                                for (int r = 0; r < kh; r++) {
                                    int iy = py * g.strideHeight() - g.padHeight() + r;
                                    if (iy < 0 || iy >= h) {
                                        continue;
                                    }
                                    for (int t = 0; t < kw; t++) {
                                        int ix = px * g.strideWidth() - g.padWidth() + t;
                                        if (ix < 0 || ix >= wd) {
                                            continue;
                                        }
                                        double term = gradient * w[wOffset + ((o * c + ci) * kh + r) * kw + t];
                                        int at = ((s * c + ci) * h + iy) * wd + ix;
                                        dx[at] += term;
                                        scale[at] += Math.abs(term);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return new double[][] {dx, scale};
        }

        /** dWeights (K, C, R, S), its magnitudes, dBias (K), its magnitudes. */
        static double[][] backwardWeights(float[] dy, int dyOffset, float[] x, int xOffset, ConvGeometry g) {
            int n = g.batch(), c = g.inChannels(), h = g.height(), wd = g.width(), k = g.outChannels();
            int kh = g.kernelHeight(), kw = g.kernelWidth(), p = g.outHeight(), q = g.outWidth();
            double[] dw = new double[g.weightSize()];
            double[] dwScale = new double[g.weightSize()];
            double[] db = new double[k];
            double[] dbScale = new double[k];
            for (int s = 0; s < n; s++) {
                for (int o = 0; o < k; o++) {
                    for (int py = 0; py < p; py++) {
                        for (int px = 0; px < q; px++) {
                            double gradient = dy[dyOffset + ((s * k + o) * p + py) * q + px];
                            db[o] += gradient;
                            dbScale[o] += Math.abs(gradient);
                            for (int ci = 0; ci < c; ci++) {
                                for (int r = 0; r < kh; r++) {
                                    int iy = py * g.strideHeight() - g.padHeight() + r;
                                    if (iy < 0 || iy >= h) {
                                        continue;
                                    }
                                    for (int t = 0; t < kw; t++) {
                                        int ix = px * g.strideWidth() - g.padWidth() + t;
                                        if (ix < 0 || ix >= wd) {
                                            continue;
                                        }
                                        double term = gradient * x[xOffset + ((s * c + ci) * h + iy) * wd + ix];
                                        int at = ((o * c + ci) * kh + r) * kw + t;
                                        dw[at] += term;
                                        dwScale[at] += Math.abs(term);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return new double[][] {dw, dwScale, db, dbScale};
        }

        static double activate(double v, Activation activation) {
            return switch (activation) {
                case NONE -> v;
                case RELU -> Math.max(v, 0);
                case TANH -> Math.tanh(v);
                case SIGMOID -> 1 / (1 + Math.exp(-v));
            };
        }

        /** The activation's derivative at the pre-activation value v. */
        static double derivative(double v, Activation activation) {
            return switch (activation) {
                case NONE -> 1;
                case RELU -> v > 0 ? 1 : 0;
                case TANH -> 1 - Math.tanh(v) * Math.tanh(v);
                case SIGMOID -> {
                    double s = 1 / (1 + Math.exp(-v));
                    yield s * (1 - s);
                }
            };
        }

        /** sum(act(conv(x) + b) r), x, w, b whole arrays at the test's offsets. */
        static double loss(double[] x, double[] w, double[] b, ConvGeometry g, Activation activation, double[] r) {
            double[] pre = forward(x, X_OFFSET, w, W_OFFSET, b, B_OFFSET, g)[0];
            double sum = 0;
            for (int i = 0; i < pre.length; i++) {
                sum += activate(pre[i], activation) * r[i];
            }
            return sum;
        }
    }
}

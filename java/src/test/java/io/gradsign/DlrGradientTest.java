package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attacks' losses against central differences in double: the DLR loss (Croce and Hein 2020) and
 * CW's margin (Carlini and Wagner 2017) evaluated in double at z &plusmn; h for each logit, compared with the
 * backends' dLogits. Logits are drawn with gaps of at least 0.05 between any two of a row (no ties, so
 * the chosen indices hold still within &plusmn;h) and, for CW, margins away from the -&kappa; kink.
 */
class DlrGradientTest {
    private static final double H = 1e-3;

    static Stream<Arguments> kinds() {
        return Stream.of(Arguments.of(BackendKind.CPU), Arguments.of(BackendKind.CUDA_EMULATED),
                Arguments.of(BackendKind.CUDA));
    }

    static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    /** A row of distinct logits: a shuffled ladder 0.05 apart, in [-classes/40, classes/40), plus small noise. */
    static float[] distinctLogits(Random random, int batch, int classes) {
        float[] logits = new float[batch * classes];
        for (int b = 0; b < batch; b++) {
            int[] order = new int[classes];
            for (int j = 0; j < classes; j++) {
                order[j] = j;
            }
            for (int j = classes - 1; j > 0; j--) {
                int k = random.nextInt(j + 1);
                int swap = order[j];
                order[j] = order[k];
                order[k] = swap;
            }
            for (int j = 0; j < classes; j++) {
                logits[b * classes + j] = (order[j] - classes / 2f) * 0.05f + random.nextFloat() * 0.01f;
            }
        }
        return logits;
    }

    /** The DLR formula in double over one row; target -1 for the untargeted loss. */
    static double dlr(double[] z, int y, int t) {
        double[] sorted = z.clone();
        java.util.Arrays.sort(sorted);
        int c = z.length;
        if (t < 0) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                if (j != y) {
                    m = Math.max(m, z[j]);
                }
            }
            return -(z[y] - m) / (sorted[c - 1] - sorted[c - 3] + 1e-12);
        }
        return -(z[y] - z[t]) / (sorted[c - 1] - 0.5 * (sorted[c - 3] + sorted[c - 4]) + 1e-12);
    }

    /** CW's f6 in double over one row. */
    static double cwMargin(double[] z, int label, double kappa, boolean targeted) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < z.length; j++) {
            if (j != label) {
                m = Math.max(m, z[j]);
            }
        }
        return Math.max(targeted ? m - z[label] : z[label] - m, -kappa);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void cwMarginGradientMatchesCentralDifferences(BackendKind kind) {
        try (Backend backend = open(kind)) {
            Random random = new Random(41);
            for (int classes : new int[] {2, 3, 10, 37, 1000}) {
                for (boolean targeted : new boolean[] {false, true}) {
                    int batch = 6;
                    float[] logits = distinctLogits(random, batch, classes);
                    int[] y = AttackOpsTest.someLabelsOnTop(AttackOpsTest.labels(random.nextLong(), batch, classes, null),
                            logits, batch, classes);
                    float[] scales = TestBackends.uniform(random.nextLong(), batch, 0.5f, 2f);
                    // kappa 0.02: margins are at least 0.04 from every kink (the gaps are 0.05 minus 0.01 noise),
                    // away from -kappa too, so f is smooth within +-h
                    float kappa = 0.02f;
                    float[][] got = AttackOpsTest.cw(backend, logits, y, scales, batch, classes, kappa, targeted);
                    int active = 0;
                    for (int b = 0; b < batch; b++) {
                        double[] z = new double[classes];
                        for (int j = 0; j < classes; j++) {
                            z[j] = logits[b * classes + j];
                        }
                        assertEquals(cwMargin(z, y[b], kappa, targeted), got[0][b], 1e-6, "loss");
                        boolean anyNonZero = false;
                        for (int j = 0; j < classes; j++) {
                            double saved = z[j];
                            z[j] = saved + H;
                            double plus = cwMargin(z, y[b], kappa, targeted);
                            z[j] = saved - H;
                            double minus = cwMargin(z, y[b], kappa, targeted);
                            z[j] = saved;
                            double want = scales[b] * (plus - minus) / (2 * H);
                            float g = got[1][b * classes + j];
                            anyNonZero |= g != 0;
                            assertEquals(want, g, 1e-3 * (1 + Math.abs(want)), kind + " classes " + classes
                                    + (targeted ? " targeted" : "") + " row " + b + " logit " + j);
                        }
                        active += anyNonZero ? 1 : 0;
                    }
                    assertTrue(active > 0, kind + " classes " + classes + ": no row above -kappa");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void dlrGradientMatchesCentralDifferences(BackendKind kind) {
        try (Backend backend = open(kind)) {
            Random random = new Random(31);
            for (int classes : new int[] {3, 4, 10, 37, 1000}) {
                for (boolean targeted : new boolean[] {false, true}) {
                    if (targeted && classes < 4) {
                        continue;
                    }
                    int batch = classes == 1000 ? 2 : 5;
                    float[] logits = distinctLogits(random, batch, classes);
                    int[] y = AttackOpsTest.labels(random.nextLong(), batch, classes, null);
                    int[] t = targeted ? AttackOpsTest.labels(random.nextLong(), batch, classes, y) : null;
                    float[][] got = AttackOpsTest.dlr(backend, logits, y, t, batch, classes, 1f, true);
                    int nonZeroRows = 0;
                    for (int b = 0; b < batch; b++) {
                        double[] z = new double[classes];
                        for (int j = 0; j < classes; j++) {
                            z[j] = logits[b * classes + j];
                        }
                        int target = targeted ? t[b] : -1;
                        assertEquals(dlr(z, y[b], target), got[0][b], 1e-5 * (1 + Math.abs(got[0][b])), "loss");
                        boolean anyNonZero = false;
                        for (int j = 0; j < classes; j++) {
                            double saved = z[j];
                            z[j] = saved + H;
                            double plus = dlr(z, y[b], target);
                            z[j] = saved - H;
                            double minus = dlr(z, y[b], target);
                            z[j] = saved;
                            double want = (plus - minus) / (2 * H);
                            float g = got[1][b * classes + j];
                            anyNonZero |= g != 0;
                            String what = kind + " classes " + classes + (targeted ? " targeted" : "") + " row " + b
                                    + " logit " + j;
                            assertEquals(want, g, 1e-4 + 1e-3 * Math.abs(want), what);
                        }
                        // a row is all zero only where the loss is constant: three classes, y the smallest (loss 1)
                        nonZeroRows += anyNonZero ? 1 : 0;
                    }
                    assertTrue(nonZeroRows > 0, kind + " classes " + classes + ": every gradient row is zero");
                }
            }
        }
    }
}

package io.gradsign.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Labels;
import io.gradsign.TestBackends;
import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cross-entropy's gradient at the logits stays accurate where the probabilities saturate: once
 * p_y rounds to 1 in float, p_y - 1 is 0, yet the true value -sum of the others' p is not, and the
 * input gradient's direction depends on it. Checked against double precision on logits of a
 * confident row, and on the input gradient of the shipped MLP at the test images it classifies
 * with a loss below 1e-4: no sign may differ from the double-precision reference.
 */
class LogitGradientAccuracyTest {
    private static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED", "CUDA"})
    void theLabelsTermIsAccurateWhereItsProbabilityRoundsToOne(BackendKind kind) {
        float[] logits = {30f, 0f, -5f, 1f, 12f, -30f, 3f, 0.5f, -2f, 7f};
        int label = 0;
        double max = 30;
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        try (Backend backend = open(kind); Tensor z = backend.upload(logits); Tensor p = backend.allocate(10);
             Tensor loss = backend.allocate(1); Tensor d = backend.allocate(10);
             Labels labels = backend.uploadLabels(new int[] {label}, 10)) {
            backend.softmaxCrossEntropy(p, loss, d, z, labels, 1, 10, 1f);
            float[] got = d.toArray();
            assertEquals(1f, p.toArray()[label], "the label's probability rounds to 1 in float");
            for (int c = 0; c < 10; c++) {
                double want = Math.exp(logits[c] - max) / sum - (c == label ? 1 : 0);
                assertEquals(want, got[c], Math.abs(want) * 1e-5, kind + ": dlogit " + c);
            }
            assertTrue(got[label] < 0, "the label's term is " + got[label]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void inputGradientSignsMatchDoubleOnConfidentImages(BackendKind kind) throws IOException {
        int count = 200;
        float[] x = AttackTest.images(count);
        int[] y = AttackTest.labels(count);
        try (Backend backend = open(kind); Network net = AttackTest.shippedMlp(backend);
             Workspace workspace = net.workspace(count)) {
            Tensor input = workspace.input(count);
            input.copyFrom(x);
            workspace.labels(count).copyFrom(y);
            workspace.logits(input);
            float[] gradient = workspace.inputGradient(workspace.crossEntropy(workspace.labels(count), 1f, true))
                    .toArray();
            float[] losses = workspace.losses(count).toArray();
            DoubleMlp reference = new DoubleMlp(net);
            int confident = 0;
            int differ = 0;
            for (int i = 0; i < count; i++) {
                if (losses[i] >= 1e-4) {
                    continue;
                }
                confident++;
                double[] want = reference.inputGradient(x, i, y[i]);
                for (int j = 0; j < want.length; j++) {
                    // elements whose true value is within float's rounding of 0 have no reliable sign
                    if (Math.abs(want[j]) > 1e-6 * maxAbs(want) && Math.signum(want[j]) != Math.signum(gradient[i * 784 + j])) {
                        differ++;
                    }
                }
            }
            assertTrue(confident >= 10, "only " + confident + " confident images");
            assertEquals(0, differ, kind + ": input-gradient signs that differ from double, over " + confident
                    + " confident images");
        }
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** The shipped MLP (dense-relu-dense) in double: logits, softmax and the input gradient of the cross-entropy. */
    private static final class DoubleMlp {
        private final float[][] weights;
        private final float[][] biases;

        DoubleMlp(Network net) {
            int layers = net.layers().size();
            weights = new float[layers][];
            biases = new float[layers][];
            for (int l = 0; l < layers; l++) {
                weights[l] = net.weights(l);
                biases[l] = net.biases(l);
            }
        }

        double[] inputGradient(float[] images, int sample, int label) {
            int layers = weights.length;
            double[][] activations = new double[layers + 1][];
            double[] a = new double[784];
            for (int j = 0; j < 784; j++) {
                a[j] = images[sample * 784 + j];
            }
            activations[0] = a;
            for (int l = 0; l < layers; l++) {
                int in = activations[l].length;
                int out = biases[l].length;
                double[] z = new double[out];
                for (int o = 0; o < out; o++) {
                    double s = biases[l][o];
                    for (int i = 0; i < in; i++) {
                        s += weights[l][o * in + i] * activations[l][i];
                    }
                    z[o] = l < layers - 1 ? Math.max(s, 0) : s;
                }
                activations[l + 1] = z;
            }
            double[] logits = activations[layers];
            double max = Double.NEGATIVE_INFINITY;
            for (double v : logits) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (double v : logits) {
                sum += Math.exp(v - max);
            }
            double[] delta = new double[logits.length];
            double others = 0;
            for (int c = 0; c < logits.length; c++) {
                if (c != label) {
                    delta[c] = Math.exp(logits[c] - max) / sum;
                    others += delta[c];
                }
            }
            delta[label] = -others;
            for (int l = layers - 1; l >= 0; l--) {
                int in = activations[l].length;
                int out = biases[l].length;
                double[] below = new double[in];
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        below[i] += delta[o] * weights[l][o * in + i];
                    }
                }
                if (l > 0) {
                    for (int i = 0; i < in; i++) {
                        below[i] = activations[l][i] > 0 ? below[i] : 0;
                    }
                }
                delta = below;
            }
            return delta;
        }
    }
}

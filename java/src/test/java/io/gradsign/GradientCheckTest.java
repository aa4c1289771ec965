package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Finite-difference checks, on the CPU backend, of the gradients the backward kernels' twins compute
 * for a two-layer network x (3, 6) -> dense(6 -> 5, activation) -> dense(5 -> 4) -> softmax
 * cross-entropy (mean over the batch): the gradient at the input (what FGSM uses) and those of all
 * weights and biases (what training uses). Central differences in double around float parameters;
 * for relu, inputs whose pre-activation lies within 10 h of the kink are moved away from it.
 */
class GradientCheckTest {
    private static final int BATCH = 3;
    private static final int IN = 6;
    private static final int HIDDEN = 5;
    private static final int CLASSES = 4;
    private static final double H = 1e-3;

    private final Backend cpu = Backends.open(BackendKind.CPU);

    @ParameterizedTest
    @EnumSource(Activation.class)
    void gradientsMatchFiniteDifferences(Activation activation) {
        Random random = new Random(7 + activation.ordinal());
        float[] x = TestBackends.uniform(1, BATCH * IN, -1f, 1f);
        float[] w1 = TestBackends.uniform(2, HIDDEN * IN, -0.8f, 0.8f);
        float[] b1 = TestBackends.uniform(3, HIDDEN, -0.3f, 0.3f);
        float[] w2 = TestBackends.uniform(4, CLASSES * HIDDEN, -0.8f, 0.8f);
        float[] b2 = TestBackends.uniform(5, CLASSES, -0.3f, 0.3f);
        int[] labels = random.ints(BATCH, 0, CLASSES).toArray();
        if (activation == Activation.RELU) {
            moveAwayFromKink(x, w1, b1);
        }
        float[][] parameters = {x, w1, b1, w2, b2};
        String[] names = {"x", "weights1", "bias1", "weights2", "bias2"};
        float[][] analytic = gradients(x, w1, b1, w2, b2, labels, activation);
        for (int p = 0; p < parameters.length; p++) {
            float[] values = parameters[p];
            for (int i = 0; i < values.length; i++) {
                float saved = values[i];
                values[i] = (float) (saved + H);
                double plus = loss(x, w1, b1, w2, b2, labels, activation);
                values[i] = (float) (saved - H);
                double minus = loss(x, w1, b1, w2, b2, labels, activation);
                values[i] = saved;
                // the step actually taken in float, not H
                double step = ((double) (float) (saved + H)) - ((double) (float) (saved - H));
                double numeric = (plus - minus) / step;
                double error = Math.abs(numeric - analytic[p][i]);
                assertTrue(error <= 2e-3 + 2e-2 * Math.abs(numeric), activation + " d loss / d " + names[p] + "[" + i
                        + "]: analytic " + analytic[p][i] + ", finite difference " + numeric);
            }
        }
        assertTrue(maxAbs(analytic[0]) > 1e-4, "the input gradient is all (near) zero: the check proves nothing");
    }

    /** Mean cross-entropy of the network, through the forward kernels' twins. */
    private double loss(float[] x, float[] w1, float[] b1, float[] w2, float[] b2, int[] labels, Activation activation) {
        try (Tensor xs = cpu.upload(x); Tensor w1s = cpu.upload(w1); Tensor b1s = cpu.upload(b1);
             Tensor w2s = cpu.upload(w2); Tensor b2s = cpu.upload(b2); Labels ls = cpu.uploadLabels(labels, CLASSES);
             Tensor hidden = cpu.allocate(BATCH * HIDDEN); Tensor logits = cpu.allocate(BATCH * CLASSES);
             Tensor p = cpu.allocate(BATCH * CLASSES); Tensor losses = cpu.allocate(BATCH)) {
            cpu.denseForward(hidden, xs, w1s, b1s, BATCH, IN, HIDDEN, activation);
            cpu.denseForward(logits, hidden, w2s, b2s, BATCH, HIDDEN, CLASSES, Activation.NONE);
            cpu.softmaxCrossEntropy(p, losses, null, logits, ls, BATCH, CLASSES, 1f);
            double sum = 0;
            for (float l : losses.toArray()) {
                sum += l;
            }
            return sum / BATCH;
        }
    }

    /** d loss / d {x, w1, b1, w2, b2} through the backward kernels' twins. */
    private float[][] gradients(float[] x, float[] w1, float[] b1, float[] w2, float[] b2, int[] labels,
                                Activation activation) {
        try (Tensor xs = cpu.upload(x); Tensor w1s = cpu.upload(w1); Tensor b1s = cpu.upload(b1);
             Tensor w2s = cpu.upload(w2); Tensor b2s = cpu.upload(b2); Labels ls = cpu.uploadLabels(labels, CLASSES);
             Tensor hidden = cpu.allocate(BATCH * HIDDEN); Tensor logits = cpu.allocate(BATCH * CLASSES);
             Tensor p = cpu.allocate(BATCH * CLASSES); Tensor losses = cpu.allocate(BATCH);
             Tensor dLogits = cpu.allocate(BATCH * CLASSES); Tensor dHidden = cpu.allocate(BATCH * HIDDEN);
             Tensor dx = cpu.allocate(BATCH * IN); Tensor dw1 = cpu.allocate(HIDDEN * IN); Tensor db1 = cpu.allocate(HIDDEN);
             Tensor dw2 = cpu.allocate(CLASSES * HIDDEN); Tensor db2 = cpu.allocate(CLASSES)) {
            cpu.denseForward(hidden, xs, w1s, b1s, BATCH, IN, HIDDEN, activation);
            cpu.denseForward(logits, hidden, w2s, b2s, BATCH, HIDDEN, CLASSES, Activation.NONE);
            cpu.softmaxCrossEntropy(p, losses, dLogits, logits, ls, BATCH, CLASSES, 1f / BATCH);
            cpu.denseBackwardWeights(dw2, db2, dLogits, hidden, BATCH, HIDDEN, CLASSES);
            cpu.denseBackwardInput(dHidden, dLogits, w2s, BATCH, HIDDEN, CLASSES);
            cpu.activationBackward(dHidden, dHidden, hidden, activation);
            cpu.denseBackwardWeights(dw1, db1, dHidden, xs, BATCH, IN, HIDDEN);
            cpu.denseBackwardInput(dx, dHidden, w1s, BATCH, IN, HIDDEN);
            return new float[][] {dx.toArray(), dw1.toArray(), db1.toArray(), dw2.toArray(), db2.toArray()};
        }
    }

    /** Shifts each bias so no pre-activation lies within 10 h of relu's kink at 0. */
    private static void moveAwayFromKink(float[] x, float[] w1, float[] b1) {
        for (int o = 0; o < HIDDEN; o++) {
            for (int attempt = 0; attempt < 100; attempt++) {
                boolean near = false;
                for (int b = 0; b < BATCH; b++) {
                    double pre = b1[o];
                    for (int i = 0; i < IN; i++) {
                        pre += x[b * IN + i] * w1[o * IN + i];
                    }
                    near |= Math.abs(pre) < 10 * H * (1 + IN);
                }
                if (!near) {
                    break;
                }
                b1[o] += 0.037f;
            }
        }
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}

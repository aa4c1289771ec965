package io.gradsign.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Finite-difference checks, on the CPU backend, of the gradients a {@link Workspace} computes for
 * networks of every layer kind: the gradient at the input of J = sum(r &middot; logits) for a random r
 * (the "any function of the logits" path: r is dJ/dlogits), and the gradients of every parameter.
 * Central differences of the float network (step 1e-3 on values of order 1). A network with ReLU or
 * max pooling has kinks: a step that crosses one (a ReLU input or a window's top two within the
 * step) disagrees with the analytic gradient, so those networks may have up to 2% of coordinates
 * off; smooth ones none.
 */
class NetworkGradientTest {
    private static final double H = 1e-3;
    private static final int BATCH = 3;
    private static final Backend CPU = Backends.open(BackendKind.CPU);

    @AfterAll
    static void close() {
        CPU.close();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "conv3k3p1-tanh-avgpool2-conv4k3x2p1-sigmoid-avgpool2s1-flatten-dense6-tanh-dense5, 2x9x8, 0",
        "conv3k5s2p2-tanh-avgpool3s2-sigmoid-flatten-dense4, 1x11x7, 0",
        "conv4k3p1-relu-pool2-conv5k3p0-relu-pool2x3s1x2-relu-dense7-relu-dense3, 3x10x13, 0.02",
        "conv2k1-pool3s2-tanh-flatten-dense3, 1x7x7, 0.02",
        "dense9-sigmoid-dense6-tanh-dense4, 12, 0",
    })
    void gradientsMatchFiniteDifferences(String spec, String input, double allowedOff) {
        Shape shape = Shape.parse(input);
        try (Network network = Network.create(CPU, shape, LayerSpec.parse(spec), 11);
             Workspace workspace = network.workspace(BATCH)) {
            float[] x = TestBackends.uniform(3, BATCH * network.inputSize(), -1f, 1f);
            float[] r = TestBackends.uniform(4, BATCH * network.classes(), -1f, 1f);
            Tensor xs = workspace.input(BATCH);
            xs.copyFrom(x);
            Tensor dLogits = CPU.upload(r);
            workspace.logits(xs);
            float[] inputGradient = workspace.inputGradient(dLogits).toArray();
            workspace.parameterGradients(dLogits);

            int checked = 0;
            int off = 0;
            StringBuilder first = new StringBuilder();
            // the input
            for (int i = 0; i < x.length; i++) {
                float saved = x[i];
                double numeric = difference(workspace, xs, x, i, r, () -> xs.copyFrom(x));
                x[i] = saved;
                xs.copyFrom(x);
                checked++;
                if (!close(numeric, inputGradient[i])) {
                    off++;
                    note(first, "x[" + i + "]", inputGradient[i], numeric);
                }
            }
            // every parameter
            for (int l = 0; l < network.layers().size(); l++) {
                List<Tensor> parameters = network.parameters(l);
                for (int p = 0; p < parameters.size(); p++) {
                    Tensor parameter = parameters.get(p);
                    float[] values = parameter.toArray();
                    float[] analytic = workspace.parameterGradient(l, p).toArray();
                    for (int i = 0; i < values.length; i++) {
                        float saved = values[i];
                        double numeric = difference(workspace, xs, values, i, r, () -> parameter.copyFrom(values));
                        values[i] = saved;
                        parameter.copyFrom(values);
                        checked++;
                        if (!close(numeric, analytic[i])) {
                            off++;
                            note(first, "layer " + l + " (" + network.layers().get(l).spec() + ") parameter " + p + "["
                                    + i + "]", analytic[i], numeric);
                        }
                    }
                }
            }
            assertTrue(off <= allowedOff * checked, off + " of " + checked + " gradients of " + spec
                    + " disagree with finite differences (allowed " + allowedOff + "); first: " + first);
            double largest = 0;
            for (float g : inputGradient) {
                largest = Math.max(largest, Math.abs(g));
            }
            assertTrue(largest > 1e-4, "the input gradient is (near) zero: the check proves nothing");
        }
    }

    /** (J(v + h) - J(v - h)) / step for v = values[i], written back through {@code write} (or into xs). */
    private static double difference(Workspace workspace, Tensor xs, float[] values, int i, float[] r, Runnable write) {
        float saved = values[i];
        values[i] = (float) (saved + H);
        double plus = objective(workspace, xs, values, r, write);
        values[i] = (float) (saved - H);
        double minus = objective(workspace, xs, values, r, write);
        values[i] = saved;
        double step = ((double) (float) (saved + H)) - ((double) (float) (saved - H));
        return (plus - minus) / step;
    }

    private static double objective(Workspace workspace, Tensor xs, float[] values, float[] r, Runnable write) {
        write.run();
        float[] logits = workspace.logits(xs).toArray();
        double sum = 0;
        for (int k = 0; k < logits.length; k++) {
            sum += (double) r[k] * logits[k];
        }
        return sum;
    }

    private static boolean close(double numeric, double analytic) {
        return Math.abs(numeric - analytic) <= 3e-3 + 3e-2 * Math.abs(numeric);
    }

    private static void note(StringBuilder first, String what, double analytic, double numeric) {
        if (first.length() == 0) {
            first.append(what).append(": analytic ").append(analytic).append(", finite difference ").append(numeric);
        }
    }
}

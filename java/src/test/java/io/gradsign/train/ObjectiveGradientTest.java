package io.gradsign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import io.gradsign.Tolerance;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The objectives' parameter gradients against central finite differences of their losses, with the
 * adversarial points held fixed; and VAT's power iteration against the dominant eigenvector of the
 * KL divergence's Hessian, computed exactly (H = J&#7488; (diag p &minus; p p&#7488;) J for a smooth network).
 */
class ObjectiveGradientTest {
    static final String SPEC = "dense5-tanh-dense3";
    static final int INPUTS = 6;
    static final int CLASSES = 3;

    /** Compares the workspace's parameter gradients with central differences of {@code loss} over every parameter. */
    static void checkGradients(Network network, Workspace workspace, DoubleSupplier loss, String what) {
        double worst = 0;
        for (int l = 0; l < network.layers().size(); l++) {
            List<Tensor> parameters = network.parameters(l);
            for (int p = 0; p < parameters.size(); p++) {
                Tensor parameter = parameters.get(p);
                float[] analytic = workspace.parameterGradient(l, p).toArray();
                float[] values = parameter.toArray();
                for (int i = 0; i < values.length; i++) {
                    float original = values[i];
                    float h = 1e-2f;
                    float up = original + h;
                    float down = original - h;
                    values[i] = up;
                    parameter.copyFrom(values);
                    double lossUp = loss.getAsDouble();
                    values[i] = down;
                    parameter.copyFrom(values);
                    double lossDown = loss.getAsDouble();
                    values[i] = original;
                    parameter.copyFrom(values);
                    double numeric = (lossUp - lossDown) / ((double) up - down);
                    double error = Math.abs(numeric - analytic[i]);
                    worst = Math.max(worst, error / (1e-3 + Math.abs(numeric)));
                    assertTrue(error <= 1e-3 + 2e-2 * Math.abs(numeric), what + ": layer " + l + " parameter " + p
                            + " element " + i + ": analytic " + analytic[i] + ", numeric " + numeric);
                }
            }
        }
        assertTrue(worst < 0.05, what + ": worst relative error " + worst);
    }

    static double mean(Tensor values, int n) {
        float[] v = values.toArray();
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += v[i];
        }
        return s / n;
    }

    @Test
    void vatPlusEntMinGradientMatchesFiniteDifferencesWithTheAdversarialPointFixed() {
        int nl = 2;
        int nu = 3;
        int n = nl + nu;
        int[] labels = {1, 2};
        Vat vat = Objectives.vat(0.5f).withEntropyMinimisation(true).withWeight(0.7f);
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network network = Network.create(cpu, Shape.of(INPUTS), LayerSpec.parse(SPEC), 5);
             Workspace workspace = network.workspace(vat.workspaceRows(nl, nu));
             Workspace probe = network.workspace(n);
             Objective.Step step = vat.bind(network, workspace, nl, nu, 17)) {
            Tensor clean = cpu.upload(TestBackends.uniform(3, n * INPUTS, 0f, 1f)).reshape(n, INPUTS);
            Objective.Loss result = step.run(clean, labels, nl, nu, 4);
            int rows = vat.workspaceRows(nl, nu);
            Tensor adversarial = cpu.upload(workspace.input(rows).slice(0, n).toArray()).reshape(n, INPUTS);
            Tensor p = cpu.allocate(Shape.of(n, CLASSES));
            cpu.copy(p, probe.logits(clean));
            Tensor kl = cpu.allocate(Shape.of(n));
            Tensor entropy = cpu.allocate(Shape.of(n));
            float[] distance = adversarial.toArray();
            float[] x = clean.toArray();
            double norm = 0;
            for (int i = 0; i < INPUTS; i++) {
                norm += Math.pow(distance[i] - x[i], 2);
            }
            assertEquals(0.5, Math.sqrt(norm), 1e-5, "||r_adv|| of sample 0");
            DoubleSupplier loss = () -> {
                Tensor q = probe.logits(adversarial);
                cpu.softmaxKl(kl, null, null, p, q, n, CLASSES, 1f);
                double total = 0.7 * mean(kl, n);
                Tensor z = probe.logits(clean);
                cpu.softmaxEntropy(entropy, null, z, n, CLASSES, 1f);
                total += mean(entropy, n);
                Tensor labelled = clean.slice(0, nl);
                probe.logits(labelled);
                probe.labels(nl).copyFrom(labels);
                probe.crossEntropy(probe.labels(nl), 1f, false);
                return total + mean(probe.losses(nl), nl);
            };
            assertEquals(result.total(), loss.getAsDouble(), 1e-5, "the step's loss");
            checkGradients(network, workspace, loss, "VAT+EntMin");
        }
    }

    @Test
    void tradesGradientFlowsThroughBothArgumentsAndMatchesFiniteDifferences() {
        int n = 4;
        int[] labels = {0, 2, 1, 2};
        Trades trades = Objectives.trades(0.2f).withSteps(3).withBeta(3f);
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network network = Network.create(cpu, Shape.of(INPUTS), LayerSpec.parse(SPEC), 6);
             Workspace workspace = network.workspace(trades.workspaceRows(n, 0));
             Workspace probe = network.workspace(n);
             Objective.Step step = trades.bind(network, workspace, n, 0, 19)) {
            Tensor clean = cpu.upload(TestBackends.uniform(4, n * INPUTS, 0f, 1f)).reshape(n, INPUTS);
            Objective.Loss result = step.run(clean, labels, n, 0, 2);
            Tensor adversarial = cpu.upload(workspace.input(2 * n).slice(n, n).toArray()).reshape(n, INPUTS);
            Tensor p = cpu.allocate(Shape.of(n, CLASSES));
            Tensor kl = cpu.allocate(Shape.of(n));
            DoubleSupplier loss = () -> {
                cpu.copy(p, probe.logits(clean));
                probe.labels(n).copyFrom(labels);
                probe.crossEntropy(probe.labels(n), 1f, false);
                double total = mean(probe.losses(n), n);
                Tensor q = probe.logits(adversarial);
                cpu.softmaxKl(kl, null, null, p, q, n, CLASSES, 1f);
                return total + 3 * mean(kl, n);
            };
            assertEquals(result.total(), loss.getAsDouble(), 1e-5, "the step's loss");
            checkGradients(network, workspace, loss, "TRADES");
        }
    }

    /**
     * FGSM-AT's step keeps x's activations from the step that made x' and runs the forward pass on x'
     * alone: its parameter gradients equal those of one plain pass over x and x' (the dense plan's path
     * on the MLP, the layers' on the CNN), within the plan's rounding.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"dense16-relu-dense10", "conv3k3p1-relu-pool2-dense10"})
    void fgsmAtReusesTheCleanForwardPassExactly(String spec) {
        int n = 5;
        int[] labels = {1, 4, 9, 0, 3};
        Shape input = spec.startsWith("dense") ? Shape.of(64) : Shape.of(1, 8, 8);
        FgsmAt objective = Objectives.fgsmAt(0.1f).withAlpha(0.3f);
        for (BackendKind kind : new BackendKind[] {BackendKind.CPU, BackendKind.CUDA_EMULATED}) {
            try (Backend backend = Backends.open(kind);
                 Network network = Network.create(backend, input, LayerSpec.parse(spec), 5);
                 Workspace workspace = network.workspace(2 * n);
                 Workspace plain = network.workspace(2 * n);
                 Objective.Step step = objective.bind(network, workspace, n, 0, 1)) {
                Tensor clean = backend.upload(TestBackends.uniform(6, n * (int) input.size(), 0f, 1f))
                        .reshape(Shape.batchOf(n, input));
                step.run(clean, labels, n, 0, 0);
                Tensor both = plain.input(2 * n);
                backend.copy(both, workspace.input(2 * n));
                int[] twice = new int[2 * n];
                for (int i = 0; i < 2 * n; i++) {
                    twice[i] = labels[i % n];
                }
                plain.logits(both);
                plain.labels(2 * n).copyFrom(twice);
                Tensor dLogits = plain.crossEntropy(plain.labels(2 * n), 1f / n, true);
                float[] d = dLogits.toArray();
                for (int i = 0; i < d.length; i++) {
                    d[i] *= i < n * network.classes() ? 0.3f : 0.7f;
                }
                dLogits.copyFrom(d);
                plain.parameterGradients(dLogits);
                for (int l = 0; l < network.layers().size(); l++) {
                    for (int p = 0; p < network.parameters(l).size(); p++) {
                        Tolerance.assertClose(plain.parameterGradient(l, p).toArray(),
                                workspace.parameterGradient(l, p).toArray(), 1e-6f, 1e-5f,
                                kind + " " + spec + " layer " + l + " parameter " + p);
                    }
                }
            }
        }
    }

    /**
     * The power iteration's direction against the dominant eigenvector of H = J&#7488; F J, F = diag(p) &minus;
     * p p&#7488; (the Hessian of KL(p(x) || p(x + r)) at r = 0), per sample, on a small smooth network.
     */
    @Test
    void powerIterationConvergesToTheKlHessiansDominantEigenvector() {
        int n = 3;
        int inputs = 8;
        int classes = 4;
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network network = Network.create(cpu, Shape.of(inputs), LayerSpec.parse("dense12-tanh-dense4"), 9);
             Workspace workspace = network.workspace(n);
             Objective.Step bound = Objectives.vat(1f).bind(network, workspace, n, 0, 23)) {
            Tensor x = cpu.upload(TestBackends.uniform(8, n * inputs, 0f, 1f)).reshape(n, inputs);
            // the Jacobian's rows: the input gradient of each logit
            double[][][] jacobian = new double[n][classes][inputs];
            float[] probabilities;
            workspace.logits(x);
            workspace.labels(n).copyFrom(new int[n]);
            workspace.crossEntropy(workspace.labels(n), 1f, false);
            probabilities = workspace.probabilities(n).toArray();
            for (int c = 0; c < classes; c++) {
                float[] onehot = new float[n * classes];
                for (int b = 0; b < n; b++) {
                    onehot[b * classes + c] = 1f;
                }
                workspace.logits(x);
                Tensor dLogits = workspace.logitGradient(n);
                dLogits.copyFrom(onehot);
                float[] g = workspace.inputGradient(dLogits).toArray();
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < inputs; i++) {
                        jacobian[b][c][i] = g[b * inputs + i];
                    }
                }
            }
            Tensor out = cpu.allocate(Shape.of(n, inputs));
            Tensor p = cpu.allocate(Shape.of(n, classes));
            Tensor direction = cpu.allocate(Shape.of(n, inputs));
            Tensor kl = cpu.allocate(Shape.of(n));
            float epsilon = 1f;
            Vat.adversarialPoint((StepBase) bound, out, x, p, direction, kl, n, epsilon, 1e-3f, 30, 0);
            float[] reached = out.toArray();
            float[] origin = x.toArray();
            for (int b = 0; b < n; b++) {
                double[][] hessian = new double[inputs][inputs];
                for (int i = 0; i < inputs; i++) {
                    for (int j = 0; j < inputs; j++) {
                        double s = 0;
                        for (int c = 0; c < classes; c++) {
                            for (int k = 0; k < classes; k++) {
                                double pc = probabilities[b * classes + c];
                                double f = (c == k ? pc : 0) - pc * probabilities[b * classes + k];
                                s += jacobian[b][c][i] * f * jacobian[b][k][j];
                            }
                        }
                        hessian[i][j] = s;
                    }
                }
                double[][] eigen = eigenvectors(hessian);
                double gap = eigen[1][0] / eigen[0][0];
                assertTrue(gap < 0.8, "sample " + b + ": eigenvalues too close for 30 iterations: " + eigen[0][0] + ", "
                        + eigen[1][0]);
                double dot = 0;
                double norm = 0;
                for (int i = 0; i < inputs; i++) {
                    double r = reached[b * inputs + i] - origin[b * inputs + i];
                    dot += r * eigen[0][i + 1];
                    norm += r * r;
                }
                assertEquals(epsilon, Math.sqrt(norm), 1e-5, "||r_adv||, sample " + b);
                double cosine = Math.abs(dot) / Math.sqrt(norm);
                assertTrue(cosine > 0.999, "sample " + b + ": |cos(r_adv, v1)| = " + cosine + " (lambda2/lambda1 = "
                        + gap + ")");
            }
        }
    }

    /**
     * The two largest eigenvalues of a symmetric positive semi-definite matrix, each with its unit
     * eigenvector: result[k] = {lambda_k, v_k...}; by the Jacobi method (exact to rounding).
     */
    static double[][] eigenvectors(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    off += a[i][j] * a[i][j];
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (i, j) -> Double.compare(a[j][j], a[i][i]));
        double[][] result = new double[2][n + 1];
        for (int k = 0; k < 2; k++) {
            result[k][0] = a[order[k]][order[k]];
            for (int i = 0; i < n; i++) {
                result[k][i + 1] = v[i][order[k]];
            }
        }
        return result;
    }
}

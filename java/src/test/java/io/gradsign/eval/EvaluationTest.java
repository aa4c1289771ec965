package io.gradsign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.attack.AttackResult;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.GradientAttack;
import io.gradsign.attack.Goal;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Trainer;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Robustness over an epsilon sweep (the FGSM sweep from one gradient against FGSM run at each
 * epsilon; the outputs), and the exact certificate of a linear model: no attack beats it, and FGSM
 * on the margin reaches it where clipping does not interfere.
 */
class EvaluationTest {
    private static final int SAMPLES = 150;
    private static Dataset train;
    private static Dataset test;

    @BeforeAll
    static void data() {
        FashionMnist sample = FashionMnist.embeddedSample();
        train = sample.train();
        test = sample.test();
    }

    private static float[] images(int count) {
        return Arrays.copyOf(test.images(), count * test.features());
    }

    private static int[] labels(int count) {
        return Arrays.copyOf(test.labels(), count);
    }

    /** Softmax regression trained a few epochs on the sample: a linear model worth certifying. */
    private static Network softmaxRegression(Backend backend) {
        Network net = Network.create(backend, Shape.of(784), Network.softmaxRegression(10), 3);
        try (Trainer trainer = new Trainer(net, 32, 0.1f, 0.9f, 5)) {
            for (int epoch = 0; epoch < 5; epoch++) {
                trainer.trainEpoch(train.images(), train.labels());
            }
        }
        return net;
    }

    @Test
    void fgsmSweepIsFgsmAtEachEpsilon() {
        float[] x = images(SAMPLES);
        int[] y = labels(SAMPLES);
        float[] epsilons = {0f, 0.02f, 0.05f, 0.1f};
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = softmaxRegression(backend);
             AttackSession session = new AttackSession(net, 64)) {
            RobustnessReport report = RobustnessEvaluation.sweep(session, List.of(Attacks.fgsm(0.1f),
                    Attacks.bim(0.1f).withSteps(3)), epsilons, x, y, samples -> { });
            for (int e = 0; e < epsilons.length; e++) {
                AttackResult fgsm = session.run(Attacks.fgsm(epsilons[e]), Goal.UNTARGETED, x, y);
                assertEquals(fgsm.adversarialAccuracy(y), report.accuracy()[0][e], 1e-12, "FGSM at " + epsilons[e]);
                AttackResult bim = session.run(Attacks.bim(epsilons[e]).withSteps(3), Goal.UNTARGETED, x, y);
                assertEquals(bim.adversarialAccuracy(y), report.accuracy()[1][e], 1e-12, "BIM at " + epsilons[e]);
            }
            assertEquals(report.cleanAccuracy(), report.accuracy()[0][0], 1e-12);
            for (int i = 0; i < SAMPLES; i++) {
                float smallest = report.smallestBreakingEpsilon()[0][i];
                if (!Float.isNaN(smallest)) {
                    assertTrue(Arrays.binarySearch(epsilons, smallest) >= 0, "sample " + i + ": " + smallest);
                }
            }
        }
    }

    @Test
    void reportsWriteTableCsvJsonAndPlot(@TempDir Path folder) throws IOException {
        RobustnessReport report = new RobustnessReport("dense10", List.of("fgsm", "pgd"), new float[] {0f, 0.1f},
                0.8, new double[][] {{0.8, 0.3}, {0.8, 0.1}}, new float[][] {{0.1f, Float.NaN}, {0.1f, Float.NaN}}, 2);
        assertTrue(report.table().contains("pgd") && report.table().contains("10.00%"), report.table());
        Path csv = folder.resolve("r.csv");
        report.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("model,attack,epsilon,accuracy,samples", lines.get(0));
        assertEquals("dense10,pgd,0.1,0.1,2", lines.get(lines.size() - 1));
        Path json = folder.resolve("r.json");
        report.writeJson(json);
        String text = Files.readString(json);
        assertTrue(text.contains("\"smallestBreakingEpsilon\" : [ 0.1, null ]"), text);
        Path png = folder.resolve("robust.png");
        RobustnessPlot.write(report, png, 640, 400);
        assertEquals(640, ImageIO.read(png.toFile()).getWidth());
    }

    /**
     * The certificate of softmax regression: every sample whose radius is above epsilon survives
     * every attack, and FGSM on the margin of the nearest class, unclipped, breaks exactly the
     * samples whose radius is below epsilon.
     */
    @Test
    void noAttackBeatsTheLinearCertificateAndTheMarginStepReachesIt() {
        float[] x = images(SAMPLES);
        int[] y = labels(SAMPLES);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = softmaxRegression(backend);
             AttackSession session = new AttackSession(net, 64); Workspace workspace = net.workspace(1)) {
            LinearCertificate certificate = LinearCertificate.of(net);
            double[] radii = certificate.radii(x, y);
            int[] nearest = certificate.nearestClasses(x, y);
            for (float epsilon : new float[] {0.005f, 0.01f, 0.02f, 0.05f}) {
                for (GradientAttack attack : List.of(Attacks.fgsm(epsilon), Attacks.pgd(epsilon).withSteps(20),
                        Attacks.bim(epsilon), Attacks.mifgsm(epsilon))) {
                    AttackResult result = session.run(attack, Goal.UNTARGETED, x, y);
                    for (int i = 0; i < SAMPLES; i++) {
                        if (radii[i] > epsilon) {
                            assertFalse(result.success()[i], attack + " broke sample " + i + " of radius " + radii[i]);
                        }
                    }
                    assertTrue(result.adversarialAccuracy(y) >= LinearCertificate.certifiedAccuracy(radii, epsilon));
                }
            }
            // FGSM on the margin z_j - z_y of the nearest class j, with no clipping: the bound is reached
            int reached = 0;
            for (int i = 0; i < SAMPLES; i++) {
                if (nearest[i] < 0 || radii[i] > 0.5) {
                    continue;
                }
                float[] sample = Arrays.copyOfRange(x, i * 784, (i + 1) * 784);
                for (double factor : new double[] {0.99, 1.01}) {
                    float epsilon = (float) (radii[i] * factor);
                    int predicted = marginStep(workspace, backend, sample, y[i], nearest[i], epsilon);
                    if (factor < 1) {
                        assertEquals(y[i], predicted, "sample " + i + " broke below its radius " + radii[i]);
                    } else {
                        assertTrue(predicted != y[i], "sample " + i + " survived above its radius " + radii[i]);
                        reached++;
                    }
                }
            }
            assertTrue(reached > 10, reached + " samples checked at their radius");
        }
    }

    /** x' = x + epsilon * sign(grad (z_j - z_y)), unclipped; returns the class at x'. */
    private static int marginStep(Workspace workspace, Backend backend, float[] sample, int y, int j, float epsilon) {
        Tensor x = workspace.input(1);
        x.copyFrom(sample);
        workspace.logits(x);
        float[] dLogits = new float[10];
        dLogits[j] = 1f;
        dLogits[y] = -1f;
        Tensor gradient;
        try (Tensor d = backend.upload(dLogits)) {
            gradient = workspace.inputGradient(d);
        }
        Tensor adversarial = workspace.adversarial(1);
        backend.signStep(adversarial, x, gradient, epsilon, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
        float[] logits = workspace.logits(adversarial).toArray();
        int best = 0;
        for (int c = 1; c < 10; c++) {
            if (logits[c] > logits[best]) {
                best = c;
            }
        }
        return best;
    }

    @Test
    void theCertificateNeedsALinearModel() {
        try (Backend backend = Backends.open(BackendKind.CPU);
             Network mlp = Network.create(backend, Shape.of(784), Network.mlp(new int[] {8}, 10), 1)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> LinearCertificate.of(mlp)).getMessage()
                    .contains("softmax regression"));
        }
    }
}

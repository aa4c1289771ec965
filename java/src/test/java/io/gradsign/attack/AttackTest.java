package io.gradsign.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.TestBackends;
import io.gradsign.Tensor;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Fgsm;
import io.gradsign.model.ModelFile;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gradient attacks: their definitions against plain references written here, the projection
 * invariants after every step, CPU and CUDA agreeing bit for bit, early stops and restarts, and
 * the orders a stronger attack must keep (PGD never weaker than FGSM, restarts never weaker than one
 * start), on the MLP shipped in the jar and the first test images of Fashion-MNIST's sample.
 */
class AttackTest {
    private static final int SAMPLES = 40;
    private static final Dataset TEST = FashionMnist.embeddedSample().test();

    static Network shippedMlp(Backend backend) throws IOException {
        try (InputStream in = AttackTest.class.getResourceAsStream("/io/gradsign/models/fashion-mlp.gsm")) {
            return ModelFile.read(backend, ByteBuffer.wrap(in.readAllBytes()), Path.of("fashion-mlp.gsm"));
        }
    }

    static float[] images(int count) {
        return Arrays.copyOf(TEST.images(), count * TEST.features());
    }

    static int[] labels(int count) {
        return Arrays.copyOf(TEST.labels(), count);
    }

    private static List<GradientAttack> all(float epsilon) {
        return List.of(Attacks.fgsm(epsilon), Attacks.fgm(epsilon * 10), Attacks.bim(epsilon).withSteps(5),
                Attacks.pgd(epsilon).withSteps(5), Attacks.pgdL2(epsilon * 10).withSteps(5),
                Attacks.rfgsm(epsilon), Attacks.mifgsm(epsilon).withSteps(5),
                Attacks.pgd(epsilon).withSteps(5).withEarlyStop(true).withRestarts(2));
    }

    private static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    /**
     * Every attack on the CUDA path gives the CPU's x' bit for bit (the L2 attacks within 1e-5: they
     * scale by the gradient's norm, which the backends' products round differently), and the same successes.
     */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void cudaMatchesCpu(BackendKind kind) throws IOException {
        float[] x = images(12);
        int[] y = labels(12);
        try (Backend cpu = Backends.open(BackendKind.CPU); Backend cuda = open(kind);
             Network a = shippedMlp(cpu); Network b = shippedMlp(cuda);
             AttackSession sa = new AttackSession(a, 5); AttackSession sb = new AttackSession(b, 5)) {
            for (GradientAttack attack : all(0.05f)) {
                for (Goal goal : Goal.values()) {
                    int[] labels = goal == Goal.VIRTUAL ? null : goal == Goal.TARGETED ? targets(y) : y;
                    AttackResult ra = sa.run(attack, goal, x, labels);
                    AttackResult rb = sb.run(attack, goal, x, labels);
                    if (attack.norm() == Norm.LINF) {
                        // the steps use the gradient's sign alone, and the backends' gradients agree in sign
                        assertArrayEquals(ra.adversarial(), rb.adversarial(), attack + " " + goal + " on " + kind);
                    } else {
                        // L2 steps use the gradient's magnitudes, which the backends sum in different orders:
                        // the step is bit for bit the same for the same gradient (AttackStepsTest), x' within 1e-5
                        for (int j = 0; j < x.length; j++) {
                            assertEquals(ra.adversarial()[j], rb.adversarial()[j], 1e-5f,
                                    attack + " " + goal + " on " + kind + ", element " + j);
                        }
                    }
                    assertArrayEquals(ra.success(), rb.success(), attack + " " + goal + " on " + kind);
                }
            }
        }
    }

    static int[] targets(int[] labels) {
        int[] targets = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            targets[i] = (labels[i] + 3) % 10;
        }
        return targets;
    }

    /** After every step, x' stays in the epsilon-ball around x in the attack's norm and in [0, 1]. */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void everyStepStaysInTheBallAndTheRange(BackendKind kind) throws IOException {
        float[] x = images(8);
        int[] y = labels(8);
        try (Backend backend = open(kind); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 8)) {
            for (GradientAttack attack : List.of(Attacks.bim(0.03f), Attacks.pgd(0.03f), Attacks.pgdL2(0.5f),
                    Attacks.mifgsm(0.03f))) {
                // steps of half the budget, so the projection binds from the third step on
                GradientAttack fixed = attack.withStepSize(attack.epsilon() / 2);
                for (int steps = 1; steps <= 4; steps++) {
                    AttackResult r = session.run(fixed.withSteps(steps), Goal.UNTARGETED, x, y);
                    for (int i = 0; i < y.length; i++) {
                        double distance = distance(r.adversarial(), i, x, attack.norm());
                        assertTrue(distance <= attack.epsilon() * (1 + 1e-6),
                                fixed + " after " + steps + " steps: sample " + i + " at " + distance);
                        float size = attack.norm() == Norm.LINF ? r.linf()[i] : r.l2()[i];
                        assertEquals(distance, size, 1e-6, "the result's norm of sample " + i);
                        for (int j = i * 784; j < (i + 1) * 784; j++) {
                            assertTrue(r.adversarial()[j] >= 0f && r.adversarial()[j] <= 1f,
                                    fixed + ": x'[" + j + "] = " + r.adversarial()[j]);
                        }
                    }
                }
            }
        }
    }

    private static double distance(float[] adversarial, int sample, float[] x, Norm norm) {
        double max = 0;
        double squares = 0;
        for (int j = sample * 784; j < (sample + 1) * 784; j++) {
            double d = (double) adversarial[j] - x[j];
            max = Math.max(max, Math.abs(d));
            squares += d * d;
        }
        return norm == Norm.LINF ? max : Math.sqrt(squares);
    }

    /**
     * BIM and PGD against a plain reference of the paper's loop here: the gradient from the
     * workspace, the step, projection and clipping in Java: the same bits.
     */
    @Test
    void projectedStepsMatchAPlainReference() throws IOException {
        float[] x = images(6);
        int[] y = labels(6);
        float epsilon = 0.05f;
        float alpha = 0.02f;
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 6); Workspace workspace = net.workspace(6)) {
            AttackResult bim = session.run(Attacks.bim(epsilon).withSteps(4).withStepSize(alpha), Goal.UNTARGETED, x, y);
            float[] current = x.clone();
            for (int step = 0; step < 4; step++) {
                float[] g = gradient(workspace, current, y);
                for (int j = 0; j < current.length; j++) {
                    float v = current[j] + alpha * Math.signum(g[j]);
                    v = Math.min(Math.max(v, x[j] - epsilon), x[j] + epsilon);
                    current[j] = Math.min(Math.max(v, 0f), 1f);
                }
            }
            assertArrayEquals(current, bim.adversarial(), "BIM against the reference loop");

            // MI-FGSM: momentum of L1-normalised gradients in double, then the sign step
            AttackResult mi = session.run(Attacks.mifgsm(epsilon).withSteps(3), Goal.UNTARGETED, x, y);
            float step = epsilon / 3;
            current = x.clone();
            double[] momentum = new double[current.length];
            for (int s = 0; s < 3; s++) {
                float[] g = gradient(workspace, current, y);
                for (int i = 0; i < y.length; i++) {
                    double l1 = 0;
                    for (int j = i * 784; j < (i + 1) * 784; j++) {
                        l1 += Math.abs(g[j]);
                    }
                    for (int j = i * 784; j < (i + 1) * 784; j++) {
                        momentum[j] = momentum[j] + g[j] / l1;
                        float v = current[j] + step * (float) Math.signum(momentum[j]);
                        v = Math.min(Math.max(v, x[j] - epsilon), x[j] + epsilon);
                        current[j] = Math.min(Math.max(v, 0f), 1f);
                    }
                }
            }
            int differ = 0;
            for (int j = 0; j < current.length; j++) {
                differ += current[j] == mi.adversarial()[j] ? 0 : 1;
            }
            // the momentum in float and in double may differ in sign where it is within rounding of 0
            assertTrue(differ <= current.length / 1000, differ + " of " + current.length + " pixels differ");
        }
    }

    /**
     * PGD in L-infinity and R+FGSM against the papers' loops written here (the start drawn by the same
     * RandomStart, the gradient from the workspace, the steps in Java): the same bits.
     */
    @Test
    void randomStartAttacksMatchPlainReferences() throws IOException {
        float[] x = images(6);
        int[] y = labels(6);
        float epsilon = 0.05f;
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 6); Workspace workspace = net.workspace(6)) {
            GradientAttack pgd = Attacks.pgd(epsilon).withSteps(5).withSeed(11);
            float alpha = pgd.stepSize();
            float[] current = new float[x.length];
            for (int i = 0; i < y.length; i++) {
                RandomStart.draw(current, i * 784, x, i * 784, 784, RandomStart.Kind.UNIFORM, Norm.LINF, epsilon, 0f,
                        1f, 11, i, 0);
            }
            for (int step = 0; step < 5; step++) {
                float[] g = gradient(workspace, current, y);
                for (int j = 0; j < current.length; j++) {
                    float v = current[j] + alpha * Math.signum(g[j]);
                    v = Math.min(Math.max(v, x[j] - epsilon), x[j] + epsilon);
                    current[j] = Math.min(Math.max(v, 0f), 1f);
                }
            }
            assertArrayEquals(current, session.run(pgd, Goal.UNTARGETED, x, y).adversarial(), "PGD");

            // R+FGSM: a random sign step of eps/2, then a gradient sign step of eps - eps/2
            GradientAttack rfgsm = Attacks.rfgsm(epsilon).withSeed(5);
            float[] noisy = new float[x.length];
            for (int i = 0; i < y.length; i++) {
                RandomStart.draw(noisy, i * 784, x, i * 784, 784, RandomStart.Kind.SIGN, Norm.LINF, epsilon / 2, 0f,
                        1f, 5, i, 0);
            }
            float[] g = gradient(workspace, noisy, y);
            float[] want = new float[x.length];
            for (int j = 0; j < want.length; j++) {
                float v = noisy[j] + (epsilon - epsilon / 2) * Math.signum(g[j]);
                v = Math.min(Math.max(v, x[j] - epsilon), x[j] + epsilon);
                want[j] = Math.min(Math.max(v, 0f), 1f);
            }
            assertArrayEquals(want, session.run(rfgsm, Goal.UNTARGETED, x, y).adversarial(), "R+FGSM");
        }
    }

    /** PGD in L2 against its loop in double from the same start: within float rounding. */
    @Test
    void pgdL2MatchesAReferenceInDouble() throws IOException {
        float[] x = images(4);
        int[] y = labels(4);
        float epsilon = 1.5f;
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 4); Workspace workspace = net.workspace(4)) {
            GradientAttack pgd = Attacks.pgdL2(epsilon).withSteps(4).withSeed(7);
            double alpha = pgd.stepSize();
            float[] start = new float[x.length];
            for (int i = 0; i < y.length; i++) {
                RandomStart.draw(start, i * 784, x, i * 784, 784, RandomStart.Kind.UNIFORM, Norm.L2, epsilon, 0f, 1f,
                        7, i, 0);
            }
            float[] current = start.clone();
            for (int step = 0; step < 4; step++) {
                float[] g = gradient(workspace, current, y);
                for (int i = 0; i < y.length; i++) {
                    double gnorm = 0;
                    for (int j = i * 784; j < (i + 1) * 784; j++) {
                        gnorm += (double) g[j] * g[j];
                    }
                    gnorm = Math.sqrt(gnorm);
                    double[] d = new double[784];
                    double dnorm = 0;
                    for (int j = 0; j < 784; j++) {
                        int k = i * 784 + j;
                        d[j] = current[k] + (gnorm > 0 ? alpha * g[k] / gnorm : 0) - x[k];
                        dnorm += d[j] * d[j];
                    }
                    dnorm = Math.sqrt(dnorm);
                    double scale = dnorm > epsilon ? epsilon / dnorm : 1;
                    for (int j = 0; j < 784; j++) {
                        int k = i * 784 + j;
                        current[k] = (float) Math.min(Math.max(x[k] + d[j] * scale, 0), 1);
                    }
                }
            }
            float[] got = session.run(pgd, Goal.UNTARGETED, x, y).adversarial();
            for (int j = 0; j < got.length; j++) {
                assertEquals(current[j], got[j], 2e-5, "PGD L2, element " + j);
            }
        }
    }

    /** PGD L2 against a reference in double: within float rounding. */
    @Test
    void l2StepsMatchAReferenceInDouble() throws IOException {
        float[] x = images(5);
        int[] y = labels(5);
        float epsilon = 1.0f;
        float alpha = 0.4f;
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 5); Workspace workspace = net.workspace(5)) {
            // no random start: FGM-like steps from x (pgd-l2 with a start drawn here would test the draw instead)
            GradientAttack attack = Attacks.fgm(epsilon);
            AttackResult fgm = session.run(attack, Goal.UNTARGETED, x, y);
            float[] g = gradient(workspace, x, y);
            for (int i = 0; i < y.length; i++) {
                double norm = 0;
                for (int j = i * 784; j < (i + 1) * 784; j++) {
                    norm += (double) g[j] * g[j];
                }
                norm = Math.sqrt(norm);
                for (int j = i * 784; j < (i + 1) * 784; j++) {
                    double want = Math.min(Math.max(x[j] + epsilon * g[j] / norm, 0), 1);
                    assertEquals(want, fgm.adversarial()[j], 1e-6, "FGM sample " + i + " pixel " + (j - i * 784));
                }
            }
            assertTrue(alpha > 0);
        }
    }

    /**
     * The input gradient of each sample's cross-entropy at x, as the attacks take it: from the
     * workspace's FGSM step with a step of 0 (a backend's fused plan where it has one).
     */
    private static float[] gradient(Workspace workspace, float[] x, int[] y) {
        int n = y.length;
        Tensor input = workspace.input(n);
        input.copyFrom(x);
        workspace.labels(n).copyFrom(y);
        workspace.fgsmStep(input, workspace.adversarial(n), 1f, 0f, 0f, 1f, true);
        return workspace.lastInputGradient().toArray();
    }

    /** The template's FGSM (the backends' fused step) gives the bits of model.Fgsm, and the FGSM sweep those of each run. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7})
    void fgsmIsTheFusedStep(int capacity) throws IOException {
        float[] x = images(SAMPLES);
        int[] y = labels(SAMPLES);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, capacity); Fgsm fgsm = new Fgsm(net, capacity)) {
            AttackResult result = session.run(Attacks.fgsm(0.1f), Goal.UNTARGETED, x, y);
            assertArrayEquals(fgsm.untargeted(x, y, 0.1f).adversarial(), result.adversarial());
            assertEquals(SAMPLES, result.gradientPasses());
        }
    }

    /** Early stops and restarts keep every success, and an early stop runs fewer passes. */
    @Test
    void earlyStopsAndRestartsKeepEverySuccess() throws IOException {
        float[] x = images(SAMPLES);
        int[] y = labels(SAMPLES);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 16)) {
            GradientAttack pgd = Attacks.pgd(0.02f).withSteps(10).withSeed(3);
            AttackResult once = session.run(pgd, Goal.UNTARGETED, x, y);
            AttackResult early = session.run(pgd.withEarlyStop(true), Goal.UNTARGETED, x, y);
            AttackResult restarted = session.run(pgd.withRestarts(3), Goal.UNTARGETED, x, y);
            assertEquals((long) SAMPLES * 10, once.gradientPasses());
            assertTrue(early.gradientPasses() < once.gradientPasses(), early.gradientPasses() + " passes");
            for (int i = 0; i < SAMPLES; i++) {
                if (once.success()[i]) {
                    assertTrue(restarted.success()[i], "restarts lost sample " + i);
                }
            }
            assertTrue(early.successRate() > 0 && restarted.successRate() >= once.successRate());
            // the same seed gives the same x'
            assertArrayEquals(once.adversarial(), session.run(pgd, Goal.UNTARGETED, x, y).adversarial());
        }
    }

    /**
     * PGD (its defaults: 40 steps from a random start, stopping each sample once it breaks, as an
     * evaluation runs it) is never weaker than FGSM at the same epsilon, on a trained model, and more
     * steps never weaker than fewer.
     */
    @Test
    void pgdIsNeverWeakerThanFgsm() throws IOException {
        float[] x = images(200);
        int[] y = labels(200);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 100)) {
            for (float epsilon : new float[] {0.02f, 0.05f, 0.1f}) {
                double fgsm = session.run(Attacks.fgsm(epsilon), Goal.UNTARGETED, x, y).adversarialAccuracy(y);
                GradientAttack pgd = Attacks.pgd(epsilon).withEarlyStop(true);
                double pgd40 = session.run(pgd, Goal.UNTARGETED, x, y).adversarialAccuracy(y);
                double pgd10 = session.run(pgd.withSteps(10).withStepSize(pgd.stepSize()), Goal.UNTARGETED, x, y)
                        .adversarialAccuracy(y);
                assertTrue(pgd40 <= fgsm, "eps " + epsilon + ": PGD-40 leaves " + pgd40 + ", FGSM " + fgsm);
                assertTrue(pgd40 <= pgd10, "eps " + epsilon + ": PGD-40 leaves " + pgd40 + ", PGD-10 " + pgd10);
            }
        }
    }

    @Test
    void progressCountsEveryBatchAndChangesNothing() throws IOException {
        float[] x = images(SAMPLES);
        int[] y = labels(SAMPLES);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 16)) {
            GradientAttack pgd = Attacks.pgd(0.05f).withSteps(3);
            AttackResult quiet = session.run(pgd, Goal.UNTARGETED, x, y);
            List<Integer> batches = new java.util.ArrayList<>();
            session.onProgress(batches::add);
            AttackResult reported = session.run(pgd, Goal.UNTARGETED, x, y);
            session.onProgress(null);
            assertEquals(List.of(16, 16, 8), batches);
            assertArrayEquals(quiet.adversarial(), reported.adversarial());
            session.run(pgd, Goal.UNTARGETED, x, y);
            assertEquals(3, batches.size(), "the listener was not removed");
        }
    }

    @Test
    void targetedAndVirtualGoals() throws IOException {
        float[] x = images(SAMPLES);
        int[] y = labels(SAMPLES);
        int[] targets = targets(y);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shippedMlp(backend);
             AttackSession session = new AttackSession(net, 16)) {
            AttackResult targeted = session.run(Attacks.pgd(0.2f).withSteps(20), Goal.TARGETED, x, targets);
            int reached = 0;
            for (int i = 0; i < SAMPLES; i++) {
                assertEquals(targeted.adversarialClass()[i] == targets[i], targeted.success()[i]);
                reached += targeted.success()[i] ? 1 : 0;
            }
            assertTrue(reached > SAMPLES / 2, reached + " of " + SAMPLES + " reached their target");
            AttackResult virtual = session.run(Attacks.fgsm(0.1f), Goal.VIRTUAL, x, null);
            for (int i = 0; i < SAMPLES; i++) {
                assertEquals(virtual.adversarialClass()[i] != virtual.cleanClass()[i], virtual.success()[i]);
            }
        }
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() throws IOException {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Attacks.pgd(-0.1f)).getMessage()
                .contains("-0.1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Attacks.pgd(0.1f).withSteps(0)).getMessage()
                .contains("0"));
        assertThrows(IllegalArgumentException.class, () -> Attacks.fgsm(0.1f).withSteps(3));
        assertThrows(IllegalArgumentException.class, () -> Attacks.fgsm(0.1f).withRestarts(2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Attacks.byName("cw", 0.1f)).getMessage()
                .contains("pgd-l2"));
        try (Backend backend = Backends.open(BackendKind.CPU);
             Network net = Network.create(backend, Shape.of(784), LayerSpec.parse("dense10"), 1);
             AttackSession session = new AttackSession(net, 4)) {
            float[] x = images(2);
            assertThrows(IllegalArgumentException.class, () -> session.run(Attacks.fgsm(0.1f), Goal.UNTARGETED, x,
                    new int[] {0, 10}));
            assertThrows(IllegalArgumentException.class, () -> session.run(Attacks.fgsm(0.1f), Goal.VIRTUAL, x,
                    new int[] {0, 1}));
            assertThrows(NullPointerException.class, () -> session.run(Attacks.fgsm(0.1f), Goal.TARGETED, x, null));
        }
    }
}

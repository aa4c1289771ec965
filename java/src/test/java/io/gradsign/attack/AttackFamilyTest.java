package io.gradsign.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.TestBackends;
import io.gradsign.eval.PerturbationNorms;
import io.gradsign.eval.StandardEvaluation;
import io.gradsign.eval.StandardReport;
import io.gradsign.model.ModelFile;
import io.gradsign.nn.Network;
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
 * The attack family's second part: APGD (CE, DLR, targeted DLR), DeepFool (L2, L&infin;), Carlini-Wagner L2
 * and the standard evaluation, on the models shipped in the jar and the first test images of the
 * Fashion-MNIST sample: the orders a stronger attack must keep, the invariants of each attack, both
 * backends, and the arguments refused.
 */
class AttackFamilyTest {
    static Network shipped(Backend backend, String name) throws IOException {
        try (InputStream in = AttackFamilyTest.class.getResourceAsStream("/io/gradsign/models/fashion-" + name
                + ".gsm")) {
            return ModelFile.read(backend, ByteBuffer.wrap(in.readAllBytes()), Path.of("fashion-" + name + ".gsm"));
        }
    }

    private static Backend open(BackendKind kind) {
        return kind == BackendKind.CPU ? Backends.open(kind) : TestBackends.openCudaPath(kind);
    }

    private static double linf(float[] a, float[] x, int i, int size) {
        double max = 0;
        for (int j = i * size; j < (i + 1) * size; j++) {
            max = Math.max(max, Math.abs((double) a[j] - x[j]));
        }
        return max;
    }

    /** Every APGD variant keeps x' in the epsilon-ball and [0, 1], on both backends. */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void apgdStaysInTheBallAndTheRange(BackendKind kind) throws IOException {
        float[] x = AttackTest.images(10);
        int[] y = AttackTest.labels(10);
        try (Backend backend = open(kind); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 4)) {
            for (Apgd attack : List.of(Attacks.apgdCe(0.03f), Attacks.apgdDlr(0.03f),
                    Attacks.apgdTargeted(0.03f).withTargetClasses(2))) {
                AttackResult r = session.run(attack.withSteps(12), Goal.UNTARGETED, x, y);
                for (int i = 0; i < y.length; i++) {
                    assertTrue(linf(r.adversarial(), x, i, 784) <= 0.03f * (1 + 1e-6), attack + " sample " + i);
                }
                for (float v : r.adversarial()) {
                    assertTrue(v >= 0f && v <= 1f, attack + ": " + v);
                }
                assertTrue(r.gradientPasses() > 0 && r.gradientPasses() <= 12L * y.length * 2, attack + " passes");
            }
        }
    }

    /**
     * Compaction changes the passes, not the outcome: each sample's steps depend on itself alone (the
     * MLP's products give a row the same bits in any batch on the CPU).
     */
    @Test
    void compactionSavesPassesAndChangesNoOutcome() throws IOException {
        float[] x = AttackTest.images(40);
        int[] y = AttackTest.labels(40);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 16)) {
            Apgd attack = Attacks.apgdCe(0.05f).withSteps(20);
            AttackResult with = session.run(attack, Goal.UNTARGETED, x, y);
            AttackResult without = session.run(attack.withCompaction(false), Goal.UNTARGETED, x, y);
            assertArrayEquals(without.success(), with.success());
            assertArrayEquals(without.adversarial(), with.adversarial(), "the first adversarial point of each sample");
            assertTrue(with.gradientPasses() < without.gradientPasses(),
                    with.gradientPasses() + " passes with compaction, " + without.gradientPasses() + " without");
        }
    }

    /** APGD is never weaker than PGD with the same budget (epsilon and iterations) on the shipped models. */
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn-pgd-at"})
    void apgdIsNeverWeakerThanPgd(String model) throws IOException {
        int n = model.equals("cnn") ? 40 : 100;
        float[] x = AttackTest.images(n);
        int[] y = AttackTest.labels(n);
        // budgets where PGD leaves some images standing (the PGD-trained CNN at the epsilon it was trained for)
        float epsilon = switch (model) {
            case "mlp" -> 0.03f;
            case "cnn" -> 0.06f;
            default -> 0.1f;
        };
        int steps = 20;
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, model);
             AttackSession session = new AttackSession(net, 40)) {
            double pgd = session.run(Attacks.pgd(epsilon).withSteps(steps), Goal.UNTARGETED, x, y)
                    .adversarialAccuracy(y);
            double apgd = session.run(Attacks.apgdCe(epsilon).withSteps(steps), Goal.UNTARGETED, x, y)
                    .adversarialAccuracy(y);
            double apgdT = session.run(Attacks.apgdTargeted(epsilon).withSteps(steps).withTargetClasses(3),
                    Goal.UNTARGETED, x, y).adversarialAccuracy(y);
            assertTrue(apgd <= pgd, model + ": APGD-CE " + apgd + " above PGD " + pgd);
            assertTrue(apgdT <= pgd, model + ": APGD-T " + apgdT + " above PGD " + pgd);
        }
    }

    /** The ensemble's robust accuracy is never above any of its attacks' alone, and each image is broken by one of them. */
    @Test
    void theEnsembleIsNeverAboveAnySingleAttack() throws IOException {
        int n = 80;
        float[] x = AttackTest.images(n);
        int[] y = AttackTest.labels(n);
        float epsilon = 0.03f;
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 32)) {
            List<Attack> ensemble = StandardEvaluation.ensemble(epsilon, 10, 7);
            StandardReport report = StandardEvaluation.run(session, ensemble, x, y, k -> {});
            for (Attack attack : ensemble) {
                AttackResult alone = session.run(attack, Goal.UNTARGETED, x, y);
                assertTrue(report.robustAccuracy() <= alone.adversarialAccuracy(y),
                        "ensemble " + report.robustAccuracy() + " above " + attack + " alone: "
                                + alone.adversarialAccuracy(y));
                for (int i = 0; i < n; i++) {
                    if (alone.adversarialClass()[i] != y[i]) {
                        assertTrue(report.brokenBy()[i] >= 0, attack + " breaks image " + i + ", the ensemble not");
                    }
                }
            }
            assertEquals(report.accuracyAfter()[0], session.run(ensemble.get(0), Goal.UNTARGETED, x, y)
                    .adversarialAccuracy(y), 1e-12, "the first attack runs on every correct image");
            for (int i = 0; i < n; i++) {
                if (report.brokenBy()[i] > 0) {
                    assertTrue(linf(report.adversarial(), x, i, 784) <= epsilon * (1 + 1e-6));
                }
            }
            StandardReport again = StandardEvaluation.run(session, ensemble, x, y, k -> {});
            assertArrayEquals(report.brokenBy(), again.brokenBy(), "seeded: the same report twice");
        }
    }

    /** The smallest FGSM epsilon (on a grid of 1/255) that breaks each sample, NaN for none up to 0.5. */
    private static float[] fgsmBreakingEpsilon(AttackSession session, float[] x, int[] y) {
        float[] smallest = new float[y.length];
        Arrays.fill(smallest, Float.NaN);
        for (int k = 1; k <= 128; k++) {
            float epsilon = k / 255f;
            AttackResult r = session.run(Attacks.fgsm(epsilon), Goal.UNTARGETED, x, y);
            for (int i = 0; i < y.length; i++) {
                if (Float.isNaN(smallest[i]) && r.cleanClass()[i] == y[i] && r.success()[i]) {
                    smallest[i] = epsilon;
                }
            }
        }
        return smallest;
    }

    /**
     * DeepFool and Carlini-Wagner find smaller perturbations than FGSM at equal success: over the samples
     * FGSM breaks at some epsilon, the median L2 (L-inf for DeepFool L-inf) of their perturbations lies
     * below that of FGSM's smallest breaking step.
     */
    @Test
    void minimalAttacksFindSmallerPerturbationsThanFgsm() throws IOException {
        int n = 30;
        float[] x = AttackTest.images(n);
        int[] y = AttackTest.labels(n);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 32)) {
            float[] fgsm = fgsmBreakingEpsilon(session, x, y);
            AttackResult deepFool = session.run(Attacks.deepFool(), Goal.UNTARGETED, x, y);
            AttackResult deepFoolLinf = session.run(Attacks.deepFoolLinf(), Goal.UNTARGETED, x, y);
            AttackResult cw = session.run(Attacks.carliniWagnerL2().withBinarySteps(5).withSteps(200)
                    .withInitialConst(0.1f), Goal.UNTARGETED, x, y);
            double[] fgsmL2 = new double[n];
            double[] fgsmLinf = new double[n];
            int both = 0;
            for (int i = 0; i < n; i++) {
                if (Float.isNaN(fgsm[i])) {
                    continue;
                }
                AttackResult at = session.run(Attacks.fgsm(fgsm[i]), Goal.UNTARGETED,
                        Arrays.copyOfRange(x, i * 784, (i + 1) * 784), new int[] {y[i]});
                assertTrue(deepFool.success()[i], "DeepFool fails on sample " + i + ", which FGSM breaks");
                fgsmL2[both] = at.l2()[0];
                fgsmLinf[both] = at.linf()[0];
                both++;
            }
            assertTrue(both >= 20, both + " samples broken by FGSM");
            double fgsmMedianL2 = median(Arrays.copyOf(fgsmL2, both));
            double fgsmMedianLinf = median(Arrays.copyOf(fgsmLinf, both));
            boolean[] right = new boolean[n];
            for (int i = 0; i < n; i++) {
                right[i] = deepFool.cleanClass()[i] == y[i];
            }
            double deepFoolL2 = PerturbationNorms.of(deepFool, Norm.L2, right).median();
            double deepFoolLinfMedian = PerturbationNorms.of(deepFoolLinf, Norm.LINF, right).median();
            double cwL2 = PerturbationNorms.of(cw, Norm.L2, right).median();
            assertTrue(deepFool.successRate() >= fgsmSuccess(fgsm), "DeepFool's success " + deepFool.successRate());
            assertTrue(cw.successRate() >= fgsmSuccess(fgsm), "CW's success " + cw.successRate());
            assertTrue(deepFoolL2 < fgsmMedianL2, "DeepFool L2 " + deepFoolL2 + " vs FGSM " + fgsmMedianL2);
            assertTrue(cwL2 < fgsmMedianL2, "CW L2 " + cwL2 + " vs FGSM " + fgsmMedianL2);
            assertTrue(deepFoolLinfMedian < fgsmMedianLinf, "DeepFool L-inf " + deepFoolLinfMedian + " vs FGSM "
                    + fgsmMedianLinf);
        }
    }

    private static double fgsmSuccess(float[] breaking) {
        int n = 0;
        for (float e : breaking) {
            n += Float.isNaN(e) ? 0 : 1;
        }
        return (double) n / breaking.length;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Carlini-Wagner keeps the best perturbation of every binary-search step: one more step never makes
     * a sample's result larger or loses a success.
     */
    @Test
    void carliniWagnerNeverGrowsWithMoreSearchSteps() throws IOException {
        int n = 12;
        float[] x = AttackTest.images(n);
        int[] y = AttackTest.labels(n);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 5)) {
            CarliniWagnerL2 cw = Attacks.carliniWagnerL2().withSteps(60).withInitialConst(0.1f);
            AttackResult previous = null;
            for (int b = 1; b <= 4; b++) {
                AttackResult r = session.run(cw.withBinarySteps(b), Goal.UNTARGETED, x, y);
                for (int i = 0; i < n; i++) {
                    assertTrue(r.success()[i] || r.l2()[i] == 0f, "a failure keeps x' = x, sample " + i);
                    if (previous != null && previous.success()[i]) {
                        assertTrue(r.success()[i], b + " steps lose sample " + i);
                        assertTrue(r.l2()[i] <= previous.l2()[i], b + " steps: sample " + i + " " + r.l2()[i]
                                + " > " + previous.l2()[i]);
                    }
                }
                previous = r;
            }
            assertTrue(previous.successRate() > 0.8, "success " + previous.successRate());
        }
    }

    /** The minimal-perturbation attacks on the emulated CUDA path: the same successes, norms within float rounding. */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void minimalAttacksAgreeAcrossBackends(BackendKind kind) throws IOException {
        int n = 6;
        float[] x = AttackTest.images(n);
        int[] y = AttackTest.labels(n);
        try (Backend cpu = Backends.open(BackendKind.CPU); Backend cuda = open(kind);
             Network a = shipped(cpu, "mlp"); Network b = shipped(cuda, "mlp");
             AttackSession sa = new AttackSession(a, 4); AttackSession sb = new AttackSession(b, 4)) {
            for (Attack attack : List.<Attack>of(Attacks.deepFool(), Attacks.deepFoolLinf(),
                    Attacks.carliniWagnerL2().withBinarySteps(2).withSteps(20))) {
                AttackResult ra = sa.run(attack, Goal.UNTARGETED, x, y);
                AttackResult rb = sb.run(attack, Goal.UNTARGETED, x, y);
                assertArrayEquals(ra.success(), rb.success(), attack + " on " + kind);
                for (int i = 0; i < n; i++) {
                    assertEquals(ra.l2()[i], rb.l2()[i], 1e-3 * (1 + ra.l2()[i]), attack + " sample " + i);
                }
            }
            Apgd apgd = Attacks.apgdCe(0.05f).withSteps(10);
            AttackResult ra = sa.run(apgd, Goal.UNTARGETED, x, y);
            AttackResult rb = sb.run(apgd, Goal.UNTARGETED, x, y);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                differ += ra.success()[i] == rb.success()[i] ? 0 : 1;
            }
            assertTrue(differ <= 1, differ + " samples differ between the backends");
        }
    }

    /**
     * DeepFool over the top-k classes only: each iteration takes k - 1 backward passes instead of one per
     * other class, and on the shipped MLP the nearest boundary is almost always among the top 3.
     */
    @Test
    void deepFoolOverTheTopClassesTakesFewerPasses() throws IOException {
        int n = 20;
        float[] x = AttackTest.images(n);
        int[] y = AttackTest.labels(n);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 8)) {
            AttackResult all = session.run(Attacks.deepFool(), Goal.UNTARGETED, x, y);
            AttackResult top3 = session.run(Attacks.deepFool().withCandidates(3), Goal.UNTARGETED, x, y);
            assertTrue(top3.successRate() >= all.successRate() - 0.1, top3.successRate() + " against " + all.successRate());
            assertTrue(top3.gradientPasses() * 3 < all.gradientPasses(),
                    top3.gradientPasses() + " passes over 3 classes, " + all.gradientPasses() + " over 10");
            boolean[] right = new boolean[n];
            for (int i = 0; i < n; i++) {
                right[i] = all.cleanClass()[i] == y[i];
            }
            double medianAll = PerturbationNorms.of(all, Norm.L2, right).median();
            double medianTop3 = PerturbationNorms.of(top3, Norm.L2, right).median();
            assertTrue(medianTop3 < medianAll * 1.2, medianTop3 + " against " + medianAll);
        }
    }

    /** A session owns every buffer these attacks allocate: closing it frees them all, on both backends. */
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void closingTheSessionFreesEveryBuffer(BackendKind kind) throws IOException {
        float[] x = AttackTest.images(5);
        int[] y = AttackTest.labels(5);
        try (Backend backend = open(kind); Network net = shipped(backend, "mlp")) {
            int before = backend.openTensorCount();
            try (AttackSession session = new AttackSession(net, 3)) {
                session.run(Attacks.apgdTargeted(0.05f).withSteps(5).withTargetClasses(2), Goal.UNTARGETED, x, y);
                session.run(Attacks.apgdCe(0.05f).withSteps(5), Goal.TARGETED, x, AttackTest.targets(y));
                session.run(Attacks.deepFool().withSteps(5), Goal.VIRTUAL, x, null);
                session.run(Attacks.carliniWagnerL2().withBinarySteps(2).withSteps(5), Goal.TARGETED, x,
                        AttackTest.targets(y));
                StandardEvaluation.run(session, 0.05f, 5, 0, x, y, k -> {});
                assertTrue(backend.openTensorCount() > before);
            }
            assertEquals(before, backend.openTensorCount(), "tensors left open after the session closed");
        }
    }

    /** Goals and settings an attack does not take are refused before any native call. */
    @Test
    void refusesWhatItDoesNotTake() throws IOException {
        float[] x = AttackTest.images(2);
        int[] y = AttackTest.labels(2);
        try (Backend backend = Backends.open(BackendKind.CPU); Network net = shipped(backend, "mlp");
             AttackSession session = new AttackSession(net, 2)) {
            assertThrows(IllegalArgumentException.class, () -> session.run(Attacks.deepFool(), Goal.TARGETED, x, y));
            assertThrows(IllegalArgumentException.class, () -> session.run(Attacks.apgdDlr(0.1f), Goal.TARGETED, x, y));
            assertThrows(IllegalArgumentException.class, () -> session.run(Attacks.apgdTargeted(0.1f), Goal.VIRTUAL, x,
                    null));
            float[] outside = x.clone();
            outside[3] = 1.5f;
            assertThrows(IllegalArgumentException.class, () -> session.run(Attacks.carliniWagnerL2(), Goal.UNTARGETED,
                    outside, y));
        }
        assertThrows(IllegalArgumentException.class, () -> Attacks.carliniWagnerL2().withKappa(-1f));
        assertThrows(IllegalArgumentException.class, () -> Attacks.carliniWagnerL2().withBinarySteps(0));
        assertThrows(IllegalArgumentException.class, () -> Attacks.deepFool().withCandidates(1));
        assertThrows(IllegalArgumentException.class, () -> Attacks.apgdCe(0.1f).withTargetClasses(3));
        assertThrows(IllegalArgumentException.class, () -> Attacks.apgdCe(Float.NaN));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Attacks.named("carlini", 0.1f));
        assertTrue(unknown.getMessage().contains("apgd-t") && unknown.getMessage().contains("cw"), unknown.getMessage());
    }
}

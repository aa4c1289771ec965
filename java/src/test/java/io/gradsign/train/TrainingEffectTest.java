package io.gradsign.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.Goal;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Evaluation;
import io.gradsign.nn.Network;
import org.junit.jupiter.api.Test;

/**
 * Short runs on the Fashion-MNIST sample shipped in the jar (2000 training, 1000 test images) that show
 * each kind of training doing what it is for: adversarial training raises PGD accuracy, VAT beats the
 * labelled-only baseline. The long experiments are in the README, not here.
 */
class TrainingEffectTest {
    static final FashionMnist SAMPLE = FashionMnist.embeddedSample();

    static Network train(Backend backend, Objective objective, TrainingSet set, int epochs, float rate) {
        Network model = Network.create(backend, Shape.of(784), Network.mlp(new int[] {64}, 10), 3);
        TrainingConfig config = TrainingConfig.of(objective, 32, epochs, LearningRate.constant(rate)).withSeed(5);
        try (Trainer trainer = new Trainer(model, config)) {
            for (int e = 0; e < epochs; e++) {
                trainer.trainEpoch(set);
            }
        }
        return model;
    }

    static double pgdAccuracy(Network model, Dataset test, float epsilon) {
        try (AttackSession session = new AttackSession(model, 250)) {
            return session.run(Attacks.pgd(epsilon).withSteps(10), Goal.UNTARGETED, test.images(), test.labels())
                    .adversarialAccuracy(test.labels());
        }
    }

    @Test
    void pgdAdversarialTrainingRaisesPgdAccuracy() {
        Dataset train = SAMPLE.train();
        Dataset test = SAMPLE.test().subset(0, 500);
        TrainingSet set = TrainingSet.labelled(train.images(), train.labels(), train.features());
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network standard = train(cpu, Objectives.standard(), set, 6, 0.05f);
             Network robust = train(cpu, Objectives.pgdAt(0.1f), set, 6, 0.05f)) {
            double plain = pgdAccuracy(standard, test, 0.1f);
            double trained = pgdAccuracy(robust, test, 0.1f);
            double clean = Evaluation.accuracy(robust, test.images(), test.labels(), 250);
            assertTrue(trained > plain + 0.15, "PGD-10 accuracy at 0.1: standard " + plain + ", PGD-AT " + trained);
            assertTrue(clean > 0.5, "PGD-AT's clean accuracy " + clean);
        }
    }

    /**
     * Two interleaved half-moons (the synthetic set of Miyato et al.'s figures), 3 labelled points per
     * class and 600 unlabelled ones: the labelled-only model draws a boundary between the few labels,
     * VAT's smoothness carries the labels along each moon.
     */
    @Test
    void vatBeatsTheLabelledOnlyBaselineOnASmallSplit() {
        int count = 606;
        float[] points = new float[count * 2];
        int[] labels = new int[count];
        java.util.Random random = new java.util.Random(4);
        for (int i = 0; i < count; i++) {
            int label = i % 2;
            double t = Math.PI * random.nextDouble();
            double x = label == 0 ? Math.cos(t) : 1 - Math.cos(t);
            double y = label == 0 ? Math.sin(t) : 0.5 - Math.sin(t);
            points[2 * i] = (float) (x + 0.06 * random.nextGaussian());
            points[2 * i + 1] = (float) (y + 0.06 * random.nextGaussian());
            labels[i] = label;
        }
        TrainingSet set = TrainingSet.semiSupervised(points, labels, 2, 2, 6, 1);
        double[] accuracy = new double[2];
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            Objective[] objectives = {Objectives.standard(), Objectives.vat(0.2f)};
            for (int k = 0; k < 2; k++) {
                try (Network model = Network.create(cpu, Shape.of(2), Network.mlp(new int[] {32, 32}, 2), 3);
                     Trainer trainer = new Trainer(model, TrainingConfig.of(objectives[k], 6, 200,
                             LearningRate.constant(0.05f)).withUnlabelledBatchSize(60).withSeed(2))) {
                    for (int e = 0; e < 200; e++) {
                        trainer.trainEpoch(set);
                    }
                    accuracy[k] = Evaluation.accuracy(model, points, labels, 606);
                }
            }
        }
        assertTrue(accuracy[1] > accuracy[0] + 0.05 && accuracy[1] > 0.9,
                "two moons with 6 labels: labelled only " + accuracy[0] + ", VAT " + accuracy[1]);
    }
}

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

    @Test
    void vatBeatsTheLabelledOnlyBaselineOnASmallSplit() {
        Dataset train = SAMPLE.train();
        Dataset test = SAMPLE.test();
        TrainingSet set = TrainingSet.semiSupervised(train.images(), train.labels(), train.features(), 10, 50, 2);
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network baseline = train(cpu, Objectives.standard(), set, 8, 0.02f);
             Network vat = train(cpu, Objectives.vat(2f), set, 8, 0.02f)) {
            double plain = Evaluation.accuracy(baseline, test.images(), test.labels(), 500);
            double smooth = Evaluation.accuracy(vat, test.images(), test.labels(), 500);
            assertTrue(smooth > plain + 0.02, "test accuracy with 50 labels: labelled only " + plain + ", VAT " + smooth);
        }
    }
}

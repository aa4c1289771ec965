package io.gradsign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.TestBackends;
import io.gradsign.Tolerance;
import io.gradsign.model.ModelFile;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every objective trains on both backends alike, reproducibly, and resumes from a checkpoint with the same bits. */
class ObjectivesTest {
    static final int CLASSES = 10;

    @TempDir
    Path directory;

    static List<Objective> objectives() {
        return List.of(Objectives.standard(), Objectives.fgsmAt(0.1f), Objectives.fastAt(0.1f),
                Objectives.pgdAt(0.1f).withSteps(3), Objectives.trades(0.1f).withSteps(3), Objectives.vat(2f),
                Objectives.vat(2f).withEntropyMinimisation(true).withPowerIterations(2));
    }

    /** (objective, network spec, semi-supervised) for the backend comparisons: an MLP (the dense plan's path) and a CNN. */
    static Stream<Arguments> cases() {
        return objectives().stream().flatMap(o -> Stream.of(
                Arguments.of(o, "dense16-relu-dense10", false),
                Arguments.of(o, "conv3k3p1-relu-pool2-dense10", o.usesUnlabelled())));
    }

    /** Images uniform in [0, 1], labels cycling through the classes. */
    static TrainingSet data(int count, Shape sample, boolean semi) {
        float[] images = TestBackends.uniform(count, count * (int) sample.size(), 0f, 1f);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (i * 7) % CLASSES;
        }
        return semi ? TrainingSet.semiSupervised(images, labels, (int) sample.size(), CLASSES, 10, 3)
                : TrainingSet.labelled(images, labels, (int) sample.size());
    }

    static Shape inputOf(String spec) {
        return spec.startsWith("dense") ? Shape.of(64) : Shape.of(1, 8, 8);
    }

    /** Trains {@code epochs} epochs from seed 7's weights and returns the parameters. */
    static List<float[]> train(Backend backend, Objective objective, String spec, boolean semi, int epochs) {
        Shape input = inputOf(spec);
        TrainingSet set = data(30, input, semi);
        TrainingConfig config = TrainingConfig.of(objective, 6, epochs, LearningRate.cosine(0.05f)).withWeightDecay(5e-4f)
                .withUnlabelledBatchSize(7).withSeed(11);
        try (Network model = Network.create(backend, input, LayerSpec.parse(spec), 7);
             Trainer trainer = new Trainer(model, config)) {
            for (int e = 0; e < epochs; e++) {
                EpochResult result = trainer.trainEpoch(set);
                assertTrue(Double.isFinite(result.loss()), "loss " + result.loss());
            }
            return model.parameterValues();
        }
    }

    @ParameterizedTest(name = "{0} on {1}, semi-supervised {2}")
    @MethodSource("cases")
    void cudaTrainingMatchesCpu(Objective objective, String spec, boolean semi) {
        List<float[]> cpu;
        try (Backend backend = Backends.open(BackendKind.CPU)) {
            cpu = train(backend, objective, spec, semi, 2);
        }
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED}) {
            try (Backend backend = TestBackends.openCudaPath(kind)) {
                List<float[]> cuda = train(backend, objective, spec, semi, 2);
                for (int p = 0; p < cpu.size(); p++) {
                    Tolerance.assertClose(cpu.get(p), cuda.get(p), 2e-4f, 2e-3f, objective + " parameter " + p);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}, semi-supervised {2}")
    @MethodSource("cases")
    void realCudaTrainingMatchesCpu(Objective objective, String spec, boolean semi) {
        try (Backend backend = TestBackends.openCudaPath(BackendKind.CUDA)) {
            List<float[]> cuda = train(backend, objective, spec, semi, 1);
            List<float[]> cpu;
            try (Backend host = Backends.open(BackendKind.CPU)) {
                cpu = train(host, objective, spec, semi, 1);
            }
            for (int p = 0; p < cpu.size(); p++) {
                Tolerance.assertClose(cpu.get(p), cuda.get(p), 2e-4f, 2e-3f, objective + " parameter " + p);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objectives")
    void trainingIsReproducibleAndAResumedRunGivesTheSameBits(Objective objective) throws IOException {
        boolean semi = objective.usesUnlabelled();
        String spec = "dense16-relu-dense10";
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            List<float[]> straight = train(cpu, objective, spec, semi, 2);
            List<float[]> again = train(cpu, objective, spec, semi, 2);
            for (int p = 0; p < straight.size(); p++) {
                assertArrayEquals(straight.get(p), again.get(p), "run twice, parameter " + p);
            }
            Shape input = inputOf(spec);
            TrainingSet set = data(30, input, semi);
            TrainingConfig config = TrainingConfig.of(objective, 6, 2, LearningRate.cosine(0.05f))
                    .withWeightDecay(5e-4f).withUnlabelledBatchSize(7).withSeed(11);
            Path modelFile = directory.resolve("m.gsm");
            Path state = directory.resolve("m.gsm.state");
            try (Network model = Network.create(cpu, input, LayerSpec.parse(spec), 7);
                 Trainer trainer = new Trainer(model, config)) {
                trainer.trainEpoch(set);
                ModelFile.save(model, modelFile);
                trainer.saveState(state);
            }
            try (Network model = ModelFile.load(cpu, modelFile); Trainer trainer = new Trainer(model, config)) {
                trainer.restoreState(state);
                assertEquals(1, trainer.epochsDone());
                trainer.trainEpoch(set);
                List<float[]> resumed = model.parameterValues();
                for (int p = 0; p < straight.size(); p++) {
                    assertArrayEquals(straight.get(p), resumed.get(p), "resumed, parameter " + p);
                }
                assertThrows(IllegalStateException.class, () -> trainer.trainEpoch(set), "a third epoch of two");
            }
        }
    }

    @Test
    void aStateFileOfAnotherRunOrEpochOrCorruptIsRefused() throws IOException {
        Shape input = Shape.of(64);
        TrainingSet set = data(30, input, false);
        TrainingConfig config = TrainingConfig.of(Objectives.pgdAt(0.1f), 6, 3, LearningRate.constant(0.05f));
        Path state = directory.resolve("s.state");
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, input, LayerSpec.parse("dense16-relu-dense10"), 7)) {
            try (Trainer trainer = new Trainer(model, config)) {
                trainer.trainEpoch(set);
                trainer.saveState(state);
            }
            try (Trainer other = new Trainer(model, config.withSeed(99))) {
                IOException e = assertThrows(TrainerState.StateFormatException.class, () -> other.restoreState(state));
                assertTrue(e.getMessage().contains("saved by another run") && e.getMessage().contains("seed 99"),
                        e.getMessage());
            }
            try (Trainer trainer = new Trainer(model, config)) {
                trainer.restoreState(state);
                trainer.trainEpoch(set);
                // the model moved on: the old state no longer matches its parameters
                IOException e = assertThrows(TrainerState.StateFormatException.class, () -> trainer.restoreState(state));
                assertTrue(e.getMessage().contains("not the ones saved"), e.getMessage());
            }
            byte[] bytes = Files.readAllBytes(state);
            bytes[bytes.length / 2] ^= 1;
            Path corrupt = directory.resolve("corrupt.state");
            Files.write(corrupt, bytes);
            try (Trainer trainer = new Trainer(model, config)) {
                IOException e = assertThrows(TrainerState.StateFormatException.class, () -> trainer.restoreState(corrupt));
                assertTrue(e.getMessage().contains("checksum"), e.getMessage());
                Path truncated = directory.resolve("truncated.state");
                Files.write(truncated, java.util.Arrays.copyOf(bytes, 20));
                assertThrows(TrainerState.StateFormatException.class, () -> trainer.restoreState(truncated));
                Path huge = directory.resolve("huge.state");
                Files.write(huge, new byte[1 << 22]);
                IOException big = assertThrows(TrainerState.StateFormatException.class, () -> trainer.restoreState(huge));
                assertTrue(big.getMessage().contains("larger than"), big.getMessage());
            }
        }
    }

    @Test
    void objectivesRefuseBadParametersNamingThem() {
        assertThrows(IllegalArgumentException.class, () -> Objectives.fgsmAt(-0.1f));
        IllegalArgumentException alpha = assertThrows(IllegalArgumentException.class,
                () -> Objectives.fgsmAt(0.1f).withAlpha(1.5f));
        assertTrue(alpha.getMessage().contains("1.5"), alpha.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Objectives.pgdAt(0.1f).withSteps(0));
        assertThrows(IllegalArgumentException.class, () -> Objectives.trades(0.1f).withBeta(Float.NaN));
        IllegalArgumentException xi = assertThrows(IllegalArgumentException.class, () -> Objectives.vat(2f).withXi(0f));
        assertTrue(xi.getMessage().contains("xi"), xi.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Objectives.vat(2f).withPowerIterations(0));
        assertEquals(2.5f * 0.1f / 7, Objectives.pgdAt(0.1f).stepSize(), 1e-9f);
        assertEquals(0.125f, Objectives.fastAt(0.1f).stepSize(), 1e-7f);
    }

    @Test
    void schedulesFollowTheirCurves() {
        assertEquals(0.1f, LearningRate.constant(0.1f).at(50, 100));
        LearningRate step = LearningRate.step(0.1f, 0.1f, 0.5, 0.75);
        assertEquals(0.1f, step.at(49, 100), 1e-9f);
        assertEquals(0.01f, step.at(50, 100), 1e-9f);
        assertEquals(0.001f, step.at(80, 100), 1e-9f);
        LearningRate cosine = LearningRate.cosine(0.2f);
        assertEquals(0.2f, cosine.at(0, 100), 1e-7f);
        assertEquals(0.1f, cosine.at(50, 100), 1e-7f);
        assertEquals(0f, cosine.at(100, 100), 1e-7f);
        LearningRate cycle = LearningRate.oneCycle(0.2f);
        assertEquals(0.2f * 0.5f / 40, cycle.at(0, 100), 1e-7f);
        assertEquals(0.2f, cycle.at(40, 100), 2e-3f);
        assertTrue(cycle.at(99, 100) < 0.002f);
        assertThrows(IllegalArgumentException.class, () -> LearningRate.step(0.1f, 0.1f, 1.5));
        assertThrows(IllegalArgumentException.class, () -> LearningRate.cosine(-1f));
    }

    @Test
    void theSemiSupervisedSplitIsBalancedSeededAndDisjoint() {
        int count = 500;
        float[] images = new float[count * 4];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (i * 31) % CLASSES;
        }
        TrainingSet a = TrainingSet.semiSupervised(images, labels, 4, CLASSES, 103, 5);
        TrainingSet b = TrainingSet.semiSupervised(images, labels, 4, CLASSES, 103, 5);
        TrainingSet c = TrainingSet.semiSupervised(images, labels, 4, CLASSES, 103, 6);
        assertArrayEquals(a.labelledIndices(), b.labelledIndices());
        assertTrue(!java.util.Arrays.equals(a.labelledIndices(), c.labelledIndices()), "another seed, the same split");
        assertEquals(103, a.labelledIndices().length);
        assertEquals(count - 103, a.unlabelledIndices().length);
        int[] perClass = new int[CLASSES];
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i : a.labelledIndices()) {
            perClass[labels[i]]++;
            seen.add(i);
        }
        for (int i : a.unlabelledIndices()) {
            assertTrue(seen.add(i), "image " + i + " is in both parts");
        }
        assertEquals(count, seen.size());
        for (int k = 0; k < CLASSES; k++) {
            assertEquals(k < 3 ? 11 : 10, perClass[k], "class " + k);
        }
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> TrainingSet.semiSupervised(images, labels, 4, CLASSES, 5, 1));
        assertTrue(few.getMessage().contains("5"), few.getMessage());
    }
}

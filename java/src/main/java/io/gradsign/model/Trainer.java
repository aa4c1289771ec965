package io.gradsign.model;

import io.gradsign.nn.Network;
import io.gradsign.train.LearningRate;
import io.gradsign.train.Objectives;
import io.gradsign.train.TrainingConfig;
import io.gradsign.train.TrainingSet;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Plain mini-batch SGD with momentum on the cross-entropy at a constant learning rate: the short form
 * of {@link io.gradsign.train.Trainer} with {@link Objectives#standard()}, which has the adversarial
 * objectives, schedules, weight decay and checkpoints. Seeded and reproducible.
 *
 * <p>Threads: as {@link io.gradsign.train.Trainer}: one thread at a time, and an epoch holds
 * {@link Network#claimForUpdate}.
 */
public final class Trainer implements AutoCloseable {
    private final Network model;
    private final io.gradsign.train.Trainer trainer;

    /**
     * @param batchSize samples per step
     * @param learningRate step size, finite and &gt;= 0
     * @param momentum in [0, 1)
     * @param seed orders the samples of every epoch
     */
    public Trainer(Network model, int batchSize, float learningRate, float momentum, long seed) {
        this.model = Objects.requireNonNull(model, "model");
        TrainingConfig config = TrainingConfig.of(Objectives.standard(), batchSize, Integer.MAX_VALUE,
                LearningRate.constant(learningRate)).withMomentum(momentum).withSeed(seed);
        this.trainer = new io.gradsign.train.Trainer(model, config);
    }

    /**
     * One pass over the samples in a seeded random order; returns the mean training loss. Stops with an
     * {@link IllegalStateException} where a batch's loss is not finite (see below).
     *
     * @param images (count, inputs), row-major, finite
     * @param labels (count), in [0, classes)
     */
    public double trainEpoch(float[] images, int[] labels) {
        return trainEpoch(images, labels, samples -> { });
    }

    /**
     * {@link #trainEpoch(float[], int[])}, telling {@code batchDone} the number of samples of each
     * batch as it finishes (for progress bars).
     *
     * @throws IllegalStateException if a batch's loss is NaN or infinite (the steps diverged, usually
     *     from too large a learning rate); the epoch stops there, and the model's parameters, already
     *     changed by the steps before, should not be used
     */
    public double trainEpoch(float[] images, int[] labels, IntConsumer batchDone) {
        Objects.requireNonNull(batchDone, "batchDone");
        Evaluation.checkSamples(model, images, labels);
        TrainingSet data = TrainingSet.labelled(images, labels, model.inputSize());
        return trainer.trainEpoch(data, (samples, loss, accuracy) -> batchDone.accept(samples)).loss();
    }

    /** Frees the trainer's buffers (not the model). */
    @Override
    public void close() {
        trainer.close();
    }
}

package io.gradsign.train;

import java.util.Objects;

/**
 * How a {@link Trainer} runs: the objective, batch sizes, epochs, learning-rate schedule, SGD's momentum
 * and weight decay, and the seed of the sample order and of every random number of the objectives.
 *
 * @param objective what each step minimises
 * @param batchSize labelled samples per step
 * @param unlabelledBatchSize unlabelled samples per step, for objectives that use them on a semi-supervised set
 * @param epochs the run's length, which the schedule spans
 * @param learningRate the schedule
 * @param momentum SGD's momentum, in [0, 1)
 * @param weightDecay L2 weight decay (PyTorch's SGD {@code weight_decay}), &gt;= 0
 * @param seed orders the samples and keys the objectives' random numbers
 */
public record TrainingConfig(Objective objective, int batchSize, int unlabelledBatchSize, int epochs,
                             LearningRate learningRate, float momentum, float weightDecay, long seed) {

    public TrainingConfig {
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(learningRate, "learningRate");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        if (unlabelledBatchSize <= 0) {
            throw new IllegalArgumentException("unlabelledBatchSize must be > 0, got " + unlabelledBatchSize);
        }
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
    }

    /** Momentum 0.9, no weight decay, unlabelled batches of batchSize, seed 1. */
    public static TrainingConfig of(Objective objective, int batchSize, int epochs, LearningRate learningRate) {
        return new TrainingConfig(objective, batchSize, batchSize, epochs, learningRate, 0.9f, 0f, 1L);
    }

    public TrainingConfig withMomentum(float momentum) {
        return new TrainingConfig(objective, batchSize, unlabelledBatchSize, epochs, learningRate, momentum, weightDecay,
                seed);
    }

    public TrainingConfig withWeightDecay(float weightDecay) {
        return new TrainingConfig(objective, batchSize, unlabelledBatchSize, epochs, learningRate, momentum, weightDecay,
                seed);
    }

    public TrainingConfig withSeed(long seed) {
        return new TrainingConfig(objective, batchSize, unlabelledBatchSize, epochs, learningRate, momentum, weightDecay,
                seed);
    }

    public TrainingConfig withUnlabelledBatchSize(int size) {
        return new TrainingConfig(objective, batchSize, size, epochs, learningRate, momentum, weightDecay, seed);
    }

    /** Everything a resumed run must share with the run it continues, in one line. */
    public String describe() {
        return objective.describe() + "; batch " + batchSize + ", unlabelled batch " + unlabelledBatchSize + ", epochs "
                + epochs + ", learning rate " + learningRate.describe() + ", momentum " + momentum + ", weight decay "
                + weightDecay + ", seed " + seed;
    }
}

package io.gradsign.train;

import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Mini-batch SGD with momentum and weight decay on any {@link Objective}, on the model's backend,
 * seeded and reproducible: the same configuration, data and backend give the same parameters, and a
 * run resumed from a {@link #saveState checkpoint} gives the bits of the run that was not stopped.
 *
 * <p>An epoch: on a labelled set, one pass over the images in a random order (by the seed and the
 * epoch's number); on a semi-supervised set, one pass over the unlabelled images in batches of
 * {@link TrainingConfig#unlabelledBatchSize}, each step with a batch of {@code min(batchSize, labelled)}
 * labelled images from a stream of shuffled passes over the labelled ones. Objectives that use no
 * unlabelled images (all but VAT) take the same steps on the labelled batches alone, which makes the
 * labelled-only baseline of a semi-supervised experiment.
 *
 * <p>Threads: a trainer serves one thread at a time, and an epoch holds {@link Network#claimForUpdate}
 * and its workspace's claim: it is refused while other threads run the model, and theirs are refused
 * while it runs.
 */
public final class Trainer implements AutoCloseable {
    private final Network model;
    private final TrainingConfig config;
    private final Backend backend;
    private final Workspace workspace;
    private final Objective.Step objective;
    private final Tensor clean;
    private final int labelledCapacity;
    private final int unlabelledCapacity;
    /** velocity[k]: the momentum of the k-th parameter tensor, in the network's order. */
    private final Tensor[] velocity;
    private final Tensor[] parameters;
    private int epochsDone;
    private long stepsDone;

    /** A trainer of {@code model}; its buffers are allocated here, once. */
    public Trainer(Network model, TrainingConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        model.checkOpen();
        this.backend = model.backend();
        this.labelledCapacity = config.batchSize();
        this.unlabelledCapacity = config.objective().usesUnlabelled() ? config.unlabelledBatchSize() : 0;
        int rows = Math.max(config.objective().workspaceRows(labelledCapacity, unlabelledCapacity), 1);
        int layers = model.layers().size();
        int count = 0;
        for (int l = 0; l < layers; l++) {
            count += model.parameters(l).size();
        }
        parameters = new Tensor[count];
        velocity = new Tensor[count];
        Workspace ws = null;
        Objective.Step step = null;
        Tensor staging = null;
        try {
            ws = model.workspace(rows);
            staging = backend.allocate(Shape.batchOf(labelledCapacity + unlabelledCapacity, model.inputShape()));
            int k = 0;
            for (int l = 0; l < layers; l++) {
                for (Tensor p : model.parameters(l)) {
                    parameters[k] = p;
                    velocity[k] = backend.allocate(p.shape());
                    k++;
                }
            }
            step = config.objective().bind(model, ws, labelledCapacity, unlabelledCapacity, config.seed());
        } catch (RuntimeException e) {
            closeAll(ws, staging, step);
            throw e;
        }
        this.workspace = ws;
        this.clean = staging;
        this.objective = step;
    }

    public TrainingConfig config() {
        return config;
    }

    public Network model() {
        return model;
    }

    /** Epochs finished (restored ones included). */
    public int epochsDone() {
        return epochsDone;
    }

    /** Optimiser steps taken (restored ones included). */
    public long stepsDone() {
        return stepsDone;
    }

    /** What a step reports as it finishes, for progress bars. */
    @FunctionalInterface
    public interface StepListener {
        /**
         * @param samples the labelled samples of the step
         * @param loss the running mean of the epoch's objective
         * @param accuracy the running training accuracy of the epoch
         */
        void stepDone(int samples, double loss, double accuracy);
    }

    /** The steps of one epoch on {@code data}. */
    public long stepsPerEpoch(TrainingSet data) {
        if (data.isSemiSupervised()) {
            return (data.unlabelledCount() + config.unlabelledBatchSize() - 1) / config.unlabelledBatchSize();
        }
        return (data.labelledCount() + config.batchSize() - 1) / config.batchSize();
    }

    /** {@link #trainEpoch(TrainingSet, StepListener)} without a listener. */
    public EpochResult trainEpoch(TrainingSet data) {
        return trainEpoch(data, (samples, loss, accuracy) -> { });
    }

    /**
     * Trains one epoch (the next: {@link #epochsDone()} + 1).
     *
     * @throws IllegalArgumentException if data's images are not the model's input size
     * @throws IllegalStateException if a step's loss is NaN or infinite (the steps diverged); the epoch stops
     *     there and the parameters, already changed, should not be used; or when the config's epochs are done
     */
    public EpochResult trainEpoch(TrainingSet data, StepListener listener) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(listener, "listener");
        if (data.inputs() != model.inputSize()) {
            throw new IllegalArgumentException("the data's images have " + data.inputs() + " floats, the model takes "
                    + model.inputSize() + " (" + model.inputShape() + ")");
        }
        if (epochsDone >= config.epochs()) {
            throw new IllegalStateException("all " + config.epochs() + " epochs of this run are done");
        }
        try (Claim update = model.claimForUpdate(); Claim held = workspace.claim()) {
            return epoch(data, listener);
        }
    }

    private EpochResult epoch(TrainingSet data, StepListener listener) {
        long started = System.nanoTime();
        int epoch = epochsDone + 1;
        int inputs = model.inputSize();
        long steps = stepsPerEpoch(data);
        long total = steps * config.epochs();
        boolean semi = data.isSemiSupervised();
        int labelledPerStep = semi ? Math.min(config.batchSize(), data.labelledCount()) : config.batchSize();
        int[] order = permutation(semi ? data.unlabelledCount() : data.labelledCount(), mix(config.seed(), epoch));
        float[] host = new float[(labelledCapacity + unlabelledCapacity) * inputs];
        int[] labels = new int[labelledCapacity];
        double lossSum = 0;
        long correct = 0;
        long counted = 0;
        float rate = 0;
        for (long s = 0; s < steps; s++) {
            int nl;
            int nu = 0;
            if (semi) {
                nl = labelledPerStep;
                int first = (int) (s * config.unlabelledBatchSize());
                int size = Math.min(config.unlabelledBatchSize(), order.length - first);
                for (int b = 0; b < nl; b++) {
                    int index = labelledDraw(data, stepsDone * labelledPerStep + b);
                    System.arraycopy(data.images(), index * inputs, host, b * inputs, inputs);
                    labels[b] = data.labels()[index];
                }
                if (unlabelledCapacity > 0) {
                    nu = size;
                    for (int b = 0; b < nu; b++) {
                        int index = data.unlabelledAt(order[first + b]);
                        System.arraycopy(data.images(), index * inputs, host, (nl + b) * inputs, inputs);
                    }
                }
            } else {
                int first = (int) (s * config.batchSize());
                nl = Math.min(config.batchSize(), order.length - first);
                for (int b = 0; b < nl; b++) {
                    int index = data.labelledAt(order[first + b]);
                    System.arraycopy(data.images(), index * inputs, host, b * inputs, inputs);
                    labels[b] = data.labels()[index];
                }
            }
            clean.copyFrom(host, 0, 0, (nl + nu) * inputs);
            Objective.Loss loss = objective.run(clean, labels, nl, nu, stepsDone);
            if (!Double.isFinite(loss.total())) {
                throw new IllegalStateException("training diverged: the loss is " + loss.total() + " in step "
                        + (s + 1) + " of " + steps + " of epoch " + epoch + " (" + config.objective().name()
                        + ", learning rate " + config.learningRate().at(stepsDone, total)
                        + "); a smaller learning rate may help");
            }
            rate = config.learningRate().at(stepsDone, total);
            for (int k = 0; k < parameters.length; k++) {
                backend.sgdMomentum(parameters[k], velocity[k], gradientOf(k), rate, config.momentum(),
                        config.weightDecay());
            }
            stepsDone++;
            lossSum += loss.total();
            correct += loss.correct();
            counted += loss.counted();
            listener.stepDone(nl, lossSum / (s + 1), counted == 0 ? 0 : (double) correct / counted);
        }
        epochsDone = epoch;
        return new EpochResult(epoch, lossSum / steps, counted == 0 ? 0 : (double) correct / counted, steps,
                (System.nanoTime() - started) / 1e9, rate);
    }

    private Tensor gradientOf(int k) {
        int layers = model.layers().size();
        for (int l = 0; l < layers; l++) {
            int size = model.parameters(l).size();
            if (k < size) {
                return workspace.parameterGradient(l, k);
            }
            k -= size;
        }
        throw new IndexOutOfBoundsException(k);
    }

    /** The image of the i-th draw from the stream of labelled images: pass i / n, shuffled by the seed and the pass. */
    private int[] labelledPass;
    private long labelledPassIndex = -1;

    private int labelledDraw(TrainingSet data, long i) {
        int n = data.labelledCount();
        long pass = i / n;
        if (pass != labelledPassIndex) {
            labelledPass = permutation(n, mix(config.seed() ^ 0x5DEECE66DL, pass + 1));
            labelledPassIndex = pass;
        }
        return data.labelledAt(labelledPass[(int) (i % n)]);
    }

    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static long mix(long seed, long epoch) {
        long z = seed + epoch * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Writes the trainer's state (epochs and steps done, the momentum buffers, and a checksum of the
     * model's parameters) to {@code file}, atomically. With the model file saved at the same moment it
     * is a checkpoint: {@link #restoreState} continues the run.
     */
    public void saveState(java.nio.file.Path file) throws java.io.IOException {
        float[][] buffers = new float[velocity.length][];
        for (int k = 0; k < velocity.length; k++) {
            buffers[k] = velocity[k].toArray();
        }
        TrainerState.write(file, config.describe(), epochsDone, stepsDone, TrainerState.checksum(model), buffers);
    }

    /**
     * Reads a state {@link #saveState} wrote, for this trainer's model as saved beside it.
     *
     * @throws TrainerState.StateFormatException if the file is corrupt, of another configuration or model
     *     shape, or was saved with other parameters than the model's (a model file of another epoch)
     */
    public void restoreState(java.nio.file.Path file) throws java.io.IOException {
        long[] lengths = new long[velocity.length];
        for (int k = 0; k < velocity.length; k++) {
            lengths[k] = velocity[k].length();
        }
        TrainerState state = TrainerState.read(file, config.describe(), lengths, TrainerState.checksum(model));
        if (state.epochsDone() > config.epochs()) {
            throw new TrainerState.StateFormatException(file, "it has " + state.epochsDone()
                    + " epochs done, more than this run's " + config.epochs());
        }
        for (int k = 0; k < velocity.length; k++) {
            velocity[k].copyFrom(state.velocity()[k]);
        }
        epochsDone = state.epochsDone();
        stepsDone = state.stepsDone();
    }

    private static void closeAll(AutoCloseable... things) {
        for (AutoCloseable t : things) {
            if (t != null) {
                try {
                    t.close();
                } catch (Exception ignored) {
                    // closing what a failed constructor allocated; the constructor's exception is the one to report
                }
            }
        }
    }

    /** Frees the trainer's buffers (not the model). */
    @Override
    public void close() {
        if (objective != null) {
            objective.close();
        }
        workspace.close();
        clean.close();
        for (Tensor t : velocity) {
            if (t != null) {
                t.close();
            }
        }
    }

    List<Tensor> velocityForTests() {
        return List.of(velocity);
    }
}

package io.gradsign.model;

import io.gradsign.Tensor;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Mini-batch SGD with momentum on the model's backend, seeded and reproducible: the same seed, data
 * and backend give the same parameters. Buffers are allocated once.
 *
 * <p>Threads: a trainer serves one thread at a time (a second thread's overlapping call gets an
 * {@link IllegalStateException}), and an epoch needs the model alone: it holds
 * {@link Network#claimForUpdate}, so it is refused while other threads' workspaces are running on
 * the model, and theirs are refused while it runs.
 */
public final class Trainer implements AutoCloseable {
    private final Network model;
    private final Workspace workspace;
    private final float learningRate;
    private final float momentum;
    private final Random random;
    /** velocity[l][p]: the momentum of parameter p of layer l. */
    private final Tensor[][] velocity;

    /**
     * @param batchSize samples per step
     * @param learningRate step size, finite and &gt;= 0
     * @param momentum in [0, 1)
     * @param seed orders the samples of every epoch
     */
    public Trainer(Network model, int batchSize, float learningRate, float momentum, long seed) {
        this.model = Objects.requireNonNull(model, "model");
        if (!(learningRate >= 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and >= 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.random = new Random(seed);
        this.workspace = model.workspace(batchSize);
        int layers = model.layers().size();
        velocity = new Tensor[layers][];
        try {
            for (int l = 0; l < layers; l++) {
                List<Tensor> parameters = model.parameters(l);
                velocity[l] = new Tensor[parameters.size()];
                for (int p = 0; p < parameters.size(); p++) {
                    velocity[l][p] = model.backend().allocate(parameters.get(p).shape());
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
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
    public double trainEpoch(float[] images, int[] labels, java.util.function.IntConsumer batchDone) {
        java.util.Objects.requireNonNull(batchDone, "batchDone");
        int count = Evaluation.checkSamples(model, images, labels);
        try (Claim update = model.claimForUpdate(); Claim held = workspace.claim()) {
            return epoch(images, labels, count, batchDone);
        }
    }

    private double epoch(float[] images, int[] labels, int count, java.util.function.IntConsumer batchDone) {
        int inputs = model.inputSize();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int capacity = workspace.capacity();
        float[] batchImages = new float[capacity * inputs];
        int[] batchLabels = new int[capacity];
        float[] losses = new float[capacity];
        double lossSum = 0;
        for (int start = 0; start < count; start += capacity) {
            int batch = Math.min(capacity, count - start);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(images, order[start + b] * inputs, batchImages, b * inputs, inputs);
                batchLabels[b] = labels[order[start + b]];
            }
            double batchLoss = step(batchImages, java.util.Arrays.copyOf(batchLabels, batch), batch, losses);
            // the sum is at hand: a loss that overflowed or became NaN means the steps diverged, and every
            // later step would only spread NaN through the parameters
            if (!Double.isFinite(batchLoss)) {
                throw new IllegalStateException("training diverged: the loss is " + batchLoss + " in batch "
                        + (start / capacity + 1) + " of " + ((count + capacity - 1) / capacity) + " (learning rate "
                        + learningRate + ", momentum " + momentum + "); a smaller learning rate may help");
            }
            lossSum += batchLoss;
            batchDone.accept(batch);
        }
        return lossSum / count;
    }

    /** One SGD step on a batch; returns the sum of its losses. */
    private double step(float[] batchImages, int[] batchLabels, int batch, float[] losses) {
        workspace.checkBatch(batch);
        Tensor x = workspace.input(batch);
        x.copyFrom(batchImages, 0, 0, batch * model.inputSize());
        workspace.labels(batch).copyFrom(batchLabels);
        workspace.logits(x);
        Tensor dLogits = workspace.crossEntropy(workspace.labels(batch), 1f / batch, true);
        workspace.parameterGradients(dLogits);
        for (int l = 0; l < velocity.length; l++) {
            List<Tensor> parameters = model.parameters(l);
            for (int p = 0; p < parameters.size(); p++) {
                model.backend().sgdMomentum(parameters.get(p), velocity[l][p], workspace.parameterGradient(l, p),
                        learningRate, momentum);
            }
        }
        workspace.losses(batch).copyTo(0, losses, 0, batch);
        double sum = 0;
        for (int b = 0; b < batch; b++) {
            sum += losses[b];
        }
        return sum;
    }

    /** Frees the trainer's buffers (not the model). */
    @Override
    public void close() {
        workspace.close();
        for (Tensor[] tensors : velocity) {
            if (tensors == null) {
                continue;
            }
            for (Tensor t : tensors) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}

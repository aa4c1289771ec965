package io.gradsign.model;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Every buffer one batch of a {@link Sequential} model needs, allocated once for batches of up to
 * {@link #capacity()} samples and reused, so a stream of batches runs without allocation. Smaller
 * batches use the leading part of each buffer.
 */
public final class Workspace implements AutoCloseable {
    private final Sequential model;
    private final Backend backend;
    private final int capacity;
    private final List<Tensor> owned = new ArrayList<>();

    private final Tensor input;
    private final Tensor adversarial;
    /** outputs[l]: layer l's output (capacity, out_l); the last holds the logits. */
    private final Tensor[] outputs;
    /** inputGradients[l]: the loss gradient at layer l's input (capacity, in_l); [0] is d loss / d x. */
    private final Tensor[] inputGradients;
    private final Tensor probabilities;
    private final Tensor losses;
    private final Tensor logitGradients;
    private final Labels labels;
    private Tensor[] weightGradients;
    private Tensor[] biasGradients;

    public Workspace(Sequential model, int capacity) {
        model.checkOpen();
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.model = model;
        this.backend = model.backend();
        this.capacity = capacity;
        List<DenseLayer> layers = model.layers();
        try {
            input = allocate((long) capacity * model.inputs());
            adversarial = allocate((long) capacity * model.inputs());
            outputs = new Tensor[layers.size()];
            inputGradients = new Tensor[layers.size()];
            for (int l = 0; l < layers.size(); l++) {
                outputs[l] = allocate((long) capacity * layers.get(l).outFeatures());
                inputGradients[l] = allocate((long) capacity * layers.get(l).inFeatures());
            }
            probabilities = allocate((long) capacity * model.classes());
            losses = allocate(capacity);
            logitGradients = allocate((long) capacity * model.classes());
            labels = backend.uploadLabels(new int[capacity], model.classes());
            owned.add(labels.storage());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Tensor allocate(long length) {
        Tensor t = backend.allocate(length);
        owned.add(t);
        return t;
    }

    public Sequential model() {
        return model;
    }

    /** The largest batch this workspace holds. */
    public int capacity() {
        return capacity;
    }

    /** Checks a batch size against the capacity and the model against closing. */
    void checkBatch(int batch) {
        model.checkOpen();
        if (labels.isClosed()) {
            throw new IllegalStateException("workspace is closed");
        }
        if (batch <= 0 || batch > capacity) {
            throw new IllegalArgumentException("batch must be in [1, " + capacity + "], got " + batch);
        }
    }

    /** The input of the first {@code batch} samples, (batch, inputs). */
    Tensor input(int batch) {
        return input.view(0, (long) batch * model.inputs());
    }

    /** Where the sign step writes x', (batch, inputs). */
    Tensor adversarial(int batch) {
        return adversarial.view(0, (long) batch * model.inputs());
    }

    Tensor probabilities(int batch) {
        return probabilities.view(0, (long) batch * model.classes());
    }

    Tensor losses(int batch) {
        return losses.view(0, batch);
    }

    Labels labels(int batch) {
        return labels.prefix(batch);
    }

    /** d loss / d input after {@link #backwardToInput}, (batch, inputs). */
    Tensor inputGradient(int batch) {
        return inputGradients[0].view(0, (long) batch * model.inputs());
    }

    /** Runs the layers on {@code x} (batch, inputs) and returns the logits (batch, classes). */
    Tensor forward(Tensor x, int batch) {
        List<DenseLayer> layers = model.layers();
        Tensor current = x;
        for (int l = 0; l < layers.size(); l++) {
            DenseLayer layer = layers.get(l);
            Tensor out = outputs[l].view(0, (long) batch * layer.outFeatures());
            backend.denseForward(out, current, model.weightTensor(l), model.biasTensor(l), batch, layer.inFeatures(),
                    layer.outFeatures(), layer.activation());
            current = out;
        }
        return current;
    }

    /**
     * Softmax cross-entropy of the logits of the last {@link #forward} against the labels in
     * {@link #labels(int)}: probabilities and losses always, the logit gradient scaled by
     * {@code gradientScale} when {@code withGradient}.
     */
    void loss(int batch, float gradientScale, boolean withGradient) {
        int classes = model.classes();
        Tensor logits = outputs[outputs.length - 1].view(0, (long) batch * classes);
        Tensor dLogits = withGradient ? logitGradients.view(0, (long) batch * classes) : null;
        backend.softmaxCrossEntropy(probabilities(batch), losses(batch), dLogits, logits, labels(batch), batch, classes,
                gradientScale);
    }

    /** From the logit gradient of {@link #loss}, the gradient at the input (no weight gradients). */
    void backwardToInput(Tensor x, int batch) {
        backward(x, batch, false);
    }

    /** From the logit gradient of {@link #loss}, the weight and bias gradients (and those at each layer's input). */
    void backwardToWeights(Tensor x, int batch) {
        if (weightGradients == null) {
            List<DenseLayer> layers = model.layers();
            weightGradients = new Tensor[layers.size()];
            biasGradients = new Tensor[layers.size()];
            for (int l = 0; l < layers.size(); l++) {
                weightGradients[l] = allocate(layers.get(l).weightCount());
                biasGradients[l] = allocate(layers.get(l).outFeatures());
            }
        }
        backward(x, batch, true);
    }

    Tensor weightGradient(int l) {
        return weightGradients[l];
    }

    Tensor biasGradient(int l) {
        return biasGradients[l];
    }

    private void backward(Tensor x, int batch, boolean weights) {
        List<DenseLayer> layers = model.layers();
        // gradient at the output of layer l (after its activation); starts as the logit gradient
        Tensor outputGradient = logitGradients.view(0, (long) batch * model.classes());
        for (int l = layers.size() - 1; l >= 0; l--) {
            DenseLayer layer = layers.get(l);
            if (layer.activation() != Activation.NONE) {
                Tensor out = outputs[l].view(0, (long) batch * layer.outFeatures());
                backend.activationBackward(outputGradient, outputGradient, out, layer.activation());
            }
            Tensor layerInput = l == 0 ? x : outputs[l - 1].view(0, (long) batch * layer.inFeatures());
            if (weights) {
                backend.denseBackwardWeights(weightGradients[l], biasGradients[l], outputGradient, layerInput, batch,
                        layer.inFeatures(), layer.outFeatures());
            }
            if (l > 0 || !weights) {
                Tensor inputGradient = inputGradients[l].view(0, (long) batch * layer.inFeatures());
                backend.denseBackwardInput(inputGradient, outputGradient, model.weightTensor(l), batch, layer.inFeatures(),
                        layer.outFeatures());
                outputGradient = inputGradient;
            }
        }
    }

    /** Frees every buffer. Idempotent. */
    @Override
    public void close() {
        for (Tensor t : owned) {
            t.close();
        }
    }
}

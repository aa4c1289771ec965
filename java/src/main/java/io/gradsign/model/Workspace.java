package io.gradsign.model;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.DenseChain;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    /**
     * The views of every buffer for the last batch size used, kept: a step at batch 1 would otherwise
     * allocate some twenty of them, and fresh memory is slow to touch (see {@link #viewsFor}).
     */
    private int viewBatch;
    private Tensor inputView;
    private Tensor adversarialView;
    private Tensor[] outputViews;
    private Tensor[] inputGradientViews;
    private Tensor probabilitiesView;
    private Tensor lossesView;
    private Tensor logitGradientsView;
    private Labels labelsView;

    /** The buffers of fusedBatch samples as a chain (0: none made yet), and the backend's fused step for it, if it has one. */
    private int fusedBatch;
    private DenseChain chain;
    private Optional<Backend.GradientStep> fused = Optional.empty();

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

    /**
     * Makes the views of the first {@code batch} samples of every buffer the current ones (made once
     * per change of batch size). Each view allocated per step is garbage, and at batch 1 the young
     * generation then grows through memory never touched before: on this project's VM a page fault
     * per 4 KiB, which made a step at batch 1 up to twice as slow until it had been used once.
     */
    private void viewsFor(int batch) {
        if (batch == viewBatch) {
            return;
        }
        List<DenseLayer> layers = model.layers();
        inputView = input.view(0, (long) batch * model.inputs());
        adversarialView = adversarial.view(0, (long) batch * model.inputs());
        outputViews = new Tensor[layers.size()];
        inputGradientViews = new Tensor[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            outputViews[l] = outputs[l].view(0, (long) batch * layers.get(l).outFeatures());
            inputGradientViews[l] = inputGradients[l].view(0, (long) batch * layers.get(l).inFeatures());
        }
        probabilitiesView = probabilities.view(0, (long) batch * model.classes());
        lossesView = losses.view(0, batch);
        logitGradientsView = logitGradients.view(0, (long) batch * model.classes());
        labelsView = labels.prefix(batch);
        viewBatch = batch;
    }

    /** The input of the first {@code batch} samples, (batch, inputs). */
    Tensor input(int batch) {
        viewsFor(batch);
        return inputView;
    }

    /** Where the sign step writes x', (batch, inputs). */
    Tensor adversarial(int batch) {
        viewsFor(batch);
        return adversarialView;
    }

    Tensor probabilities(int batch) {
        viewsFor(batch);
        return probabilitiesView;
    }

    Tensor losses(int batch) {
        viewsFor(batch);
        return lossesView;
    }

    Labels labels(int batch) {
        viewsFor(batch);
        return labelsView;
    }

    /** Writes labels[start, start + batch) into {@link #labels(int)}. */
    void setLabels(int[] labels, int start, int batch) {
        labels(batch).copyFrom(labels, start);
    }

    /** d loss / d input after {@link #gradientStep}, (batch, inputs). */
    Tensor inputGradient(int batch) {
        viewsFor(batch);
        return inputGradientViews[0];
    }

    /** Runs the layers on {@code x} (batch, inputs) and returns the logits (batch, classes). */
    Tensor forward(Tensor x, int batch) {
        List<DenseLayer> layers = model.layers();
        viewsFor(batch);
        Tensor current = x;
        for (int l = 0; l < layers.size(); l++) {
            DenseLayer layer = layers.get(l);
            Tensor out = outputViews[l];
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
        viewsFor(batch);
        Tensor logits = outputViews[outputViews.length - 1];
        Tensor dLogits = withGradient ? logitGradientsView : null;
        backend.softmaxCrossEntropy(probabilities(batch), losses(batch), dLogits, logits, labels(batch), batch, classes,
                gradientScale);
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
        backward(x, batch);
    }

    Tensor weightGradient(int l) {
        return weightGradients[l];
    }

    Tensor biasGradient(int l) {
        return biasGradients[l];
    }

    /** The backward pass of training: weight and bias gradients, and the input gradients above layer 0. */
    private void backward(Tensor x, int batch) {
        List<DenseLayer> layers = model.layers();
        viewsFor(batch);
        // gradient at the output of layer l (after its activation); starts as the logit gradient
        Tensor outputGradient = logitGradientsView;
        for (int l = layers.size() - 1; l >= 0; l--) {
            DenseLayer layer = layers.get(l);
            if (layer.activation() != Activation.NONE) {
                backend.activationBackward(outputGradient, outputGradient, outputViews[l], layer.activation());
            }
            Tensor layerInput = l == 0 ? x : outputViews[l - 1];
            backend.denseBackwardWeights(weightGradients[l], biasGradients[l], outputGradient, layerInput, batch,
                    layer.inFeatures(), layer.outFeatures());
            if (l > 0) {
                Tensor inputGradient = inputGradientViews[l];
                backend.denseBackwardInput(inputGradient, outputGradient, model.weightTensor(l), batch, layer.inFeatures(),
                        layer.outFeatures());
                outputGradient = inputGradient;
            }
        }
    }

    /**
     * to = clip(from + epsilon sign(d loss / d from), lo, hi) for the labels in {@link #labels(int)},
     * the loss gradient scaled by {@code gradientScale}; with {@code forward}, the forward pass at
     * {@code from} first (without, {@link #forward} has run at from). The backend's fused step where
     * it has one for this batch size (the CPU's at batch 1, CUDA's at any), else the operations one by
     * one; both leave the same values in every buffer.
     */
    void gradientStep(Tensor from, Tensor to, int batch, float gradientScale, float epsilon, float lo, float hi,
                      boolean forward) {
        viewsFor(batch);
        if (fusedBatch != batch) {
            chain = chain(batch);
            fused = backend.fuseGradientStep(chain);
            fusedBatch = batch;
        }
        if (fused.isPresent()) {
            fused.get().run(from, to, gradientScale, epsilon, lo, hi, forward);
        } else {
            chain.stepByOperations(backend, from, to, gradientScale, epsilon, lo, hi, forward);
        }
    }

    /** The buffers of {@code batch} samples as a backend's fused step binds them. */
    private DenseChain chain(int batch) {
        List<DenseLayer> layers = model.layers();
        int[] widths = new int[layers.size() + 1];
        Activation[] activations = new Activation[layers.size()];
        Tensor[] weights = new Tensor[layers.size()];
        Tensor[] biases = new Tensor[layers.size()];
        widths[0] = model.inputs();
        for (int l = 0; l < layers.size(); l++) {
            widths[l + 1] = layers.get(l).outFeatures();
            activations[l] = layers.get(l).activation();
            weights[l] = model.weightTensor(l);
            biases[l] = model.biasTensor(l);
        }
        return new DenseChain(batch, widths, activations, weights, biases, outputViews, inputGradientViews,
                probabilitiesView, lossesView, logitGradientsView, labelsView);
    }

    /** Frees every buffer. Idempotent. */
    @Override
    public void close() {
        for (Tensor t : owned) {
            t.close();
        }
    }
}

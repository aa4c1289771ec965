package io.gradsign.model;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A stack of dense layers ending in logits, whose parameters live on one backend. The loss is
 * softmax cross-entropy; {@link Workspace} holds everything a batch needs, so batches run without
 * allocation. Softmax regression is one layer with no activation; an MLP is several.
 */
public final class Sequential implements AutoCloseable {
    private final Backend backend;
    private final List<DenseLayer> layers;
    private final Tensor[] weights;
    private final Tensor[] biases;
    private boolean closed;

    private Sequential(Backend backend, List<DenseLayer> layers, Tensor[] weights, Tensor[] biases) {
        this.backend = backend;
        this.layers = List.copyOf(layers);
        this.weights = weights;
        this.biases = biases;
    }

    /**
     * A model with the given layers, each layer's input the previous one's output, weights drawn
     * uniformly in &plusmn;sqrt(6 / (in + out)) (Glorot) from {@code seed}, biases zero.
     */
    public static Sequential create(Backend backend, List<DenseLayer> layers, long seed) {
        checkLayers(layers);
        Random random = new Random(seed);
        List<float[]> weightValues = new ArrayList<>();
        List<float[]> biasValues = new ArrayList<>();
        for (DenseLayer layer : layers) {
            float limit = (float) Math.sqrt(6.0 / (layer.inFeatures() + layer.outFeatures()));
            float[] w = new float[layer.weightCount()];
            for (int i = 0; i < w.length; i++) {
                w[i] = (2 * random.nextFloat() - 1) * limit;
            }
            weightValues.add(w);
            biasValues.add(new float[layer.outFeatures()]);
        }
        return fromParameters(backend, layers, weightValues, biasValues);
    }

    /** A model with the given parameters (copied to the backend); shapes are checked against the layers. */
    public static Sequential fromParameters(Backend backend, List<DenseLayer> layers, List<float[]> weights,
                                            List<float[]> biases) {
        Objects.requireNonNull(backend, "backend");
        checkLayers(layers);
        if (weights.size() != layers.size() || biases.size() != layers.size()) {
            throw new IllegalArgumentException(layers.size() + " layers need as many weight and bias arrays, got "
                    + weights.size() + " and " + biases.size());
        }
        Tensor[] w = new Tensor[layers.size()];
        Tensor[] b = new Tensor[layers.size()];
        try {
            for (int l = 0; l < layers.size(); l++) {
                DenseLayer layer = layers.get(l);
                checkValues(weights.get(l), layer.weightCount(), "weights of layer " + l);
                checkValues(biases.get(l), layer.outFeatures(), "biases of layer " + l);
                w[l] = backend.upload(weights.get(l));
                b[l] = backend.upload(biases.get(l));
            }
        } catch (RuntimeException e) {
            closeAll(w);
            closeAll(b);
            throw e;
        }
        return new Sequential(backend, layers, w, b);
    }

    /** Softmax regression: one dense layer from {@code inputs} to {@code classes}, no activation. */
    public static List<DenseLayer> softmaxRegression(int inputs, int classes) {
        return List.of(new DenseLayer(inputs, classes, Activation.NONE));
    }

    /** An MLP: ReLU hidden layers of the given widths, then a dense layer to {@code classes}. */
    public static List<DenseLayer> mlp(int inputs, int[] hidden, int classes) {
        List<DenseLayer> layers = new ArrayList<>();
        int width = inputs;
        for (int h : hidden) {
            layers.add(new DenseLayer(width, h, Activation.RELU));
            width = h;
        }
        layers.add(new DenseLayer(width, classes, Activation.NONE));
        return layers;
    }

    public Backend backend() {
        return backend;
    }

    public List<DenseLayer> layers() {
        return layers;
    }

    /** Features per sample at the input. */
    public int inputs() {
        return layers.get(0).inFeatures();
    }

    /** Classes at the output. */
    public int classes() {
        return layers.get(layers.size() - 1).outFeatures();
    }

    /** The weights of layer {@code l}, (out, in) row-major, read back from the backend. */
    public float[] weights(int l) {
        checkOpen();
        return weights[l].toArray();
    }

    /** The biases of layer {@code l}, read back from the backend. */
    public float[] biases(int l) {
        checkOpen();
        return biases[l].toArray();
    }

    Tensor weightTensor(int l) {
        return weights[l];
    }

    Tensor biasTensor(int l) {
        return biases[l];
    }

    /** Throws {@link IllegalStateException} once the model or its backend is closed. */
    public void checkOpen() {
        if (closed || backend.isClosed()) {
            throw new IllegalStateException("model is closed");
        }
    }

    public boolean isClosed() {
        return closed || backend.isClosed();
    }

    /** Frees the parameters. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeAll(weights);
            closeAll(biases);
        }
    }

    private static void closeAll(Tensor[] tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
    }

    private static void checkLayers(List<DenseLayer> layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        for (int l = 1; l < layers.size(); l++) {
            if (layers.get(l).inFeatures() != layers.get(l - 1).outFeatures()) {
                throw new IllegalArgumentException("layer " + l + " takes " + layers.get(l).inFeatures()
                        + " inputs but layer " + (l - 1) + " gives " + layers.get(l - 1).outFeatures());
            }
        }
    }

    private static void checkValues(float[] values, int expected, String what) {
        Objects.requireNonNull(values, what);
        if (values.length != expected) {
            throw new IllegalArgumentException(what + ": " + values.length + " floats, expected " + expected);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] is " + values[i]);
            }
        }
    }
}

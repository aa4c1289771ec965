package io.gradsign.plan;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import java.util.Objects;

/**
 * The buffers of one batch of a dense chain, as a backend's fused gradient step binds them: dense
 * layers, layer l mapping {@code widths[l]} features to {@code widths[l + 1]} through its activation,
 * the last one's outputs the logits of a softmax cross-entropy loss. Every tensor holds exactly what
 * {@code batch} samples need; none shares memory with another.
 *
 * @param batch samples
 * @param widths the input width, then each layer's output width (layers + 1 values, all &gt; 0)
 * @param activations each layer's activation
 * @param weights each layer's weights (out, in)
 * @param biases each layer's bias (out)
 * @param outputs each layer's output (batch, out), after its activation; the last holds the logits
 * @param inputGradients the loss gradient at each layer's input (batch, in); the first is d loss / d x
 * @param probabilities the softmax of the logits (batch, classes)
 * @param losses the loss of each sample (batch)
 * @param logitGradients the loss gradient at the logits (batch, classes)
 * @param labels the labels the loss compares with (batch of them, classes = the last width)
 */
public record DenseChain(int batch, int[] widths, Activation[] activations, Tensor[] weights, Tensor[] biases,
                         Tensor[] outputs, Tensor[] inputGradients, Tensor probabilities, Tensor losses,
                         Tensor logitGradients, Labels labels) {
    public DenseChain {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be > 0, got " + batch);
        }
        widths = widths.clone();
        activations = activations.clone();
        weights = weights.clone();
        biases = biases.clone();
        outputs = outputs.clone();
        inputGradients = inputGradients.clone();
        int layers = activations.length;
        if (layers == 0 || widths.length != layers + 1 || weights.length != layers || biases.length != layers
                || outputs.length != layers || inputGradients.length != layers) {
            throw new IllegalArgumentException(layers + " layers need " + (layers + 1) + " widths and " + layers
                    + " of each buffer, got " + widths.length + " widths, " + weights.length + " weights, "
                    + biases.length + " biases, " + outputs.length + " outputs, " + inputGradients.length
                    + " input gradients");
        }
        for (int width : widths) {
            if (width <= 0) {
                throw new IllegalArgumentException("widths must be > 0, got " + width);
            }
        }
        for (int l = 0; l < layers; l++) {
            Objects.requireNonNull(activations[l], "activation of layer " + l);
            checkLength(weights[l], (long) widths[l + 1] * widths[l], "weights of layer " + l);
            checkLength(biases[l], widths[l + 1], "bias of layer " + l);
            checkLength(outputs[l], (long) batch * widths[l + 1], "output of layer " + l);
            checkLength(inputGradients[l], (long) batch * widths[l], "input gradient of layer " + l);
        }
        long logits = (long) batch * widths[layers];
        checkLength(probabilities, logits, "probabilities");
        checkLength(losses, batch, "losses");
        checkLength(logitGradients, logits, "logit gradients");
        Objects.requireNonNull(labels, "labels");
        if (labels.count() != batch || labels.classes() != widths[layers]) {
            throw new IllegalArgumentException("labels hold " + labels.count() + " labels of " + labels.classes()
                    + " classes; the batch is " + batch + " of " + widths[layers] + " classes");
        }
    }

    private static void checkLength(Tensor tensor, long length, String role) {
        Objects.requireNonNull(tensor, role);
        if (tensor.length() != length) {
            throw new IllegalArgumentException(role + " has " + tensor.length() + " floats, the shapes need " + length);
        }
    }

    /** The number of layers. */
    public int layers() {
        return activations.length;
    }

    /**
     * The gradient step by the separate operations of {@code backend} (the chain's), one after the
     * other: what runs where a backend has no fused step ({@link Plans#denseStep}), and what
     * a fused step must equal. With {@code forward}, the forward pass at {@code from} (each layer's
     * denseForward); then softmaxCrossEntropy with its gradient scaled by {@code gradientScale};
     * from the last layer to the first, activationBackward in place and denseBackwardInput; and the
     * sign step from {@code from} into {@code to}. Each operation checks its own arguments.
     */
    public void stepByOperations(Backend backend, Tensor from, Tensor to, float gradientScale, float epsilon, float lo,
                                 float hi, boolean forward) {
        int layers = layers();
        if (forward) {
            Tensor current = from;
            for (int l = 0; l < layers; l++) {
                backend.denseForward(outputs[l], current, weights[l], biases[l], batch, widths[l], widths[l + 1],
                        activations[l]);
                current = outputs[l];
            }
        }
        backend.softmaxCrossEntropy(probabilities, losses, logitGradients, outputs[layers - 1], labels, batch,
                widths[layers], gradientScale);
        Tensor gradient = logitGradients;
        for (int l = layers - 1; l >= 0; l--) {
            if (activations[l] != Activation.NONE) {
                backend.activationBackward(gradient, gradient, outputs[l], activations[l]);
            }
            backend.denseBackwardInput(inputGradients[l], gradient, weights[l], batch, widths[l], widths[l + 1]);
            gradient = inputGradients[l];
        }
        backend.signStep(to, from, inputGradients[0], epsilon, lo, hi);
    }

    /** Every tensor of the chain, labels included, each with its role: for checks. */
    public void forEachTensor(java.util.function.BiConsumer<Tensor, String> action) {
        for (int l = 0; l < layers(); l++) {
            action.accept(weights[l], "weights of layer " + l);
            action.accept(biases[l], "bias of layer " + l);
            action.accept(outputs[l], "output of layer " + l);
            action.accept(inputGradients[l], "input gradient of layer " + l);
        }
        action.accept(probabilities, "probabilities");
        action.accept(losses, "losses");
        action.accept(logitGradients, "logit gradients");
        action.accept(labels.storage(), "labels");
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    @Override
    public Activation[] activations() {
        return activations.clone();
    }

    @Override
    public Tensor[] weights() {
        return weights.clone();
    }

    @Override
    public Tensor[] biases() {
        return biases.clone();
    }

    @Override
    public Tensor[] outputs() {
        return outputs.clone();
    }

    @Override
    public Tensor[] inputGradients() {
        return inputGradients.clone();
    }
}

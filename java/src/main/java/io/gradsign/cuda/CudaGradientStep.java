package io.gradsign.cuda;

import io.gradsign.Activation;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.Tensor;

/**
 * A dense chain's gradient step on the CUDA backend, with the element-wise steps folded into the
 * backward products: each hidden layer's backward to its input applies the derivative of the
 * activation under it in the same kernel, and the first layer's applies the sign step. The MLP
 * 784-512-512-10 then takes 7 kernel launches instead of 10. Each fused kernel gives the bits of the
 * two operations it replaces (native/src/dense.cu), so the step gives those of
 * {@link DenseChain#stepByOperations}. Built once per chain; its arguments are validated by the
 * backend before {@link #run}.
 */
final class CudaGradientStep implements GradientStep {
    private final CudaLibrary library;
    private final ScratchPool scratch;
    private final int batch;
    private final int[] widths;
    private final int[] activations;
    private final long[] weights;
    private final long[] biases;
    private final long[] outputs;
    private final long[] inputGradients;
    private final long probabilities;
    private final long losses;
    private final long logitGradients;
    private final long labels;

    CudaGradientStep(CudaLibrary library, ScratchPool scratch, DenseChain chain) {
        this.library = library;
        this.scratch = scratch;
        this.batch = chain.batch();
        this.widths = chain.widths();
        int layers = chain.layers();
        Activation[] kinds = chain.activations();
        activations = new int[layers];
        for (int l = 0; l < layers; l++) {
            activations[l] = kinds[l].code();
        }
        weights = addresses(chain.weights());
        biases = addresses(chain.biases());
        outputs = addresses(chain.outputs());
        inputGradients = addresses(chain.inputGradients());
        probabilities = address(chain.probabilities());
        losses = address(chain.losses());
        logitGradients = address(chain.logitGradients());
        labels = address(chain.labels().storage());
    }

    private static long address(Tensor tensor) {
        return ((DeviceBuffer) tensor).rawAddress();
    }

    private static long[] addresses(Tensor[] tensors) {
        long[] result = new long[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            result[i] = address(tensors[i]);
        }
        return result;
    }

    @Override
    public void run(Tensor from, Tensor to, float gradientScale, float epsilon, float lo, float hi, boolean forward) {
        long s = scratch.take();
        try {
            run(address(from), address(to), gradientScale, epsilon, lo, hi, forward, s);
        } finally {
            scratch.give(s);
        }
    }

    private void run(long x, long to, float gradientScale, float epsilon, float lo, float hi, boolean forward, long s) {
        int layers = activations.length;
        if (forward) {
            long current = x;
            for (int l = 0; l < layers; l++) {
                library.check(library.denseForward(outputs[l], current, weights[l], biases[l], batch, widths[l],
                        widths[l + 1], activations[l], s), "gradient step: dense forward of layer " + l);
                current = outputs[l];
            }
        }
        library.check(library.softmaxCrossEntropy(probabilities, losses, logitGradients, outputs[layers - 1], labels,
                batch, widths[layers], gradientScale), "gradient step: softmax cross-entropy");
        long gradient = logitGradients;
        if (activations[layers - 1] != Activation.NONE.code()) {
            // an activation on the logits: its derivative before the last product, as a step of its own
            library.check(library.activationBackward(gradient, gradient, outputs[layers - 1],
                    (long) batch * widths[layers], activations[layers - 1]), "gradient step: activation backward");
        }
        for (int l = layers - 1; l > 0; l--) {
            library.check(library.denseBackwardInputActivation(inputGradients[l], gradient, weights[l], outputs[l - 1],
                    activations[l - 1], batch, widths[l], widths[l + 1], s),
                    "gradient step: dense backward of layer " + l);
            gradient = inputGradients[l];
        }
        library.check(library.denseBackwardInputSignStep(to, x, inputGradients[0], gradient, weights[0], batch,
                widths[0], widths[1], epsilon, lo, hi, s), "gradient step: dense backward of layer 0 and sign step");
    }
}

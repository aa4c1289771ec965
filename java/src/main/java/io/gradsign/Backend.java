package io.gradsign;

import java.util.Optional;

/**
 * Where gradsign's operations run: the CPU, or a CUDA device (real or emulated). A backend owns
 * the tensors it allocates: closing it closes them. Obtain one from {@link Backends}.
 *
 * <p>Every operation validates its arguments in Java before any native code runs, and throws
 * {@link IllegalArgumentException} (bad values) or {@link IllegalStateException} (closed objects).
 */
public interface Backend extends AutoCloseable {

    /** Which backend this is. */
    BackendKind kind();

    /** One line: the backend, the device and the native build, for logs. */
    String description();

    /** A new tensor of {@code length} floats, all zero, owned by this backend. */
    Tensor allocate(long length);

    /** A new tensor holding a copy of {@code values}. */
    default Tensor upload(float[] values) {
        Tensor tensor = allocate(values.length);
        tensor.copyFrom(values);
        return tensor;
    }

    /**
     * Copies all of {@code source} into {@code destination} within this backend; the lengths must be
     * equal and the two must not overlap unless they are the same range.
     */
    void copy(Tensor destination, Tensor source);

    /**
     * The fused sign-and-scale step of FGSM, in one pass:
     * {@code out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi)}.
     *
     * <p>A zero gradient element leaves x unchanged (x + epsilon * (&plusmn;0)). NaN in x or in the
     * gradient gives NaN in out: clipping does not hide it. Clipping is
     * {@code Math.min(Math.max(v, lo), hi)}, so -0 counts as below +0. The result is exact (one
     * rounding of x &plusmn; epsilon), and every backend gives the same bits. {@code out} may be
     * {@code x} (in place) but must not overlap it otherwise.
     *
     * @throws IllegalArgumentException if epsilon is negative, NaN or infinite, if lo or hi is NaN,
     *     if lo &gt; hi, if the lengths differ, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void signStep(Tensor out, Tensor x, Tensor gradient, float epsilon, float lo, float hi);

    /**
     * A tensor over floats [offset, offset + length) of a Java array itself, with no copy, where this
     * backend computes on Java arrays (the CPU backend); empty where it cannot (CUDA). The tensor
     * reads and writes the array, never frees anything, and is unusable once the backend is closed.
     */
    default Optional<Tensor> wrap(float[] array, int offset, int length) {
        return Optional.empty();
    }

    /** Labels for {@code labels.length} samples of {@code classes} classes, checked to lie in [0, classes). */
    default Labels uploadLabels(int[] labels, int classes) {
        Labels result = Labels.allocate(this, labels.length, classes);
        try {
            result.copyFrom(labels);
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
        return result;
    }

    /**
     * The dense layer's forward pass, bias and activation fused:
     * y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias), with weights (out, in)
     * row-major and bias (out). y must not overlap the inputs.
     */
    void denseForward(Tensor y, Tensor x, Tensor weights, Tensor bias, int batch, int inFeatures, int outFeatures,
                      Activation activation);

    /** The gradient at the layer's input: dx (batch, in) = dy (batch, out) &middot; weights (out, in). */
    void denseBackwardInput(Tensor dx, Tensor dy, Tensor weights, int batch, int inFeatures, int outFeatures);

    /** The gradients of the weights and bias: dWeights (out, in) = dy&#7488; &middot; x, dBias (out) = sum of dy over the batch. */
    void denseBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x, int batch, int inFeatures,
                              int outFeatures);

    /** dPre = dy &middot; f'(pre), written from the activation's output y; dPre may be dy. */
    void activationBackward(Tensor dPre, Tensor dy, Tensor y, Activation activation);

    /**
     * Softmax, cross-entropy and its gradient in one pass over logits (batch, classes):
     * probabilities = softmax(logits), losses (batch) = -log p[label], and, when dLogits is not null,
     * dLogits = gradientScale &middot; (p - onehot(label)). gradientScale is 1/batch for the mean
     * loss; a negative one descends instead of ascends (targeted attacks).
     */
    void softmaxCrossEntropy(Tensor probabilities, Tensor losses, Tensor dLogits, Tensor logits, Labels labels,
                             int batch, int classes, float gradientScale);

    /**
     * One gradient step of a dense chain fused into a single piece of work, bound to the chain's
     * buffers, or empty where this backend has no fused step for the chain (then run the separate
     * operations: forward, softmax cross-entropy, activation and dense backward, sign step). The CPU
     * backend fuses one sample's step, whose phases are too short to hand out one by one; the CUDA
     * backend fuses every chain's, folding the element-wise steps into the backward products.
     *
     * @throws IllegalArgumentException if a tensor of the chain belongs to another backend
     * @throws IllegalStateException if the backend or a tensor of the chain is closed
     */
    default Optional<GradientStep> fuseGradientStep(DenseChain chain) {
        return Optional.empty();
    }

    /**
     * A fused gradient step of a {@link DenseChain}, from {@link #fuseGradientStep}. Like the chain's
     * buffers it writes, it serves one caller at a time.
     */
    interface GradientStep {
        /**
         * to = clip(from + epsilon &middot; sign(d loss / d from), lo, hi), the values the separate
         * operations give: with {@code forward}, the forward pass at {@code from} into the chain's
         * outputs (without, the outputs must already hold it); the loss of the chain's labels, its
         * gradient at the logits scaled by {@code gradientScale}; the backward pass to the input
         * (no weight gradients); the sign step. Every buffer of the chain holds its part afterwards.
         * {@code to} may be {@code from}, and neither may share memory with the chain.
         *
         * @throws IllegalArgumentException for lengths other than batch &times; the input width,
         *     overlapping tensors, a non-finite gradientScale, a negative or non-finite epsilon, or
         *     lo &gt; hi
         * @throws IllegalStateException if the backend or a tensor is closed
         */
        void run(Tensor from, Tensor to, float gradientScale, float epsilon, float lo, float hi, boolean forward);
    }

    /** SGD with momentum: velocity = momentum &middot; velocity + gradient; parameters -= learningRate &middot; velocity. */
    void sgdMomentum(Tensor parameters, Tensor velocity, Tensor gradient, float learningRate, float momentum);

    /** Waits until all work submitted to this backend has finished; reports asynchronous errors. */
    void synchronize();

    /** Owning tensors allocated here and not yet closed (views are not counted). */
    int openTensorCount();

    boolean isClosed();

    /** Closes every tensor this backend still owns, then the backend. Idempotent. */
    @Override
    void close();
}

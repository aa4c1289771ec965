package io.gradsign.plan;

import io.gradsign.Tensor;

/**
 * A fused gradient step of a {@link DenseChain}, from {@link Plans#denseStep}. Like the chain's
 * buffers it writes, it serves one caller at a time.
 */
public interface GradientStep {
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

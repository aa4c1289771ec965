package io.gradsign.plan;

import java.util.Optional;

/**
 * A backend that offers a fused FGSM step for a chain of dense layers: an optional fast path,
 * tested against {@link DenseChain#stepByOperations} (bit for bit, or within float rounding where it
 * sums a product in an order of its own, documented and tested bit for bit). The CPU backend fuses
 * one sample's step (its phases are too short to hand out one by one) and a larger batch's step over
 * weights packed once, each core running the whole step for its samples; the CUDA backend fuses
 * every chain's, folding the element-wise steps into the backward products. Callers go through
 * {@link Plans#denseStep}, which validates the chain and every run first.
 */
public interface DenseStepPlanner {
    /** The fused step for a chain already validated against this backend, or empty. */
    Optional<GradientStep> planDenseStep(DenseChain chain);
}

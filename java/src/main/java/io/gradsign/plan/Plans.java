package io.gradsign.plan;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The fast paths a backend offers beside its operations. The operations (layer by layer) are the
 * reference; a plan runs the same computation with fewer hand-offs or launches and must give the same
 * bits. {@code nn.Workspace} asks for one where a network's shape allows and falls back otherwise.
 */
public final class Plans {
    private Plans() {}

    /**
     * A fused FGSM step of {@code chain} on {@code backend}, or empty where the backend has none for
     * it (then run {@link DenseChain#stepByOperations}). Where the backend offers plans, every tensor of the chain must belong to the
     * backend, be open, and share memory with no other; every run is checked again before it starts.
     *
     * @throws IllegalArgumentException if a tensor of the chain belongs to another backend or overlaps another
     * @throws IllegalStateException if the backend or a tensor of the chain is closed
     */
    public static Optional<GradientStep> denseStep(Backend backend, DenseChain chain) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(chain, "chain");
        if (backend.isClosed()) {
            throw new IllegalStateException(backend.kind() + " backend is closed");
        }
        if (!(backend instanceof DenseStepPlanner planner)) {
            return Optional.empty();
        }
        List<Tensor> tensors = new ArrayList<>();
        List<String> roles = new ArrayList<>();
        chain.forEachTensor((tensor, role) -> {
            checkMine(backend, tensor, role);
            for (int t = 0; t < tensors.size(); t++) {
                if (tensor.overlaps(tensors.get(t))) {
                    throw new IllegalArgumentException(role + " shares memory with " + roles.get(t));
                }
            }
            tensors.add(tensor);
            roles.add(role);
        });
        long inputs = (long) chain.batch() * chain.widths()[0];
        Tensor[] all = tensors.toArray(new Tensor[0]);
        String[] names = roles.toArray(new String[0]);
        return planner.planDenseStep(chain).map(step -> (GradientStep) (from, to, gradientScale, epsilon, lo, hi, forward) -> {
            if (backend.isClosed()) {
                throw new IllegalStateException(backend.kind() + " backend is closed");
            }
            checkMine(backend, from, "from");
            checkMine(backend, to, "to");
            if (from.length() != inputs || to.length() != inputs) {
                throw new IllegalArgumentException("from and to must hold " + inputs + " floats, got " + from.length()
                        + " and " + to.length());
            }
            if (!Float.isFinite(gradientScale)) {
                throw new IllegalArgumentException("gradientScale must be finite, got " + gradientScale);
            }
            if (!(epsilon >= 0) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
            }
            if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi) {
                throw new IllegalArgumentException("clip bounds must satisfy lo <= hi, got lo=" + lo + ", hi=" + hi);
            }
            if (to.overlapsPartially(from)) {
                throw new IllegalArgumentException("to overlaps from without being the same range: " + to + ", " + from);
            }
            for (int t = 0; t < all.length; t++) {
                all[t].checkOpen(names[t]);
                if (from.overlaps(all[t]) || to.overlaps(all[t])) {
                    throw new IllegalArgumentException("from or to shares memory with the chain's " + names[t]);
                }
            }
            step.run(from, to, gradientScale, epsilon, lo, hi, forward);
        });
    }

    private static void checkMine(Backend backend, Tensor tensor, String role) {
        Objects.requireNonNull(tensor, role);
        if (tensor.backend() != backend) {
            throw new IllegalArgumentException(role + " belongs to another backend (" + tensor.backend().kind()
                    + "), not to this " + backend.kind() + " backend");
        }
        tensor.checkOpen(role);
    }
}

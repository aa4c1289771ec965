package io.gradsign;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every backend shares: ownership of its tensors and the validation of arguments, so that
 * nothing a backend implements sees a bad argument.
 *
 * @param <T> the backend's tensor class
 */
public abstract class AbstractBackend<T extends Tensor> implements Backend {
    private final Class<T> tensorClass;
    private final Set<Tensor> owned = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    protected AbstractBackend(Class<T> tensorClass) {
        this.tensorClass = tensorClass;
    }

    @Override
    public final Tensor allocate(long length) {
        checkOpen();
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        T tensor = allocateZeroed(length);
        owned.add(tensor);
        return tensor;
    }

    @Override
    public final void copy(Tensor destination, Tensor source) {
        checkOpen();
        T to = mine(destination, "destination");
        T from = mine(source, "source");
        if (destination.length() != source.length()) {
            throw new IllegalArgumentException("lengths differ: destination=" + destination.length() + ", source="
                    + source.length());
        }
        if (destination.overlapsPartially(source)) {
            throw new IllegalArgumentException("destination overlaps source: " + destination + ", " + source);
        }
        copyChecked(to, from);
    }

    @Override
    public final void signStep(Tensor out, Tensor x, Tensor gradient, float epsilon, float lo, float hi) {
        checkOpen();
        T outTensor = mine(out, "out");
        T xTensor = mine(x, "x");
        T gradientTensor = mine(gradient, "gradient");
        if (!(epsilon >= 0) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
        if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("clip bounds must satisfy lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
        if (x.length() != gradient.length() || x.length() != out.length()) {
            throw new IllegalArgumentException("lengths differ: out=" + out.length() + ", x=" + x.length()
                    + ", gradient=" + gradient.length());
        }
        if (out.overlapsPartially(x) || out.overlapsPartially(gradient)) {
            throw new IllegalArgumentException("out overlaps x or gradient without being the same range: " + out
                    + ", x=" + x + ", gradient=" + gradient);
        }
        signStepChecked(outTensor, xTensor, gradientTensor, epsilon, lo, hi);
    }

    @Override
    public final void denseForward(Tensor y, Tensor x, Tensor weights, Tensor bias, int batch, int inFeatures,
                                   int outFeatures, Activation activation) {
        checkOpen();
        checkShape(batch, inFeatures, outFeatures);
        Objects.requireNonNull(activation, "activation");
        T yT = mine(y, "y", (long) batch * outFeatures);
        T xT = mine(x, "x", (long) batch * inFeatures);
        T weightsT = mine(weights, "weights", (long) outFeatures * inFeatures);
        T biasT = mine(bias, "bias", outFeatures);
        checkDisjoint(y, "y", x, weights, bias);
        denseForwardChecked(yT, xT, weightsT, biasT, batch, inFeatures, outFeatures, activation);
    }

    @Override
    public final void denseBackwardInput(Tensor dx, Tensor dy, Tensor weights, int batch, int inFeatures,
                                         int outFeatures) {
        checkOpen();
        checkShape(batch, inFeatures, outFeatures);
        T dxT = mine(dx, "dx", (long) batch * inFeatures);
        T dyT = mine(dy, "dy", (long) batch * outFeatures);
        T weightsT = mine(weights, "weights", (long) outFeatures * inFeatures);
        checkDisjoint(dx, "dx", dy, weights);
        denseBackwardInputChecked(dxT, dyT, weightsT, batch, inFeatures, outFeatures);
    }

    @Override
    public final void denseBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x, int batch,
                                           int inFeatures, int outFeatures) {
        checkOpen();
        checkShape(batch, inFeatures, outFeatures);
        T dWeightsT = mine(dWeights, "dWeights", (long) outFeatures * inFeatures);
        T dBiasT = mine(dBias, "dBias", outFeatures);
        T dyT = mine(dy, "dy", (long) batch * outFeatures);
        T xT = mine(x, "x", (long) batch * inFeatures);
        checkDisjoint(dWeights, "dWeights", dBias, dy, x);
        checkDisjoint(dBias, "dBias", dy, x);
        denseBackwardWeightsChecked(dWeightsT, dBiasT, dyT, xT, batch, inFeatures, outFeatures);
    }

    @Override
    public final void activationBackward(Tensor dPre, Tensor dy, Tensor y, Activation activation) {
        checkOpen();
        Objects.requireNonNull(activation, "activation");
        T dyT = mine(dy, "dy", -1);
        T dPreT = mine(dPre, "dPre", dy.length());
        T yT = mine(y, "y", dy.length());
        if (dPre.overlapsPartially(dy) || dPre.overlapsPartially(y)) {
            throw new IllegalArgumentException("dPre overlaps dy or y without being the same range");
        }
        activationBackwardChecked(dPreT, dyT, yT, activation);
    }

    @Override
    public final void softmaxCrossEntropy(Tensor probabilities, Tensor losses, Tensor dLogits, Tensor logits,
                                          Labels labels, int batch, int classes, float gradientScale) {
        checkOpen();
        if (batch < 0 || classes <= 0) {
            throw new IllegalArgumentException("need batch >= 0 and classes > 0, got batch=" + batch + ", classes=" + classes);
        }
        if (!Float.isFinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be finite, got " + gradientScale);
        }
        Objects.requireNonNull(labels, "labels");
        if (labels.count() != batch || labels.classes() != classes) {
            throw new IllegalArgumentException("labels hold " + labels.count() + " labels of " + labels.classes()
                    + " classes; the batch is " + batch + " of " + classes + " classes");
        }
        long size = (long) batch * classes;
        T probabilitiesT = mine(probabilities, "probabilities", size);
        T lossesT = mine(losses, "losses", batch);
        T dLogitsT = dLogits == null ? null : mine(dLogits, "dLogits", size);
        T logitsT = mine(logits, "logits", size);
        T labelsT = mine(labels.storage(), "labels", batch);
        checkDisjoint(probabilities, "probabilities", losses, logits, labels.storage());
        checkDisjoint(losses, "losses", logits, labels.storage());
        if (dLogits != null) {
            checkDisjoint(dLogits, "dLogits", probabilities, losses, logits, labels.storage());
        }
        softmaxCrossEntropyChecked(probabilitiesT, lossesT, dLogitsT, logitsT, labelsT, batch, classes, gradientScale);
    }

    @Override
    public final void sgdMomentum(Tensor parameters, Tensor velocity, Tensor gradient, float learningRate,
                                  float momentum) {
        checkOpen();
        if (!(learningRate >= 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and >= 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        T parametersT = mine(parameters, "parameters", -1);
        T velocityT = mine(velocity, "velocity", parameters.length());
        T gradientT = mine(gradient, "gradient", parameters.length());
        checkDisjoint(parameters, "parameters", velocity, gradient);
        checkDisjoint(velocity, "velocity", gradient);
        sgdMomentumChecked(parametersT, velocityT, gradientT, learningRate, momentum);
    }

    @Override
    public final Optional<GradientStep> fuseGradientStep(DenseChain chain) {
        checkOpen();
        Objects.requireNonNull(chain, "chain");
        List<Tensor> tensors = new ArrayList<>();
        List<String> roles = new ArrayList<>();
        chain.forEachTensor((tensor, role) -> {
            mine(tensor, role);
            for (int t = 0; t < tensors.size(); t++) {
                if (tensor.overlaps(tensors.get(t))) {
                    throw new IllegalArgumentException(role + " shares memory with " + roles.get(t));
                }
            }
            tensors.add(tensor);
            roles.add(role);
        });
        return fuseGradientStepChecked(chain).map(step -> new CheckedGradientStep(chain, step,
                tensors.toArray(new Tensor[0]), roles.toArray(new String[0])));
    }

    /** The checks of every run of a fused step, before the backend's own step runs. */
    private final class CheckedGradientStep implements GradientStep {
        private final GradientStep step;
        private final long inputs;
        private final Tensor[] tensors;
        private final String[] roles;

        CheckedGradientStep(DenseChain chain, GradientStep step, Tensor[] tensors, String[] roles) {
            this.step = step;
            this.inputs = (long) chain.batch() * chain.widths()[0];
            this.tensors = tensors;
            this.roles = roles;
        }

        @Override
        public void run(Tensor from, Tensor to, float gradientScale, float epsilon, float lo, float hi,
                        boolean forward) {
            checkOpen();
            mine(from, "from", inputs);
            mine(to, "to", inputs);
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
            for (int t = 0; t < tensors.length; t++) {
                if (tensors[t].isClosed()) {
                    tensors[t].checkOpen(roles[t]);
                }
                if (from.overlaps(tensors[t]) || to.overlaps(tensors[t])) {
                    throw new IllegalArgumentException("from or to shares memory with the chain's " + roles[t]);
                }
            }
            step.run(from, to, gradientScale, epsilon, lo, hi, forward);
        }
    }

    /**
     * The backend's fused step for a validated chain, or empty (the default: no fused step). The
     * step it returns runs with validated arguments.
     */
    protected Optional<GradientStep> fuseGradientStepChecked(DenseChain chain) {
        return Optional.empty();
    }

    @Override
    public final int openTensorCount() {
        return owned.size();
    }

    @Override
    public final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // every tensor gets its chance to free its memory even if one fails; the first failure is rethrown
        RuntimeException failure = null;
        for (Tensor tensor : owned) {
            try {
                tensor.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        owned.clear();
        closeBackend();
        if (failure != null) {
            throw failure;
        }
    }

    /** Throws {@link IllegalStateException} if this backend is closed. */
    protected final void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException(kind() + " backend is closed");
        }
    }

    /** Called by an owning tensor when it is closed. */
    protected final void forget(Tensor tensor) {
        owned.remove(tensor);
    }

    /** {@link #mine(Tensor, String)}, and the tensor must hold {@code length} floats (any, if negative). */
    private T mine(Tensor tensor, String role, long length) {
        T checked = mine(tensor, role);
        if (length >= 0 && tensor.length() != length) {
            throw new IllegalArgumentException(role + " has " + tensor.length() + " floats, the shapes need " + length);
        }
        return checked;
    }

    private static void checkShape(int batch, int inFeatures, int outFeatures) {
        if (batch < 0 || inFeatures < 0 || outFeatures < 0) {
            throw new IllegalArgumentException("sizes must be >= 0, got batch=" + batch + ", inFeatures=" + inFeatures
                    + ", outFeatures=" + outFeatures);
        }
    }

    /** An output must share no memory with the inputs (views of one buffer included). */
    private static void checkDisjoint(Tensor output, String role, Tensor... inputs) {
        for (Tensor input : inputs) {
            if (input != null && output.overlaps(input)) {
                throw new IllegalArgumentException(role + " shares memory with an input: " + output + ", " + input);
            }
        }
    }

    private T mine(Tensor tensor, String role) {
        Objects.requireNonNull(tensor, role);
        if (tensor.backend() != this || !tensorClass.isInstance(tensor)) {
            throw new IllegalArgumentException(role + " belongs to another backend (" + tensor.backend().kind()
                    + "), not to this " + kind() + " backend");
        }
        tensor.checkOpen(role);
        return tensorClass.cast(tensor);
    }

    /** A new zeroed owning tensor; length already validated. */
    protected abstract T allocateZeroed(long length);

    /** The copy with validated arguments. */
    protected abstract void copyChecked(T destination, T source);

    /** The sign step with validated arguments. */
    protected abstract void signStepChecked(T out, T x, T gradient, float epsilon, float lo, float hi);

    protected abstract void denseForwardChecked(T y, T x, T weights, T bias, int batch, int inFeatures, int outFeatures,
                                                Activation activation);

    protected abstract void denseBackwardInputChecked(T dx, T dy, T weights, int batch, int inFeatures, int outFeatures);

    protected abstract void denseBackwardWeightsChecked(T dWeights, T dBias, T dy, T x, int batch, int inFeatures,
                                                        int outFeatures);

    protected abstract void activationBackwardChecked(T dPre, T dy, T y, Activation activation);

    /** dLogits may be null; labels holds int32 bits. */
    protected abstract void softmaxCrossEntropyChecked(T probabilities, T losses, T dLogits, T logits, T labels, int batch,
                                                       int classes, float gradientScale);

    protected abstract void sgdMomentumChecked(T parameters, T velocity, T gradient, float learningRate, float momentum);

    /** Releases what the backend itself holds, after its tensors are closed. */
    protected abstract void closeBackend();
}

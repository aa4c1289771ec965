package io.gradsign;

import java.util.Objects;
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

    /** Releases what the backend itself holds, after its tensors are closed. */
    protected abstract void closeBackend();
}

package io.gradsign.model;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.lang.ref.WeakReference;
import java.util.Objects;

/**
 * The fast gradient sign method (Goodfellow et al. 2014): x' = clip(x + &epsilon; sign(&nabla;&#8339;J(&theta;, x, y)), lo, hi).
 * One step is a forward pass, a backward pass to the input (no weight gradients) and the fused sign
 * step, on the model's backend, in device buffers allocated once for batches of up to the capacity.
 * Inputs larger than the capacity run as a stream of batches through the same buffers.
 *
 * <p>Threads: an attack holds a {@link Workspace} and serves one thread at a time; a call while
 * another thread's is running gets an {@link IllegalStateException}. For several threads, give each
 * its own attack: they may share the model.
 */
public final class Fgsm implements AutoCloseable {
    /** What the attack moves towards. */
    public enum Mode {
        /** Ascend the loss of the true label: any wrong class will do. */
        UNTARGETED,
        /** Descend the loss of a chosen class: make the model say that class. */
        TARGETED,
        /** Ascend the loss of the model's own prediction &ycirc; (Miyato et al.): no labels needed. */
        VIRTUAL
    }

    private final Network model;
    private final Workspace workspace;
    private final WrappedRange wrappedImages = new WrappedRange();
    private final WrappedRange wrappedAdversarial = new WrappedRange();

    /** An attack on {@code model} for batches of up to {@code capacity} samples. */
    public Fgsm(Network model, int capacity) {
        this.model = Objects.requireNonNull(model, "model");
        this.workspace = model.workspace(capacity);
    }

    /** Untargeted FGSM with clip bounds [0, 1]. */
    public FgsmResult untargeted(float[] images, int[] labels, float epsilon) {
        return attack(Mode.UNTARGETED, images, labels, epsilon, 0f, 1f);
    }

    /** Targeted FGSM towards {@code targets}, clip bounds [0, 1]. */
    public FgsmResult targeted(float[] images, int[] targets, float epsilon) {
        return attack(Mode.TARGETED, images, targets, epsilon, 0f, 1f);
    }

    /** Virtual FGSM (the model's own predictions as labels), clip bounds [0, 1]. */
    public FgsmResult virtual(float[] images, float epsilon) {
        return attack(Mode.VIRTUAL, images, null, epsilon, 0f, 1f);
    }

    /**
     * Attacks every sample of {@code images} (count &times; inputs, row-major, finite values).
     *
     * @param labels the true labels (UNTARGETED), the targets (TARGETED), or null (VIRTUAL)
     * @throws IllegalArgumentException for shapes that do not match the model, labels out of range,
     *     NaN or infinite pixels, a negative or non-finite epsilon, or lo &gt; hi
     * @throws IllegalStateException if the model or this attack is closed
     */
    public FgsmResult attack(Mode mode, float[] images, int[] labels, float epsilon, float lo, float hi) {
        int count = validate(mode, images, labels, epsilon, lo, hi);
        FgsmResult result = new FgsmResult(new float[images.length], new int[count], new float[count], new int[count],
                new float[count]);
        try (Claim held = workspace.claim()) {
            for (int start = 0; start < count; start += workspace.capacity()) {
                int batch = Math.min(workspace.capacity(), count - start);
                step(mode, images, labels, start, batch, epsilon, lo, hi, result);
            }
        }
        return result;
    }

    /**
     * The adversarial images alone, written into {@code adversarial} (same length as images): each
     * batch goes through {@code steps} FGSM steps of size epsilon (steps &gt; 1: iterated sign steps,
     * each from the previous x', clipped to [lo, hi] but not projected onto the epsilon-ball around
     * the original image, so after k steps a pixel may have moved k &middot; epsilon: not BIM or PGD, which
     * {@code io.gradsign.attack.Attacks} gives), with no predictions computed. Nothing is allocated per batch beyond what the first call allocates. On a backend
     * that computes on Java arrays (the CPU) the steps read {@code images} and write
     * {@code adversarial} in place, with no copies; {@code adversarial} may be {@code images} itself.
     */
    public void iteratedSignSteps(Mode mode, float[] images, int[] labels, float epsilon, float lo, float hi, int steps,
                        float[] adversarial) {
        Objects.requireNonNull(adversarial, "adversarial");
        int count = validate(mode, images, labels, epsilon, lo, hi);
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (adversarial.length != images.length) {
            throw new IllegalArgumentException("adversarial has " + adversarial.length + " floats, images " + images.length);
        }
        try (Claim held = workspace.claim()) {
            int inputs = model.inputSize();
            int classes = model.classes();
            Backend backend = model.backend();
            float[] probabilities = mode == Mode.VIRTUAL ? new float[workspace.capacity() * classes] : null;
            for (int start = 0; start < count; start += workspace.capacity()) {
                int batch = Math.min(workspace.capacity(), count - start);
                workspace.checkBatch(batch);
                // where the backend computes on Java arrays (the CPU), the step reads the images and writes
                // x' in the caller's arrays, without copies in or out
                Tensor imagesHere = wrappedImages.wrap(backend, images, start * inputs, batch * inputs);
                Tensor adversarialHere = wrappedAdversarial.wrap(backend, adversarial, start * inputs, batch * inputs);
                Tensor x = imagesHere != null ? imagesHere : workspace.input(batch);
                Tensor moved = adversarialHere != null ? adversarialHere : workspace.adversarial(batch);
                if (imagesHere == null) {
                    x.copyFrom(images, start * inputs, 0, batch * inputs);
                }
                if (mode == Mode.VIRTUAL) {
                    int[] predicted = new int[batch];
                    workspace.logits(x);
                    workspace.crossEntropy(workspace.labels(batch), 1f, false);
                    workspace.probabilities(batch).copyTo(0, probabilities, 0, batch * classes);
                    predict(probabilities, batch, classes, predicted, new float[batch], 0);
                    workspace.labels(batch).copyFrom(predicted);
                } else {
                    workspace.labels(batch).copyFrom(labels, start);
                }
                Tensor current = x;
                for (int step = 0; step < steps; step++) {
                    // the virtual mode's first forward pass already ran at x
                    gradientStep(mode, current, moved, batch, epsilon, lo, hi, step > 0 || mode != Mode.VIRTUAL);
                    current = moved;
                }
                if (adversarialHere == null) {
                    moved.copyTo(0, adversarial, start * inputs, batch * inputs);
                }
            }
        }
    }

    /**
     * x' = clip(from + eps sign(grad J(from)), lo, hi), with the labels already in the workspace and,
     * unless {@code forward}, the forward pass at {@code from} already run; {@code to} may be {@code from}.
     * Ascends the loss of the label, or descends that of the target: the gradient's scale does not
     * change its sign, so no 1/batch.
     */
    private void gradientStep(Mode mode, Tensor from, Tensor to, int batch, float epsilon, float lo, float hi,
                              boolean forward) {
        workspace.fgsmStep(from, to, mode == Mode.TARGETED ? -1f : 1f, epsilon, lo, hi, forward);
    }

    /** Checks an attack's arguments before any native call; returns the number of samples. */
    private int validate(Mode mode, float[] images, int[] labels, float epsilon, float lo, float hi) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(images, "images");
        if (mode == Mode.VIRTUAL && labels != null) {
            throw new IllegalArgumentException("virtual FGSM takes no labels: it uses the model's own predictions");
        }
        if (mode != Mode.VIRTUAL) {
            Objects.requireNonNull(labels, mode == Mode.TARGETED ? "targets" : "labels");
        }
        int count = Evaluation.checkSamples(model, images, labels);
        if (!(epsilon >= 0) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
        if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("clip bounds must satisfy lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
        return count;
    }

    /** One batch: forward, loss gradient at the logits, backward to the input, sign step, forward again. */
    private void step(Mode mode, float[] images, int[] labels, int start, int batch, float epsilon, float lo, float hi,
                      FgsmResult result) {
        workspace.checkBatch(batch);
        int inputs = model.inputSize();
        int classes = model.classes();
        Tensor x = workspace.input(batch);
        x.copyFrom(images, start * inputs, 0, batch * inputs);
        workspace.logits(x);

        float[] probabilities = new float[batch * classes];
        int[] batchLabels = new int[batch];
        if (mode == Mode.VIRTUAL) {
            // softmax does not depend on the labels: compute it first to learn the model's own prediction
            workspace.crossEntropy(workspace.labels(batch), 1f, false);
            workspace.probabilities(batch).copyTo(0, probabilities, 0, probabilities.length);
            predict(probabilities, batch, classes, result.cleanClass(), result.cleanConfidence(), start);
            System.arraycopy(result.cleanClass(), start, batchLabels, 0, batch);
        } else {
            System.arraycopy(labels, start, batchLabels, 0, batch);
        }
        workspace.labels(batch).copyFrom(batchLabels);
        Tensor adversarial = workspace.adversarial(batch);
        gradientStep(mode, x, adversarial, batch, epsilon, lo, hi, false);
        if (mode != Mode.VIRTUAL) {
            // the clean prediction: the softmax the gradient step computed at x
            workspace.probabilities(batch).copyTo(0, probabilities, 0, probabilities.length);
            predict(probabilities, batch, classes, result.cleanClass(), result.cleanConfidence(), start);
        }
        workspace.logits(adversarial);
        workspace.crossEntropy(workspace.labels(batch), 1f, false);
        workspace.probabilities(batch).copyTo(0, probabilities, 0, probabilities.length);
        predict(probabilities, batch, classes, result.adversarialClass(), result.adversarialConfidence(), start);
        adversarial.copyTo(0, result.adversarial(), start * inputs, batch * inputs);
    }

    /** Arg-max class and its probability of each row of probabilities (batch, classes). */
    static void predict(float[] probabilities, int batch, int classes, int[] predicted, float[] confidence, int start) {
        for (int b = 0; b < batch; b++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (probabilities[b * classes + c] > probabilities[b * classes + best]) {
                    best = c;
                }
            }
            predicted[start + b] = best;
            confidence[start + b] = probabilities[b * classes + best];
        }
    }

    /** Frees the attack's buffers (not the model). */
    @Override
    public void close() {
        workspace.close();
    }

    /**
     * The tensor last wrapped over a range of a caller's array, used again while the same range comes
     * back, so that a loop over the same buffers allocates nothing per batch (on this project's VM a
     * step's few objects cost a microsecond, 3% of one image's step). Held weakly: an Fgsm never keeps
     * a caller's array alive; after a collection the range is wrapped anew.
     */
    private static final class WrappedRange {
        private WeakReference<float[]> array = new WeakReference<>(null);
        private WeakReference<Tensor> tensor = new WeakReference<>(null);
        private int offset;
        private int length;

        /** The backend's tensor over array[offset, offset + length), or null where it computes elsewhere. */
        Tensor wrap(Backend backend, float[] array, int offset, int length) {
            Tensor cached = tensor.get();
            if (cached != null && this.array.get() == array && this.offset == offset && this.length == length
                    && !cached.isClosed()) {
                return cached;
            }
            Tensor wrapped = backend.wrap(array, offset, length).orElse(null);
            if (wrapped != null) {
                this.array = new WeakReference<>(array);
                this.tensor = new WeakReference<>(wrapped);
                this.offset = offset;
                this.length = length;
            }
            return wrapped;
        }
    }
}

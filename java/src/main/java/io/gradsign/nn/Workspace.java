package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.DType;
import io.gradsign.Labels;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every buffer one batch of a {@link Network} needs, allocated once for batches of up to
 * {@link #capacity()} samples and reused, so a stream of batches runs without allocation. Smaller
 * batches use the leading samples of each buffer.
 *
 * <p>The passes: {@link #logits} runs the layers on a batch; then {@link #inputGradient} gives the
 * gradient at the input of any scalar function J of the logits, from dJ/dlogits (cross-entropy, a
 * targeted loss, one logit, a margin, a KL divergence: one backward pass serves them all), and
 * {@link #parameterGradients} the gradients of the parameters. {@link #crossEntropy} computes the
 * softmax cross-entropy and its logit gradient in one fused pass. {@link #fgsmStep} is one whole
 * FGSM step, through a backend's plan where it offers one (a chain of dense layers) and layer by
 * layer otherwise, with the same bits.
 *
 * <p>Threads: a workspace serves one thread at a time. A call while another thread is inside one
 * gets an {@link IllegalStateException}; {@link #claim} holds the workspace for a sequence of calls
 * (a forward pass and the backward passes that read it), so that no other thread's call comes in
 * between. Each call also reads the network's parameters ({@link Network}: shared by any number of
 * threads, refused while another thread updates them). The backward passes read the input given to
 * the last {@link #logits} call, which must not change in between.
 */
public final class Workspace implements AutoCloseable {
    private final Network network;
    private final Backend backend;
    private final int capacity;
    private final int depth;
    private final List<Tensor> owned = new ArrayList<>();
    private final OneThread caller = new OneThread("workspace");

    private final Tensor input;
    private final Tensor adversarial;
    /** outputs[l]: layer l's output (capacity, ...), after its fused activation; the last holds the logits. */
    private final Tensor[] outputs;
    /** gradients[l]: the gradient at layer l's input; gradients[depth]: at the logits. */
    private final Tensor[] gradients;
    /** indices[l]: what layer l's forward pass records for its backward pass (max pool's argmax), or null. */
    private final Tensor[] indices;
    private final Tensor probabilities;
    private final Tensor losses;
    private final Labels labels;
    private Tensor[][] parameterGradients;

    /** Views of the buffers for the last batch size (made once per change of size: garbage is slow at batch 1). */
    private int viewBatch;
    private Shape[] batchShapes;
    private Tensor inputView;
    private Tensor adversarialView;
    private Tensor[] outputViews;
    private Tensor[] gradientViews;
    private Tensor[] indexViews;
    private Tensor probabilitiesView;
    private Tensor lossesView;
    private Labels labelsView;

    /** The input and batch size of the last forward pass. */
    private Tensor lastInput;
    private int lastBatch;

    /** The dense chain of planBatch samples (0: none yet) and the backend's plan for it, if any. */
    private int planBatch;
    private DenseChain chain;
    private Optional<GradientStep> plan = Optional.empty();
    private final boolean denseOnly;

    Workspace(Network network, int capacity) {
        network.checkOpen();
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.network = network;
        this.backend = network.backend();
        this.capacity = capacity;
        this.depth = network.layers().size();
        boolean dense = network.inputShape().rank() == 1;
        for (Layer layer : network.layers()) {
            dense &= layer instanceof Dense;
        }
        this.denseOnly = dense;
        try {
            Shape inputShape = Shape.batchOf(capacity, network.inputShape());
            input = allocate(inputShape);
            adversarial = allocate(inputShape);
            outputs = new Tensor[depth];
            gradients = new Tensor[depth + 1];
            indices = new Tensor[depth];
            for (int l = 0; l < depth; l++) {
                Layer layer = network.layers().get(l);
                outputs[l] = allocate(Shape.batchOf(capacity, network.shapeAt(l + 1)));
                gradients[l] = allocate(Shape.batchOf(capacity, network.shapeAt(l)));
                Optional<Shape> index = layer.indexShape(network.shapeAt(l));
                if (index.isPresent()) {
                    indices[l] = backend.allocate(Shape.batchOf(capacity, index.get()), DType.INT32);
                    owned.add(indices[l]);
                }
            }
            gradients[depth] = allocate(Shape.of(capacity, network.classes()));
            probabilities = allocate(Shape.of(capacity, network.classes()));
            losses = allocate(Shape.of(capacity));
            labels = backend.uploadLabels(new int[capacity], network.classes());
            owned.add(labels.storage());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Tensor allocate(Shape shape) {
        Tensor t = backend.allocate(shape);
        owned.add(t);
        return t;
    }

    public Network network() {
        return network;
    }

    /** The largest batch this workspace holds. */
    public int capacity() {
        return capacity;
    }

    /** Checks a batch size against the capacity, and the network and this workspace against closing. */
    public void checkBatch(int batch) {
        network.checkOpen();
        if (labels.isClosed()) {
            throw new IllegalStateException("workspace is closed");
        }
        if (batch <= 0 || batch > capacity) {
            throw new IllegalArgumentException("batch must be in [1, " + capacity + "], got " + batch);
        }
    }

    private void viewsFor(int batch) {
        if (batch == viewBatch) {
            return;
        }
        batchShapes = new Shape[depth + 1];
        outputViews = new Tensor[depth];
        gradientViews = new Tensor[depth + 1];
        indexViews = new Tensor[depth];
        for (int l = 0; l <= depth; l++) {
            batchShapes[l] = Shape.batchOf(batch, network.shapeAt(l));
            gradientViews[l] = gradients[l].slice(0, batch);
            if (l < depth) {
                outputViews[l] = outputs[l].slice(0, batch);
                indexViews[l] = indices[l] == null ? null : indices[l].slice(0, batch);
            }
        }
        inputView = input.slice(0, batch);
        adversarialView = adversarial.slice(0, batch);
        probabilitiesView = probabilities.slice(0, batch);
        lossesView = losses.slice(0, batch);
        labelsView = labels.prefix(batch);
        viewBatch = batch;
    }

    /** The workspace's own input buffer for {@code batch} samples, (batch, input shape...). */
    public Tensor input(int batch) {
        enter();
        try {
            checkBatch(batch);
            viewsFor(batch);
            return inputView;
        } finally {
            exit();
        }
    }

    /** A second input-shaped buffer, where an attack writes x'. */
    public Tensor adversarial(int batch) {
        enter();
        try {
            checkBatch(batch);
            viewsFor(batch);
            return adversarialView;
        } finally {
            exit();
        }
    }

    /** The labels buffer of {@code batch} samples, which {@link #crossEntropy} and {@link #fgsmStep} read. */
    public Labels labels(int batch) {
        enter();
        try {
            checkBatch(batch);
            viewsFor(batch);
            return labelsView;
        } finally {
            exit();
        }
    }

    /** The softmax of the logits after {@link #crossEntropy}, (batch, classes). */
    public Tensor probabilities(int batch) {
        enter();
        try {
            checkBatch(batch);
            viewsFor(batch);
            return probabilitiesView;
        } finally {
            exit();
        }
    }

    /** The per-sample losses after {@link #crossEntropy}, (batch). */
    public Tensor losses(int batch) {
        enter();
        try {
            checkBatch(batch);
            viewsFor(batch);
            return lossesView;
        } finally {
            exit();
        }
    }

    /**
     * The workspace's buffer for dJ/dlogits of {@code batch} samples, (batch, classes): where
     * {@link #crossEntropy} writes, and a buffer a caller may fill with another loss's gradient
     * (passing it back costs no copy).
     */
    public Tensor logitGradient(int batch) {
        enter();
        try {
            checkBatch(batch);
            viewsFor(batch);
            return gradientViews[depth];
        } finally {
            exit();
        }
    }

    /**
     * Runs the layers on {@code x}, (batch, input shape...) or flat with batch &times; the input size
     * floats, and returns the logits (batch, classes), a view of the workspace's buffer.
     *
     * @throws IllegalArgumentException if x is not a whole batch of at most {@link #capacity()} samples of
     *     the network's input shape (the message names both shapes)
     */
    public Tensor logits(Tensor x) {
        enter();
        try {
            int batch = batchOf(x);
            viewsFor(batch);
            Tensor current = x;
            List<Layer> layers = network.layers();
            for (int l = 0; l < depth; l++) {
                layers.get(l).forward(backend, batchShapes[l], current, outputViews[l], network.parameters(l),
                        indexViews[l]);
                current = outputViews[l];
            }
            lastInput = x;
            lastBatch = batch;
            return current;
        } finally {
            exit();
        }
    }

    /**
     * {@link #logits(Tensor)} for a batch whose first {@code reuse} samples are those of the last forward
     * pass (through {@link #logits} or {@link #fgsmStep}), which ran on the same rows of the same buffer:
     * their outputs in every layer are kept, and the layers run on the other samples only. Adversarial
     * training's forward pass over x and x' after the step that made x' from x costs the x' half alone.
     * The caller vouches that rows [0, reuse) of x hold what the last pass read.
     *
     * @throws IllegalStateException if the last forward pass ran on fewer than {@code reuse} samples
     * @throws IllegalArgumentException as {@link #logits(Tensor)}, or if reuse is negative or not below the batch
     */
    public Tensor logits(Tensor x, int reuse) {
        enter();
        try {
            int batch = batchOf(x);
            if (reuse < 0 || reuse >= batch) {
                throw new IllegalArgumentException("reuse must be in [0, " + batch + "), got " + reuse);
            }
            if (reuse > 0 && lastBatch < reuse) {
                throw new IllegalStateException("the last forward pass ran on " + lastBatch + " samples, fewer than the "
                        + reuse + " to reuse");
            }
            viewsFor(batch);
            int fresh = batch - reuse;
            Tensor current = x.reshape(batchShapes[0]).slice(reuse, fresh);
            List<Layer> layers = network.layers();
            for (int l = 0; l < depth; l++) {
                Tensor out = outputViews[l].slice(reuse, fresh);
                layers.get(l).forward(backend, Shape.batchOf(fresh, network.shapeAt(l)), current, out,
                        network.parameters(l), indexViews[l] == null ? null : indexViews[l].slice(reuse, fresh));
                current = out;
            }
            lastInput = x;
            lastBatch = batch;
            return outputViews[depth - 1];
        } finally {
            exit();
        }
    }

    /**
     * Softmax cross-entropy of the last {@link #logits} against {@code labels} (one per sample):
     * probabilities and losses always, and with {@code withGradient} dJ/dlogits scaled by
     * {@code gradientScale} (1/batch for the mean loss; negative to descend, as a targeted attack
     * does) into {@link #logitGradient}, which it returns.
     */
    public Tensor crossEntropy(Labels labels, float gradientScale, boolean withGradient) {
        enter();
        try {
            int batch = requireForward();
            viewsFor(batch);
            if (labels.count() != batch) {
                throw new IllegalArgumentException(labels.count() + " labels for a batch of " + batch);
            }
            Tensor dLogits = gradientViews[depth];
            backend.softmaxCrossEntropy(probabilitiesView, lossesView, withGradient ? dLogits : null, outputViews[depth - 1],
                    labels, batch, network.classes(), gradientScale);
            return dLogits;
        } finally {
            exit();
        }
    }

    /**
     * The gradient at the input of the last {@link #logits} call of the scalar function J whose gradient
     * at the logits is {@code dLogits} (batch, classes): one backward pass through every layer, no
     * parameter gradients. Returns a view of the workspace's buffer, (batch, input shape...).
     */
    public Tensor inputGradient(Tensor dLogits) {
        enter();
        try {
            backward(dLogits, false, true);
            return gradientViews[0];
        } finally {
            exit();
        }
    }

    /**
     * The gradient at the input that the last {@link #inputGradient} or {@link #fgsmStep} left, (batch,
     * input shape...), a view of the workspace's buffer, valid until the next backward pass: the
     * direction of every FGSM step from that input, whatever its epsilon.
     *
     * @throws IllegalStateException before any forward pass
     */
    public Tensor lastInputGradient() {
        enter();
        try {
            int batch = requireForward();
            viewsFor(batch);
            return gradientViews[0];
        } finally {
            exit();
        }
    }

    /**
     * The gradients of every parameter of J whose gradient at the logits of the last {@link #logits}
     * call is {@code dLogits}, into {@link #parameterGradient} (overwritten).
     */
    public void parameterGradients(Tensor dLogits) {
        enter();
        try {
            if (parameterGradients == null) {
                parameterGradients = new Tensor[depth][];
                for (int l = 0; l < depth; l++) {
                    List<Shape> shapes = network.layers().get(l).parameterShapes(network.shapeAt(l));
                    parameterGradients[l] = new Tensor[shapes.size()];
                    for (int p = 0; p < shapes.size(); p++) {
                        parameterGradients[l][p] = allocate(shapes.get(p));
                    }
                }
            }
            backward(dLogits, true, false);
        } finally {
            exit();
        }
    }

    /** The gradient of parameter {@code index} (0 weights, 1 bias) of layer {@code l} after {@link #parameterGradients}. */
    public Tensor parameterGradient(int l, int index) {
        enter();
        try {
            if (parameterGradients == null) {
                throw new IllegalStateException("no parameter gradients yet: call parameterGradients first");
            }
            return parameterGradients[l][index];
        } finally {
            exit();
        }
    }

    private void backward(Tensor dLogits, boolean parameters, boolean input) {
        // the views of the forward pass's batch (a call for another size in between re-slices them)
        viewsFor(requireForward());
        Tensor top = gradientViews[depth];
        if (dLogits.length() != top.length()) {
            throw new IllegalArgumentException("dLogits has shape " + dLogits.shape() + ", the last forward pass gives "
                    + top.shape());
        }
        if (dLogits != top) {
            backend.copy(top, dLogits);
        }
        List<Layer> layers = network.layers();
        int lowest = input ? 0 : 1;
        for (int l = depth - 1; l >= 0; l--) {
            Layer layer = layers.get(l);
            Tensor dy = gradientViews[l + 1];
            if (layer.activation() != Activation.NONE) {
                backend.activationBackward(dy, dy, outputViews[l], layer.activation());
            }
            Tensor x = l == 0 ? lastInput : outputViews[l - 1];
            if (parameters && parameterGradients[l].length > 0) {
                layer.backwardParameters(backend, batchShapes[l], dy, x, network.parameters(l),
                        List.of(parameterGradients[l]));
            }
            if (l < lowest) {
                break;
            }
            layer.backwardInput(backend, batchShapes[l], dy, gradientViews[l], x, outputViews[l],
                    network.parameters(l), indexViews[l]);
        }
    }

    /**
     * One FGSM step: to = clip(from + epsilon &middot; sign(dJ/dfrom), lo, hi), J the cross-entropy of
     * {@link #labels}(batch) with its logit gradient scaled by {@code gradientScale} (its sign
     * chooses ascent or descent). With {@code forward}, the forward pass at {@code from} first
     * (without, the last {@link #logits} call must have been at from). Runs the backend's plan for a
     * network of dense layers where it has one (the CPU's for one sample and for larger batches of ReLU
     * or no activations, CUDA's for any batch), else layer by layer; both leave the same values in every
     * buffer (within float rounding where a plan sums a product in an order of its own). {@code to} may be {@code from}.
     */
    public void fgsmStep(Tensor from, Tensor to, float gradientScale, float epsilon, float lo, float hi,
                         boolean forward) {
        enter();
        try {
            int batch = batchOf(from);
            viewsFor(batch);
            if (denseOnly) {
                if (planBatch != batch) {
                    chain = chain(batch);
                    plan = Plans.denseStep(backend, chain);
                    planBatch = batch;
                }
                if (plan.isPresent()) {
                    plan.get().run(from, to, gradientScale, epsilon, lo, hi, forward);
                } else {
                    chain.stepByOperations(backend, from, to, gradientScale, epsilon, lo, hi, forward);
                }
                lastInput = from;
                lastBatch = batch;
                return;
            }
            if (forward) {
                logits(from);
            } else if (lastBatch != batch) {
                throw new IllegalStateException("no forward pass at this batch of " + batch + " yet");
            } else {
                lastInput = from;
            }
            Tensor dLogits = crossEntropy(labelsView, gradientScale, true);
            Tensor gradient = inputGradient(dLogits);
            backend.signStep(to, from, gradient, epsilon, lo, hi);
        } finally {
            exit();
        }
    }

    /** The buffers of {@code batch} samples as a backend's dense plan binds them. */
    private DenseChain chain(int batch) {
        List<Layer> layers = network.layers();
        int[] widths = new int[depth + 1];
        Activation[] activations = new Activation[depth];
        Tensor[] weights = new Tensor[depth];
        Tensor[] biases = new Tensor[depth];
        widths[0] = network.inputSize();
        for (int l = 0; l < depth; l++) {
            widths[l + 1] = ((Dense) layers.get(l)).outFeatures();
            activations[l] = layers.get(l).activation();
            weights[l] = network.parameters(l).get(0);
            biases[l] = network.parameters(l).get(1);
        }
        Tensor[] inputGradients = new Tensor[depth];
        System.arraycopy(gradientViews, 0, inputGradients, 0, depth);
        return new DenseChain(batch, widths, activations, weights, biases, outputViews, inputGradients,
                probabilitiesView, lossesView, gradientViews[depth], labelsView);
    }

    private int requireForward() {
        if (lastBatch == 0) {
            throw new IllegalStateException("no forward pass yet: call logits first");
        }
        network.checkOpen();
        return lastBatch;
    }

    /** The number of samples in x, checked against the network's input shape and the capacity. */
    private int batchOf(Tensor x) {
        network.checkOpen();
        if (labels.isClosed()) {
            throw new IllegalStateException("workspace is closed");
        }
        long size = network.inputSize();
        if (x.length() == 0 || x.length() % size != 0) {
            throw new IllegalArgumentException("x has shape " + x.shape() + ", not a whole batch of samples of shape "
                    + network.inputShape());
        }
        long batch = x.length() / size;
        if (batch > capacity) {
            throw new IllegalArgumentException("x holds " + batch + " samples, more than this workspace's capacity of "
                    + capacity);
        }
        if (x.shape().rank() > 1) {
            Shape expected = Shape.batchOf((int) batch, network.inputShape());
            if (!x.shape().equals(expected)) {
                throw new IllegalArgumentException("x has shape " + x.shape() + ", expected " + expected);
            }
        }
        return (int) batch;
    }

    /**
     * Holds this workspace for the calling thread until the claim is closed: other threads' calls are
     * refused in between, this thread's go on. For a sequence of calls that belong together.
     *
     * @throws IllegalStateException while another thread is inside a call or holds a claim, or the
     *     network is closed or being updated by another thread
     */
    public Claim claim() {
        boolean outermost = !caller.heldByMe();
        enter();
        if (outermost) {
            // one object for every outermost claim, so that an attack's call allocates nothing (garbage
            // is slow at batch 1); only the holder can reach its flag
            outerClaimOpen = true;
            return outerClaim;
        }
        return Claim.once(this::exit);
    }

    private boolean outerClaimOpen;

    private final Claim outerClaim = () -> {
        if (outerClaimOpen && caller.heldByMe()) {
            outerClaimOpen = false;
            exit();
        }
    };

    /** Admits the calling thread (see {@link OneThread}); its outermost call also counts as a reader of the parameters. */
    private void enter() {
        if (caller.enter()) {
            try {
                network.beginRead();
            } catch (RuntimeException e) {
                caller.exit();
                throw e;
            }
        }
    }

    /** Leaves; the outermost call of the thread also stops counting as a reader. */
    private void exit() {
        if (caller.exit()) {
            network.endRead();
        }
    }

    /**
     * Frees every buffer. Idempotent.
     *
     * @throws IllegalStateException while another thread is inside a call or holds a claim
     */
    @Override
    public void close() {
        caller.enter();
        try {
            for (Tensor t : owned) {
                t.close();
            }
        } finally {
            caller.exit();
        }
    }
}

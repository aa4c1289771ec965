package io.gradsign.nn;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sequence of {@link Layer}s built for one sample's input shape, ending in flat logits, with its
 * parameters on one backend. A ReLU, tanh or sigmoid layer right after a {@link Dense} or
 * {@link Conv2d} layer is fused into it ({@link #layers()} lists the fused form). Run it through a
 * {@link Workspace} ({@link #workspace(int)}), which holds every buffer of a batch.
 *
 * <p>Threads: a network's parameters may be shared read-only by workspaces on any number of threads
 * (attacks, evaluation), each thread with workspaces of its own: a {@link Workspace}, and what holds
 * one (an {@code Fgsm}, a {@code Trainer}), serves one thread at a time, and a second thread's
 * overlapping call gets an {@link IllegalStateException}. Writing the parameters needs the network
 * alone: a trainer holds {@link #claimForUpdate} for an epoch, and while it does, other threads'
 * workspace calls are refused, as the update is while they run. {@link #close} is refused while
 * any call is inside. Writes to {@link #parameters} tensors outside these claims are the caller's
 * to order.
 */
public final class Network implements AutoCloseable {
    private final Backend backend;
    private final List<Layer> layers;
    /** shapes[i]: one sample's input of layer i; shapes[layers]: the logits (classes,). */
    private final Shape[] shapes;
    private final Tensor[][] parameters;
    private final List<List<Tensor>> parameterLists = new ArrayList<>();
    private volatile boolean closed;

    // Who is using the parameters: reads counts the workspace calls inside (all threads; a lock-free
    // counter, since a batch of one takes a call every microsecond or so); updater holds a claim for
    // writing, updates deep (both written under useLock). A reader counts itself, then looks for an
    // updater; an updater (and close) marks itself, then looks at the count: with volatile fields
    // one of the two always sees the other, and backs off.
    private final Object useLock = new Object();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile Thread updater;
    private int updates;

    private Network(Backend backend, List<Layer> layers, Shape[] shapes, Tensor[][] parameters) {
        this.backend = backend;
        this.layers = List.copyOf(layers);
        this.shapes = shapes;
        this.parameters = parameters;
        for (Tensor[] layer : parameters) {
            parameterLists.add(List.of(layer));
        }
    }

    /** How {@link #create} draws a new network's parameters. */
    public enum Initialisation {
        /**
         * Weights uniform in &plusmn;sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010), biases zero: the
         * default.
         */
        GLOROT_UNIFORM,
        /**
         * Weights and biases uniform in &plusmn;1/sqrt(fanIn): PyTorch's default for its Linear and Conv2d layers
         * (kaiming_uniform with a = &radic;5 bounds the weights there, the biases by the same 1/sqrt(fanIn)), for
         * reproducing a PyTorch recipe from the same start.
         */
        FAN_IN_UNIFORM
    }

    /**
     * A network of {@code layers} for samples of {@code inputShape}, weights drawn uniformly in
     * &plusmn;sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010; for a convolution fanIn = C&middot;kh&middot;kw,
     * fanOut = K&middot;kh&middot;kw) from {@code seed}, biases zero.
     *
     * @throws IllegalArgumentException naming the layer and the shapes where one layer cannot take the
     *     previous one's output, or if the last output is not flat
     */
    public static Network create(Backend backend, Shape inputShape, List<Layer> layers, long seed) {
        return create(backend, inputShape, layers, seed, Initialisation.GLOROT_UNIFORM);
    }

    /**
     * A network of {@code layers} for samples of {@code inputShape}, its parameters drawn from {@code seed}
     * as {@code initialisation} says (for a convolution fanIn = C&middot;kh&middot;kw, fanOut = K&middot;kh&middot;kw).
     *
     * @throws IllegalArgumentException as {@link #create(Backend, Shape, List, long)}
     */
    public static Network create(Backend backend, Shape inputShape, List<Layer> layers, long seed,
                                 Initialisation initialisation) {
        java.util.Objects.requireNonNull(initialisation, "initialisation");
        List<Layer> fused = fuse(layers);
        Shape[] shapes = shapes(inputShape, fused);
        Random random = new Random(seed);
        List<float[]> values = new ArrayList<>();
        for (int l = 0; l < fused.size(); l++) {
            List<Shape> parameterShapes = fused.get(l).parameterShapes(shapes[l]);
            if (parameterShapes.isEmpty()) {
                continue;
            }
            Shape w = parameterShapes.get(0);
            long receptive = w.size() / ((long) w.dim(0) * w.dim(1));
            double fanIn = (double) w.dim(1) * receptive;
            double fanOut = (double) w.dim(0) * receptive;
            boolean glorot = initialisation == Initialisation.GLOROT_UNIFORM;
            float limit = (float) (glorot ? Math.sqrt(6.0 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn));
            float[] weights = new float[Math.toIntExact(w.size())];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (2 * random.nextFloat() - 1) * limit;
            }
            values.add(weights);
            for (int p = 1; p < parameterShapes.size(); p++) {
                float[] bias = new float[Math.toIntExact(parameterShapes.get(p).size())];
                for (int i = 0; i < bias.length && !glorot; i++) {
                    bias[i] = (2 * random.nextFloat() - 1) * limit;
                }
                values.add(bias);
            }
        }
        return fromParameters(backend, inputShape, fused, values);
    }

    /**
     * A network with the given parameter values (copied to the backend): for each layer with
     * parameters in order, its weights then its bias, each as {@link Layer#parameterShapes} lays it
     * out. Every value must be finite.
     */
    public static Network fromParameters(Backend backend, Shape inputShape, List<Layer> layers, List<float[]> values) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(values, "values");
        List<Layer> fused = fuse(layers);
        Shape[] shapes = shapes(inputShape, fused);
        int expected = 0;
        for (int l = 0; l < fused.size(); l++) {
            expected += fused.get(l).parameterShapes(shapes[l]).size();
        }
        if (values.size() != expected) {
            throw new IllegalArgumentException("the layers " + LayerSpec.format(fused) + " take " + expected
                    + " parameter arrays, got " + values.size());
        }
        Tensor[][] parameters = new Tensor[fused.size()][];
        int next = 0;
        try {
            for (int l = 0; l < fused.size(); l++) {
                List<Shape> parameterShapes = fused.get(l).parameterShapes(shapes[l]);
                parameters[l] = new Tensor[parameterShapes.size()];
                for (int p = 0; p < parameterShapes.size(); p++) {
                    float[] v = values.get(next++);
                    String what = (p == 0 ? "weights" : "bias") + " of layer " + l + " (" + fused.get(l).spec() + ")";
                    checkValues(v, parameterShapes.get(p), what);
                    parameters[l][p] = backend.allocate(parameterShapes.get(p));
                    parameters[l][p].copyFrom(v);
                }
            }
        } catch (RuntimeException e) {
            closeAll(parameters);
            throw e;
        }
        return new Network(backend, fused, shapes, parameters);
    }

    /**
     * The shapes of every parameter array of {@code layers} (activations fused) for samples of
     * {@code inputShape}, in {@link #fromParameters}'s order; checks the layers as {@link #create} does.
     */
    public static List<Shape> parameterShapes(Shape inputShape, List<Layer> layers) {
        List<Layer> fused = fuse(layers);
        Shape[] shapes = shapes(inputShape, fused);
        List<Shape> result = new ArrayList<>();
        for (int l = 0; l < fused.size(); l++) {
            result.addAll(fused.get(l).parameterShapes(shapes[l]));
        }
        return result;
    }

    /** An MLP for flat inputs: ReLU hidden layers of the given widths, then a dense layer to {@code classes}. */
    public static List<Layer> mlp(int[] hidden, int classes) {
        List<Layer> layers = new ArrayList<>();
        for (int h : hidden) {
            layers.add(new Dense(h, Activation.RELU));
        }
        layers.add(new Dense(classes));
        return layers;
    }

    /** Softmax regression: one dense layer to {@code classes}, no activation. */
    public static List<Layer> softmaxRegression(int classes) {
        return List.of(new Dense(classes));
    }

    /**
     * The layers with each ReLU, tanh or sigmoid fused into a dense or convolution layer just before
     * it that has no activation yet; other layers unchanged.
     */
    public static List<Layer> fuse(List<Layer> layers) {
        Objects.requireNonNull(layers, "layers");
        List<Layer> fused = new ArrayList<>();
        for (Layer layer : layers) {
            Objects.requireNonNull(layer, "layer");
            if (layer instanceof ActivationLayer activation && !fused.isEmpty()) {
                Optional<Layer> merged = fused.get(fused.size() - 1).fuse(activation.function());
                if (merged.isPresent()) {
                    fused.set(fused.size() - 1, merged.get());
                    continue;
                }
            }
            fused.add(layer);
        }
        return fused;
    }

    private static Shape[] shapes(Shape inputShape, List<Layer> layers) {
        Objects.requireNonNull(inputShape, "inputShape");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        if (inputShape.rank() == 0 || inputShape.size() == 0) {
            throw new IllegalArgumentException("the input shape must have at least one element, got " + inputShape);
        }
        Shape[] shapes = new Shape[layers.size() + 1];
        shapes[0] = inputShape;
        for (int l = 0; l < layers.size(); l++) {
            try {
                shapes[l + 1] = layers.get(l).outputShape(shapes[l]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("layer " + l + " (" + layers.get(l).spec() + ") is too large for input "
                        + shapes[l] + ": its weights or output would pass 2^31 - 1 elements");
            }
            if (shapes[l + 1].size() == 0 || shapes[l + 1].size() > Integer.MAX_VALUE / 4) {
                throw new IllegalArgumentException("layer " + l + " (" + layers.get(l).spec() + ") gives output "
                        + shapes[l + 1] + " for input " + shapes[l]);
            }
            for (Shape p : layers.get(l).parameterShapes(shapes[l])) {
                if (p.size() > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("layer " + l + " (" + layers.get(l).spec() + ") needs "
                            + p.size() + " parameters for input " + shapes[l] + ": too many");
                }
            }
        }
        if (shapes[layers.size()].rank() != 1) {
            throw new IllegalArgumentException("the last layer must give flat logits (classes,), got "
                    + shapes[layers.size()]);
        }
        return shapes;
    }

    public Backend backend() {
        return backend;
    }

    /** The layers, activations fused. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layers in the short form of {@link LayerSpec}. */
    public String spec() {
        return LayerSpec.format(layers);
    }

    /** One sample's input shape. */
    public Shape inputShape() {
        return shapes[0];
    }

    /** Floats per sample at the input. */
    public int inputSize() {
        return (int) shapes[0].size();
    }

    /** One sample's input shape of layer {@code l} ({@code l = layers().size()}: the logits). */
    public Shape shapeAt(int l) {
        return shapes[l];
    }

    /** Classes at the output. */
    public int classes() {
        return shapes[shapes.length - 1].dim(0);
    }

    /** The parameter tensors of layer {@code l} (weights, bias; none for a layer without). Writing them changes the network. */
    public List<Tensor> parameters(int l) {
        checkOpen();
        return parameterLists.get(l);
    }

    /** The weights of layer {@code l} read back (a layer with parameters: dense (out, in), convolution (K, C, kh, kw)). */
    public float[] weights(int l) {
        return parameter(l, 0).toArray();
    }

    /** The bias of layer {@code l} read back. */
    public float[] biases(int l) {
        return parameter(l, 1).toArray();
    }

    private Tensor parameter(int l, int index) {
        List<Tensor> layer = parameters(l);
        if (index >= layer.size()) {
            throw new IllegalArgumentException("layer " + l + " (" + layers.get(l).spec() + ") has no parameters");
        }
        return layer.get(index);
    }

    /** Every parameter's values read back, in {@link #fromParameters}'s order. */
    public List<float[]> parameterValues() {
        beginRead();
        try {
            List<float[]> values = new ArrayList<>();
            for (Tensor[] layer : parameters) {
                for (Tensor t : layer) {
                    values.add(t.toArray());
                }
            }
            return values;
        } finally {
            endRead();
        }
    }

    /**
     * Marks the start of a call that reads the parameters (a workspace's). Any number of threads may
     * read at once.
     *
     * @throws IllegalStateException if the network is closed, or claimed for an update by another thread
     */
    void beginRead() {
        reads.incrementAndGet();
        Thread u = updater;
        if (closed || (u != null && u != Thread.currentThread())) {
            reads.decrementAndGet();
            checkOpen();
            throw new IllegalStateException("network is being updated by thread \"" + u.getName() + "\" (this is"
                    + " thread \"" + Thread.currentThread().getName() + "\"): its parameters are shared read-only,"
                    + " and training needs the network alone; attack or evaluate it before or after");
        }
        if (backend.isClosed()) {
            reads.decrementAndGet();
            checkOpen();
        }
    }

    /** Marks the end of a call that {@link #beginRead} began. */
    void endRead() {
        reads.decrementAndGet();
    }

    /**
     * Claims the parameters for writing by the calling thread (a trainer's epoch) until the claim is
     * closed: the calling thread may go on reading them (through its own workspaces) while it holds
     * the claim; other threads' workspace calls are refused until then. Claims nest on one thread.
     *
     * @throws IllegalStateException if the network is closed, claimed by another thread, or inside a
     *     workspace call now (another thread's, or one of this thread's begun before the claim)
     */
    public Claim claimForUpdate() {
        synchronized (useLock) {
            checkOpen();
            Thread me = Thread.currentThread();
            Thread u = updater;
            if (u != null && u != me) {
                throw new IllegalStateException("network is already being updated by thread \"" + u.getName()
                        + "\" (this is thread \"" + me.getName() + "\")");
            }
            if (u == null) {
                updater = me;
                int inside = reads.get();
                if (inside > 0) {
                    updater = null;
                    throw new IllegalStateException("network is being read by " + inside + " call(s) (this is"
                            + " thread \"" + me.getName() + "\"): an update needs the network alone; train it before"
                            + " or after attacking it");
                }
            }
            updates++;
        }
        return Claim.once(this::endUpdate);
    }

    private void endUpdate() {
        synchronized (useLock) {
            if (--updates == 0) {
                updater = null;
            }
        }
    }

    /** The number of parameters (floats) of the whole network. */
    public long parameterCount() {
        long count = 0;
        for (Tensor[] layer : parameters) {
            for (Tensor t : layer) {
                count += t.length();
            }
        }
        return count;
    }

    /** A workspace for batches of up to {@code capacity} samples (the caller closes it). */
    public Workspace workspace(int capacity) {
        return new Workspace(this, capacity);
    }

    /** Throws {@link IllegalStateException} once the network or its backend is closed. */
    public void checkOpen() {
        if (closed || backend.isClosed()) {
            throw new IllegalStateException("network is closed");
        }
    }

    public boolean isClosed() {
        return closed || backend.isClosed();
    }

    /**
     * Frees the parameters. Idempotent.
     *
     * @throws IllegalStateException while a call reads them or a claim for an update is open
     */
    @Override
    public void close() {
        synchronized (useLock) {
            if (closed) {
                return;
            }
            Thread u = updater;
            closed = true;
            int inside = reads.get();
            if (inside > 0 || u != null) {
                closed = false;
                throw new IllegalStateException("network is in use (" + inside + " call(s) reading its parameters"
                        + (u == null ? "" : ", an update by thread \"" + u.getName() + "\"")
                        + "): close it after they end");
            }
        }
        closeAll(parameters);
    }

    private static void closeAll(Tensor[][] tensors) {
        for (Tensor[] layer : tensors) {
            if (layer != null) {
                for (Tensor t : layer) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }

    private static void checkValues(float[] values, Shape shape, String what) {
        Objects.requireNonNull(values, what);
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(what + ": " + values.length + " floats, its shape " + shape + " needs "
                    + shape.size());
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] is " + values[i]);
            }
        }
    }
}

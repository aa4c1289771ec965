package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.Tensor;
import io.gradsign.cpu.bindings.CpuKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * One sample's FGSM gradient step through a dense chain, as one piece of {@link PhasedWork}: the
 * kernels and splits of the separate operations ({@link Dense}, {@link SoftmaxCrossEntropy},
 * {@link ActivationBackward}, {@link SignStep}), so the same bits, with the serial work between
 * them moved into the phases. Each layer's output rows are split in the same ranges forward and
 * backward; a range of the backward pass first adds the shares of the layer above for its own rows
 * and applies its activation's derivative there, so the sums and derivatives need no phase of their
 * own, and the last phase adds the first layer's shares and takes the sign step, a range of columns
 * per core. Consecutive phases of one item run as one. A last layer of one range (a few classes)
 * above a split layer is the head: every range of the layer below computes it, with the loss, for
 * itself, and goes on with its own backward pass, instead of all waiting on one core. For the MLP
 * 784-512-512-10 on two cores that is five phases where the separate operations hand out four split
 * pieces and run the rest on the caller alone.
 *
 * <p>The step is bound by streaming the weights through the caches, so a layer whose input is often
 * zero runs its forward pass over a transposed copy of its weights, one block (in, rows of the range)
 * per range of output rows, that skips the zero inputs' rows: a hidden layer above a ReLU (about half
 * its inputs are zero), and the first layer when at least a quarter of the image is zero
 * (Fashion-MNIST's background is half of it). The hidden layer also runs its backward product over
 * its block, reading only the rows its forward pass read (the inputs the ReLU let through), still in
 * that core's cache. Both run in orders of their own (see gradsign_cpu.h), so those layers' outputs
 * and input gradients, and what follows from them, may differ from the separate operations' in the
 * last bits; every other product gives the operations' bits. The copy is made on the first step and
 * again on the first step after any write to the weights' array through this backend
 * ({@link CpuTensor#writes}); weights wrapped over a caller's array, which the caller may write
 * unseen, get no copy.
 */
final class FusedStepOne implements GradientStep, PhasedWork.Item {
    private static final int FORWARD = 0;
    private static final int LOSS = 1;
    private static final int BACKWARD = 2;
    private static final int STEP = 3;
    /**
     * The last layer forward, the loss and the last layer backward, computed by every range of the
     * layer below, each for itself (a few thousand multiply-adds), then that range's backward pass:
     * no phase in which one core works and the others wait.
     */
    private static final int HEAD = 4;

    private final int layers;
    private final int[] widths;
    private final Activation[] activations;
    /** Ranges of each layer's output rows, forward and backward (Dense's split of one sample). */
    private final int[] parts;
    private final float[][] weights;
    private final int[] weightsOffsets;
    private final float[][] biases;
    private final int[] biasOffsets;
    private final float[][] outputs;
    private final int[] outputOffsets;
    private final float[][] inputGradients;
    private final int[] inputGradientOffsets;
    /** Each layer's shares of its input gradient from its ranges after the first (parts - 1 of them), or null. */
    private final float[][] shares;
    private final float[] probabilities;
    private final int probabilitiesOffset;
    private final float[] losses;
    private final int lossesOffset;
    private final float[] logitGradients;
    private final int logitGradientsOffset;
    private final int[] labels;
    private final int labelsOffset;
    /** The head's copies for each range after the first (logits, probabilities, loss, logit gradient), or null. */
    private final float[][] headScratch;
    /** Each range's copy of the gradient at the last layer's input, where the head runs per range. */
    private final float[][] headInputGradients;
    private final double[][] exps;

    /** The fewest outputs for which a layer runs over transposed weights (a few vectors of rows per core). */
    static final int TRANSPOSED_MIN_OUTPUTS = 64;
    /** Per layer, whether it runs over transposed weights (the first layer only when its input is sparse). */
    private final boolean[] transposes;
    /** Per layer, its weights transposed, a block per range of rows (see transpose); null until made or unused. */
    private final float[][] transposed;
    /** Per layer, the write count of its weights' array. */
    private final CpuTensor.Writes[] weightWrites;
    /** Per layer, the write count its transposed copy was made at. */
    private final long[] transposedAt;
    /** Per layer, where its transposed copy starts in its array: on a cache line when it was made. */
    private final int[] transposedStart;
    /** The tensors the step writes, whose write counts it advances. */
    private final CpuTensor[] written;

    /** The phases with and without the forward pass; each phase a list of operations (kind, layer). */
    private final PhasedWork withForward;
    private final int[][] withForwardOps;
    private final PhasedWork withoutForward;
    private final int[][] withoutForwardOps;

    // the run in progress: written by the caller before the work is published
    private int[][] ops;
    /** Whether the first layer runs over its transposed weights in this run (its input is sparse). */
    private boolean sparseInput;
    private float[] from;
    private int fromOffset;
    private float[] to;
    private int toOffset;
    private float gradientScale;
    private float epsilon;
    private float lo;
    private float hi;
    private boolean forward;

    /**
     * The step for a chain of batch 1, its tensors this backend's (validated by the caller); with
     * {@code transposedForward} false no layer runs over transposed weights, and the step gives the
     * separate operations' bits in every buffer (for tests).
     */
    FusedStepOne(DenseChain chain, boolean transposedForward) {
        layers = chain.layers();
        widths = chain.widths();
        activations = chain.activations();
        parts = new int[layers];
        weights = new float[layers][];
        weightsOffsets = new int[layers];
        biases = new float[layers][];
        biasOffsets = new int[layers];
        outputs = new float[layers][];
        outputOffsets = new int[layers];
        inputGradients = new float[layers][];
        inputGradientOffsets = new int[layers];
        shares = new float[layers][];
        Tensor[] w = chain.weights();
        Tensor[] b = chain.biases();
        Tensor[] y = chain.outputs();
        Tensor[] dx = chain.inputGradients();
        for (int l = 0; l < layers; l++) {
            int in = widths[l];
            parts[l] = Dense.partsOne(in, widths[l + 1]);
            weights[l] = array(w[l]);
            weightsOffsets[l] = offset(w[l]);
            biases[l] = array(b[l]);
            biasOffsets[l] = offset(b[l]);
            outputs[l] = array(y[l]);
            outputOffsets[l] = offset(y[l]);
            inputGradients[l] = array(dx[l]);
            inputGradientOffsets[l] = offset(dx[l]);
            shares[l] = parts[l] > 1 ? new float[(parts[l] - 1) * in] : null;
        }
        probabilities = array(chain.probabilities());
        probabilitiesOffset = offset(chain.probabilities());
        losses = array(chain.losses());
        lossesOffset = offset(chain.losses());
        logitGradients = array(chain.logitGradients());
        logitGradientsOffset = offset(chain.logitGradients());
        labels = ((CpuTensor) chain.labels().storage()).ints();
        labelsOffset = offset(chain.labels().storage());
        int classes = widths[layers];
        int rangesBelowHead = layers >= 2 ? parts[layers - 2] : 1;
        exps = new double[rangesBelowHead][classes];
        headScratch = new float[rangesBelowHead][];
        headInputGradients = new float[rangesBelowHead][];
        if (headPerRange()) {
            for (int item = 0; item < rangesBelowHead; item++) {
                headScratch[item] = item == 0 ? null : new float[3 * classes + 1];
                headInputGradients[item] = new float[widths[layers - 1]];
            }
        }

        transposes = new boolean[layers];
        transposed = new float[layers][];
        weightWrites = new CpuTensor.Writes[layers];
        transposedAt = new long[layers];
        transposedStart = new int[layers];
        for (int l = 0; l < layers; l++) {
            weightWrites[l] = ((CpuTensor) w[l]).writes();
            boolean ownForward = !(headPerRange() && l == layers - 1);
            transposes[l] = transposedForward && ownForward && widths[l + 1] >= TRANSPOSED_MIN_OUTPUTS
                    && !weightWrites[l].external() && (l == 0 || activations[l - 1] == Activation.RELU);
        }
        List<CpuTensor> writes = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            writes.add((CpuTensor) y[l]);
            writes.add((CpuTensor) dx[l]);
        }
        writes.add((CpuTensor) chain.probabilities());
        writes.add((CpuTensor) chain.losses());
        writes.add((CpuTensor) chain.logitGradients());
        written = writes.toArray(new CpuTensor[0]);

        withForwardOps = phases(true);
        withForward = new PhasedWork(items(withForwardOps), this);
        withoutForwardOps = phases(false);
        withoutForward = new PhasedWork(items(withoutForwardOps), this);
    }

    private static float[] array(Tensor tensor) {
        return ((CpuTensor) tensor).data();
    }

    private static int offset(Tensor tensor) {
        return ((CpuTensor) tensor).offset();
    }

    /** The operations of a step, grouped in phases: consecutive operations of one item share a phase. */
    private int[][] phases(boolean forward) {
        List<int[]> ops = new ArrayList<>();
        boolean head = headPerRange();
        if (forward) {
            for (int l = 0; l < (head ? layers - 1 : layers); l++) {
                ops.add(new int[] {FORWARD, l});
            }
        }
        if (head) {
            ops.add(new int[] {HEAD, layers - 2});
        } else {
            ops.add(new int[] {LOSS, 0});
            ops.add(new int[] {BACKWARD, layers - 1});
        }
        for (int l = layers - 2 - (head ? 1 : 0); l >= 0; l--) {
            ops.add(new int[] {BACKWARD, l});
        }
        ops.add(new int[] {STEP, 0});
        List<int[]> phases = new ArrayList<>();
        List<int[]> current = new ArrayList<>();
        for (int[] op : ops) {
            if (!current.isEmpty() && !(items(op) == 1 && items(current.get(current.size() - 1)) == 1)) {
                phases.add(flatten(current));
                current.clear();
            }
            current.add(op);
        }
        phases.add(flatten(current));
        return phases.toArray(new int[0][]);
    }

    /** Whether the head runs in every range of the layer below: the last layer is one range, the one below several. */
    private boolean headPerRange() {
        return layers >= 2 && parts[layers - 1] == 1 && parts[layers - 2] > 1;
    }

    /** The items of one operation: a range of rows (or of columns, for the sign step) each. */
    private int items(int[] op) {
        return items(op[0], op[1]);
    }

    private int items(int kind, int layer) {
        return switch (kind) {
            case FORWARD, BACKWARD, HEAD -> parts[layer];
            case STEP -> parts[0];
            default -> 1;
        };
    }

    /** A phase as (kind, layer) pairs, in order. */
    private static int[] flatten(List<int[]> ops) {
        int[] phase = new int[ops.size() * 2];
        for (int i = 0; i < ops.size(); i++) {
            phase[2 * i] = ops.get(i)[0];
            phase[2 * i + 1] = ops.get(i)[1];
        }
        return phase;
    }

    /** Items per phase: those of its first operation (a phase of several has one). */
    private int[] items(int[][] phases) {
        int[] items = new int[phases.length];
        for (int k = 0; k < phases.length; k++) {
            items[k] = items(phases[k][0], phases[k][1]);
        }
        return items;
    }

    /** Whether layer l runs over transposed weights in a step whose input is or is not sparse (for tests). */
    boolean transposes(int layer, boolean sparseInput) {
        return transposes[layer] && (layer > 0 || sparseInput);
    }

    /** Whether the first layer would take an input with this many zeros of its width as sparse. */
    static boolean sparse(int zeros, int width) {
        return 4L * zeros >= width;
    }

    /** The number of phases of a step, with or without the forward pass (for tests). */
    int phaseCount(boolean forward) {
        return (forward ? withForwardOps : withoutForwardOps).length;
    }

    @Override
    public void run(Tensor from, Tensor to, float gradientScale, float epsilon, float lo, float hi, boolean forward) {
        this.ops = forward ? withForwardOps : withoutForwardOps;
        this.from = array(from);
        this.fromOffset = offset(from);
        this.to = array(to);
        this.toOffset = offset(to);
        this.gradientScale = gradientScale;
        this.epsilon = epsilon;
        this.lo = lo;
        this.hi = hi;
        this.forward = forward;
        sparseInput = forward && transposes[0] && sparse(zeros(this.from, fromOffset, widths[0]), widths[0]);
        for (int l = 0; l < layers; l++) {
            if (transposes(l, sparseInput)) {
                transposeIfWritten(l);
            }
        }
        countWrites(to);
        try {
            (forward ? withForward : withoutForward).run();
        } finally {
            this.from = null;
            this.to = null;
        }
    }

    @Override
    public void run(int phase, int item, int items) {
        int[] phaseOps = ops[phase];
        for (int i = 0; i < phaseOps.length; i += 2) {
            int layer = phaseOps[i + 1];
            switch (phaseOps[i]) {
                case FORWARD -> forward(layer, item, items);
                case LOSS -> loss();
                case BACKWARD -> backward(layer, item, items);
                case HEAD -> head(item, items);
                default -> step(item, items);
            }
        }
    }

    /** Counts this run's writes: x' and the chain's buffers (never its weights, which it only reads). */
    private void countWrites(Tensor to) {
        ((CpuTensor) to).written();
        for (CpuTensor tensor : written) {
            tensor.written();
        }
    }

    private static int zeros(float[] x, int offset, int length) {
        int zeros = 0;
        for (int i = offset; i < offset + length; i++) {
            zeros += x[i] == 0f ? 1 : 0;
        }
        return zeros;
    }

    /** Makes layer l's transposed weights, unless its copy is of the weights as they are. */
    private void transposeIfWritten(int l) {
        long writes = weightWrites[l].count();
        if (transposed[l] != null && transposedAt[l] == writes) {
            return;
        }
        int in = widths[l];
        int out = widths[l + 1];
        if (transposed[l] == null) {
            // a few floats more, to start on a cache line (the kernels' loads then do not cross lines)
            transposed[l] = new float[Math.addExact(Math.multiplyExact(in, out), CpuBackend.LINE_FLOATS - 1)];
            transposedStart[l] = CpuKernels.gradsign_cpu_line_offset(transposed[l]);
        }
        transpose(weights[l], weightsOffsets[l], out, in, parts[l], transposed[l], transposedStart[l]);
        transposedAt[l] = writes;
    }

    /**
     * The weights (rows, columns) from {@code offset} transposed, range by range of rows as the step
     * splits them: range [r0, r1) at {@code to[start + columns * r0]}, (columns, r1 - r0) row-major, so that each
     * core streams a block of its own instead of half of every row. In tiles, so that both sides stay
     * in the cache.
     */
    static void transpose(float[] from, int offset, int rows, int columns, int parts, float[] to, int start) {
        final int tile = 32;
        for (int part = 0; part < parts; part++) {
            int first = CpuWorkers.start(rows, part, parts, Dense.ROW_ALIGN);
            int end = CpuWorkers.start(rows, part + 1, parts, Dense.ROW_ALIGN);
            int width = end - first;
            int block = start + columns * first;
            for (int r0 = first; r0 < end; r0 += tile) {
                int r1 = Math.min(end, r0 + tile);
                for (int c0 = 0; c0 < columns; c0 += tile) {
                    int c1 = Math.min(columns, c0 + tile);
                    for (int r = r0; r < r1; r++) {
                        int row = offset + r * columns;
                        for (int c = c0; c < c1; c++) {
                            to[block + c * width + r - first] = from[row + c];
                        }
                    }
                }
            }
        }
    }

    /** Rows [from, to) of layer l's output: the kernel, then the activation. */
    private void forward(int l, int item, int items) {
        int out = widths[l + 1];
        int rowFrom = CpuWorkers.start(out, item, items, Dense.ROW_ALIGN);
        int rowTo = CpuWorkers.start(out, item + 1, items, Dense.ROW_ALIGN);
        float[] x = l == 0 ? from : outputs[l - 1];
        int xOffset = l == 0 ? fromOffset : outputOffsets[l - 1];
        if (transposes(l, sparseInput)) {
            // this range's block of the transposed weights (see transpose)
            CpuKernels.gradsign_cpu_dense_forward_one_transposed_at(outputs[l], outputOffsets[l] + rowFrom,
                    transposed[l], transposedStart[l] + (long) widths[l] * rowFrom, biases[l],
                    biasOffsets[l] + rowFrom, x, xOffset, widths[l], rowTo - rowFrom, 0, rowTo - rowFrom);
        } else {
            CpuKernels.gradsign_cpu_dense_forward_one_at(outputs[l], outputOffsets[l], weights[l], weightsOffsets[l],
                    biases[l], biasOffsets[l], x, xOffset, widths[l], rowFrom, rowTo);
        }
        activate(outputs[l], outputOffsets[l] + rowFrom, outputOffsets[l] + rowTo, activations[l]);
    }

    /** Dense.activate on [from, to); ReLU in native code (C2 leaves the loop scalar here), the same bits. */
    private static void activate(float[] y, int from, int to, Activation activation) {
        if (activation == Activation.RELU) {
            CpuKernels.gradsign_cpu_relu_at(y, from, to - from);
        } else {
            Dense.activate(y, from, to, activation);
        }
    }

    private void loss() {
        int label = labels[labelsOffset];
        SoftmaxCrossEntropy.row(probabilities, probabilitiesOffset, losses, lossesOffset, logitGradients,
                logitGradientsOffset, outputs[layers - 1], outputOffsets[layers - 1], label, widths[layers],
                gradientScale, exps[0]);
    }

    /**
     * Range {@code item} of the layer below the last: the last layer forward (unless the outputs hold
     * it), the loss and the last layer's backward pass, computed whole by each range (the first into
     * the chain's buffers, the others into copies of their own), then this range's rows of their
     * gradient into the chain's buffer, and this range's backward pass.
     */
    private void head(int item, int items) {
        int last = layers - 1;
        int classes = widths[layers];
        int hidden = widths[last];
        float[] logits = outputs[last];
        int logitsOffset = outputOffsets[last];
        float[] probabilities = this.probabilities;
        int probabilitiesOffset = this.probabilitiesOffset;
        float[] losses = this.losses;
        int lossesOffset = this.lossesOffset;
        float[] logitGradients = this.logitGradients;
        int logitGradientsOffset = this.logitGradientsOffset;
        if (item > 0) {
            float[] copy = headScratch[item];
            if (!forward) {
                System.arraycopy(logits, logitsOffset, copy, 0, classes);
            }
            logits = copy;
            logitsOffset = 0;
            probabilities = copy;
            probabilitiesOffset = classes;
            logitGradients = copy;
            logitGradientsOffset = 2 * classes;
            losses = copy;
            lossesOffset = 3 * classes;
        }
        if (forward) {
            CpuKernels.gradsign_cpu_dense_forward_one_at(logits, logitsOffset, weights[last], weightsOffsets[last],
                    biases[last], biasOffsets[last], outputs[last - 1], outputOffsets[last - 1], hidden, 0, classes);
            Dense.activate(logits, logitsOffset, logitsOffset + classes, activations[last]);
        }
        int label = labels[labelsOffset];
        SoftmaxCrossEntropy.row(probabilities, probabilitiesOffset, losses, lossesOffset, logitGradients,
                logitGradientsOffset, logits, logitsOffset, label, classes, gradientScale, exps[item]);
        derivative(logitGradients, logitGradientsOffset, logits, logitsOffset, 0, classes, activations[last]);
        float[] gradient = headInputGradients[item];
        CpuKernels.gradsign_cpu_dense_backward_input_rows_at(gradient, 0, weights[last], weightsOffsets[last],
                logitGradients, logitGradientsOffset, hidden, 0, classes);
        int rowFrom = CpuWorkers.start(hidden, item, items, Dense.ROW_ALIGN);
        int rowTo = CpuWorkers.start(hidden, item + 1, items, Dense.ROW_ALIGN);
        System.arraycopy(gradient, rowFrom, inputGradients[last], inputGradientOffsets[last] + rowFrom,
                rowTo - rowFrom);
        backward(last - 1, item, items);
    }

    /**
     * Rows [from, to) of layer l's backward pass: the gradient at those outputs (the layer above's
     * shares added, as Dense adds them, then the activation's derivative), then their share of the
     * gradient at the layer's input, written by the first range and kept apart by the others.
     */
    private void backward(int l, int item, int items) {
        int out = widths[l + 1];
        int in = widths[l];
        int rowFrom = CpuWorkers.start(out, item, items, Dense.ROW_ALIGN);
        int rowTo = CpuWorkers.start(out, item + 1, items, Dense.ROW_ALIGN);
        float[] dy = l == layers - 1 ? logitGradients : inputGradients[l + 1];
        int dyOffset = l == layers - 1 ? logitGradientsOffset : inputGradientOffsets[l + 1];
        gradient(dy, dyOffset, l < layers - 1 ? shares[l + 1] : null, l < layers - 1 ? parts[l + 1] : 1, out, rowFrom,
                rowTo, outputs[l], outputOffsets[l], activations[l]);
        if (l > 0 && transposes[l]) {
            // over the transposed weights, at the inputs the ReLU below let through: the bytes the
            // forward pass over this range just read
            float[] target = item == 0 ? inputGradients[l] : shares[l];
            long targetOffset = item == 0 ? inputGradientOffsets[l] : (long) (item - 1) * in;
            CpuKernels.gradsign_cpu_dense_backward_input_transposed_at(target, targetOffset, transposed[l],
                    transposedStart[l] + (long) in * rowFrom, dy, dyOffset + rowFrom, outputs[l - 1],
                    outputOffsets[l - 1], in, rowTo - rowFrom, 0, rowTo - rowFrom);
        } else if (item == 0) {
            CpuKernels.gradsign_cpu_dense_backward_input_rows_at(inputGradients[l], inputGradientOffsets[l],
                    weights[l], weightsOffsets[l], dy, dyOffset, in, rowFrom, rowTo);
        } else {
            CpuKernels.gradsign_cpu_dense_backward_input_rows_at(shares[l], (long) (item - 1) * in, weights[l],
                    weightsOffsets[l], dy, dyOffset, in, rowFrom, rowTo);
        }
    }

    /** The first layer's shares added to the input gradient, then the sign step, on columns [from, to). */
    private void step(int item, int items) {
        int in = widths[0];
        int columnFrom = CpuWorkers.start(in, item, items, 16);
        int columnTo = CpuWorkers.start(in, item + 1, items, 16);
        gradient(inputGradients[0], inputGradientOffsets[0], shares[0], parts[0], in, columnFrom, columnTo, null, 0,
                Activation.NONE);
        CpuKernels.gradsign_cpu_sign_step_at(to, toOffset + columnFrom, from, fromOffset + columnFrom,
                inputGradients[0], inputGradientOffsets[0] + columnFrom, columnTo - columnFrom, epsilon, lo, hi);
    }

    /**
     * The gradient at rows [from, to) of a layer's outputs: the shares of its ranges after the first
     * added (addShares), then the activation's derivative applied (derivative); in native code but for
     * tanh, whose derivative C would contract into a fused multiply-add, and sigmoid, which the native
     * kernel does not know. The same bits either way.
     */
    private static void gradient(float[] dy, int dyOffset, float[] shares, int parts, int length, int from, int to,
                                 float[] y, int yOffset, Activation activation) {
        if (activation == Activation.TANH || activation == Activation.SIGMOID) {
            addShares(dy, dyOffset, shares, parts, length, from, to);
            derivative(dy, dyOffset, y, yOffset, from, to, activation);
        } else if (parts > 1 || activation != Activation.NONE) {
            CpuKernels.gradsign_cpu_activation_gradient_at(dy, dyOffset + from, shares, from, length, parts - 1, y,
                    yOffset + from, activation.code(), to - from);
        }
    }

    /** gradient[i] += share p's [i] for p = 1 to parts - 1 in order, i in [from, to): Dense's sum. */
    private static void addShares(float[] gradient, int offset, float[] shares, int parts, int length, int from,
                                  int to) {
        for (int part = 1; part < parts; part++) {
            int share = (part - 1) * length;
            for (int i = from; i < to; i++) {
                gradient[offset + i] += shares[share + i];
            }
        }
    }

    /** dy[i] = dy[i] f'(y[i]) for i in [from, to), ActivationBackward's formula. */
    private static void derivative(float[] dy, int dyOffset, float[] y, int yOffset, int from, int to,
                                   Activation activation) {
        switch (activation) {
            case NONE -> { }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    dy[dyOffset + i] *= ActivationBackward.reluDerivative(y[yOffset + i]);
                }
            }
            case TANH -> {
                for (int i = from; i < to; i++) {
                    float v = y[yOffset + i];
                    dy[dyOffset + i] *= 1f - v * v;
                }
            }
            case SIGMOID -> {
                for (int i = from; i < to; i++) {
                    float v = y[yOffset + i];
                    dy[dyOffset + i] *= v * (1f - v);
                }
            }
        }
    }
}

package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.DenseChain;
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
 */
final class FusedStepOne implements Backend.GradientStep, PhasedWork.Item {
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
    private final float[] labels;
    private final int labelsOffset;
    /** The head's copies for each range after the first (logits, probabilities, loss, logit gradient), or null. */
    private final float[][] headScratch;
    /** Each range's copy of the gradient at the last layer's input, where the head runs per range. */
    private final float[][] headInputGradients;
    private final double[][] exps;

    /** The phases with and without the forward pass; each phase a list of operations (kind, layer). */
    private final PhasedWork withForward;
    private final int[][] withForwardOps;
    private final PhasedWork withoutForward;
    private final int[][] withoutForwardOps;

    // the run in progress: written by the caller before the work is published
    private int[][] ops;
    private float[] from;
    private int fromOffset;
    private float[] to;
    private int toOffset;
    private float gradientScale;
    private float epsilon;
    private float lo;
    private float hi;
    private boolean forward;

    /** The step for a chain of batch 1, its tensors this backend's (validated by the caller). */
    FusedStepOne(DenseChain chain) {
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
        labels = array(chain.labels().storage());
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

    /** Rows [from, to) of layer l's output: the kernel, then the activation. */
    private void forward(int l, int item, int items) {
        int out = widths[l + 1];
        int rowFrom = CpuWorkers.start(out, item, items, Dense.ROW_ALIGN);
        int rowTo = CpuWorkers.start(out, item + 1, items, Dense.ROW_ALIGN);
        float[] x = l == 0 ? from : outputs[l - 1];
        int xOffset = l == 0 ? fromOffset : outputOffsets[l - 1];
        CpuKernels.gradsign_cpu_dense_forward_one_at(outputs[l], outputOffsets[l], weights[l], weightsOffsets[l],
                biases[l], biasOffsets[l], x, xOffset, widths[l], rowFrom, rowTo);
        Dense.activate(outputs[l], outputOffsets[l] + rowFrom, outputOffsets[l] + rowTo, activations[l]);
    }

    private void loss() {
        int label = Float.floatToRawIntBits(labels[labelsOffset]);
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
        int label = Float.floatToRawIntBits(labels[labelsOffset]);
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
        if (l < layers - 1) {
            addShares(dy, dyOffset, shares[l + 1], parts[l + 1], out, rowFrom, rowTo);
        }
        derivative(dy, dyOffset, outputs[l], outputOffsets[l], rowFrom, rowTo, activations[l]);
        if (item == 0) {
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
        addShares(inputGradients[0], inputGradientOffsets[0], shares[0], parts[0], in, columnFrom, columnTo);
        CpuKernels.gradsign_cpu_sign_step_at(to, toOffset + columnFrom, from, fromOffset + columnFrom,
                inputGradients[0], inputGradientOffsets[0] + columnFrom, columnTo - columnFrom, epsilon, lo, hi);
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
        }
    }
}

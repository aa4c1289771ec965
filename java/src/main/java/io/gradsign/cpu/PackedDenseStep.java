package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.Tensor;
import io.gradsign.cpu.bindings.CpuKernels;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;

/**
 * A batch's FGSM gradient step through a dense chain of ReLU (or no) activations, over weights packed
 * once ({@link PackedWeights}). Samples are independent, so the batch is split in ranges of samples
 * that the cores claim ({@link #parts}), and each range runs the whole step for its samples with no
 * hand-off between layers:
 * each layer's forward product with its bias and ReLU in the kernel's epilogue; the loss and logit
 * gradient ({@link SoftmaxCrossEntropy#row}, the operation's bits); each backward product with the
 * derivative of the ReLU below in its epilogue, the first layer's with the sign step
 * ({@link SignStep}'s bits, from that product). The products' sums run in the packed kernel's
 * documented order (bias, then fused multiply-adds in ascending k), not OpenBLAS's, so outputs and
 * gradients match the separate operations ({@link DenseChain#stepByOperations}) within float
 * rounding, and a sign can differ where a gradient is within rounding of zero; they do not depend on
 * how the batch is split. Every buffer of the chain holds what the separate operations leave there.
 */
final class PackedDenseStep implements GradientStep {
    /** Multiply-adds a range of samples gets at least (as sgemm's parts in {@link Dense}). */
    static final long MULTIPLY_ADDS_PER_PART = Dense.GEMM_MULTIPLY_ADDS_PER_PART;

    /**
     * Samples per range where the batch is split: ranges start on a multiple of the kernel's tile of
     * rows (8 on AVX-512), and a batch worth splitting is cut in ranges of about this many samples,
     * several per core, which the cores claim as they come free: on this shared machine a core often
     * runs something else for a while, and one range per core then left the step waiting for the
     * slower one (the MLP 784-512-512-10 at batch 256 and 1024: +5-11%). A range also gets at least
     * {@link #RANGE_MULTIPLY_ADDS} (about 50 us of a core): softmax regression's ranges of 32 samples
     * (3 us each) lost 7-10% to the hand-outs.
     */
    static final int RANGE_SAMPLES = 32;
    static final long RANGE_MULTIPLY_ADDS = 1L << 23;
    static final int TILE_ROWS = 8;

    private final int batch;
    private final int layers;
    private final int[] widths;
    private final Activation[] activations;
    private final PackedWeights[] packed;
    private final float[][] biases;
    private final int[] biasOffsets;
    private final float[][] outputs;
    private final int[] outputOffsets;
    private final float[][] inputGradients;
    private final int[] inputGradientOffsets;
    private final float[] probabilities;
    private final int probabilitiesOffset;
    private final float[] losses;
    private final int lossesOffset;
    private final float[] logitGradients;
    private final int logitGradientsOffset;
    private final int[] labels;
    private final int labelsOffset;
    /** The tensors the step writes, whose write counts it advances. */
    private final CpuTensor[] written;
    /** Packs the weights before every run, as if never packed before (for tests: the same bits as packing once). */
    private final boolean packEveryRun;
    private final long multiplyAdds;

    /** Whether a chain's activations are all ones this step folds into its kernels (ReLU or none). */
    static boolean supports(DenseChain chain) {
        for (Activation activation : chain.activations()) {
            if (activation != Activation.RELU && activation != Activation.NONE) {
                return false;
            }
        }
        return true;
    }

    /** The step for a chain of this backend's tensors, validated by the caller, whose activations it {@link #supports}. */
    PackedDenseStep(DenseChain chain, boolean packEveryRun) {
        if (!supports(chain)) {
            throw new IllegalArgumentException("the packed step folds ReLU alone, got " + java.util.Arrays.toString(
                    chain.activations()));
        }
        this.packEveryRun = packEveryRun;
        batch = chain.batch();
        layers = chain.layers();
        widths = chain.widths();
        activations = chain.activations();
        packed = new PackedWeights[layers];
        biases = new float[layers][];
        biasOffsets = new int[layers];
        outputs = new float[layers][];
        outputOffsets = new int[layers];
        inputGradients = new float[layers][];
        inputGradientOffsets = new int[layers];
        Tensor[] w = chain.weights();
        Tensor[] b = chain.biases();
        Tensor[] y = chain.outputs();
        Tensor[] dx = chain.inputGradients();
        CpuTensor[] writes = new CpuTensor[2 * layers + 3];
        long work = 0;
        for (int l = 0; l < layers; l++) {
            packed[l] = new PackedWeights((CpuTensor) w[l], widths[l], widths[l + 1]);
            biases[l] = ((CpuTensor) b[l]).data();
            biasOffsets[l] = ((CpuTensor) b[l]).offset();
            outputs[l] = ((CpuTensor) y[l]).data();
            outputOffsets[l] = ((CpuTensor) y[l]).offset();
            inputGradients[l] = ((CpuTensor) dx[l]).data();
            inputGradientOffsets[l] = ((CpuTensor) dx[l]).offset();
            writes[2 * l] = (CpuTensor) y[l];
            writes[2 * l + 1] = (CpuTensor) dx[l];
            work += 2L * widths[l] * widths[l + 1];
        }
        multiplyAdds = work * batch;
        CpuTensor p = (CpuTensor) chain.probabilities();
        CpuTensor loss = (CpuTensor) chain.losses();
        CpuTensor g = (CpuTensor) chain.logitGradients();
        CpuTensor labelTensor = (CpuTensor) chain.labels().storage();
        probabilities = p.data();
        probabilitiesOffset = p.offset();
        losses = loss.data();
        lossesOffset = loss.offset();
        logitGradients = g.data();
        logitGradientsOffset = g.offset();
        labels = labelTensor.ints();
        labelsOffset = labelTensor.offset();
        writes[2 * layers] = p;
        writes[2 * layers + 1] = loss;
        writes[2 * layers + 2] = g;
        written = writes;
    }

    /**
     * The ranges of samples a step runs in: one where the batch is too little work to split (below
     * {@link #MULTIPLY_ADDS_PER_PART} a core), else ranges of about {@link #RANGE_SAMPLES} samples, at
     * least one per core, each at least {@link #RANGE_MULTIPLY_ADDS}. The results do not depend on the ranges.
     */
    int parts() {
        int cores = CpuWorkers.parts(multiplyAdds, MULTIPLY_ADDS_PER_PART, batch);
        if (cores <= 1) {
            return 1;
        }
        long ranges = Math.min((batch + RANGE_SAMPLES - 1) / RANGE_SAMPLES, multiplyAdds / RANGE_MULTIPLY_ADDS);
        return (int) Math.min(CpuWorkers.MAX_PARTS, Math.max(cores, ranges));
    }

    /** The packings of layer l's weights made so far (for tests). */
    long packings(int layer) {
        return packed[layer].packings();
    }

    @Override
    public void run(Tensor from, Tensor to, float gradientScale, float epsilon, float lo, float hi, boolean forward) {
        for (PackedWeights weights : packed) {
            weights.refresh(packEveryRun);
        }
        CpuTensor x = (CpuTensor) from;
        CpuTensor stepped = (CpuTensor) to;
        stepped.written();
        for (CpuTensor tensor : written) {
            tensor.written();
        }
        float[] xData = x.data();
        int xOffset = x.offset();
        float[] toData = stepped.data();
        int toOffset = stepped.offset();
        int parts = parts();
        CpuWorkers.run(parts, (part, count) -> {
            int first = CpuWorkers.start(batch, part, count, TILE_ROWS);
            int end = CpuWorkers.start(batch, part + 1, count, TILE_ROWS);
            if (end > first) {
                samples(first, end - first, xData, xOffset, toData, toOffset, gradientScale, epsilon, lo, hi, forward);
            }
        });
    }

    /** The whole step for samples [first, first + rows). */
    private void samples(int first, int rows, float[] x, int xOffset, float[] to, int toOffset, float gradientScale,
                         float epsilon, float lo, float hi, boolean forward) {
        int classes = widths[layers];
        if (forward) {
            float[] input = x;
            long inputOffset = xOffset + (long) first * widths[0];
            for (int l = 0; l < layers; l++) {
                long outputOffset = outputOffsets[l] + (long) first * widths[l + 1];
                packed[l].forward(outputs[l], outputOffset, input, inputOffset, rows, biases[l], biasOffsets[l],
                        activations[l] == Activation.RELU ? CpuKernels.GRADSIGN_CPU_EPILOGUE_RELU
                                : CpuKernels.GRADSIGN_CPU_EPILOGUE_NONE);
                input = outputs[l];
                inputOffset = outputOffset;
            }
        }
        double[] exps = SoftmaxCrossEntropy.exps(classes);
        float[] logits = outputs[layers - 1];
        int logitsOffset = outputOffsets[layers - 1];
        for (int b = first; b < first + rows; b++) {
            SoftmaxCrossEntropy.row(probabilities, probabilitiesOffset + b * classes, losses, lossesOffset + b,
                    logitGradients, logitGradientsOffset + b * classes, logits, logitsOffset + b * classes,
                    labels[labelsOffset + b], classes, gradientScale, exps);
        }
        if (activations[layers - 1] == Activation.RELU) {
            // the logits' own activation, in place as the separate operations apply it
            CpuKernels.gradsign_cpu_activation_gradient_at(logitGradients, logitGradientsOffset + (long) first * classes,
                    null, 0, 0, 0, logits, logitsOffset + (long) first * classes, CpuKernels.GRADSIGN_CPU_ACTIVATION_RELU,
                    (long) rows * classes);
        }
        float[] gradient = logitGradients;
        long gradientOffset = logitGradientsOffset + (long) first * classes;
        for (int l = layers - 1; l >= 0; l--) {
            int in = widths[l];
            long dxOffset = inputGradientOffsets[l] + (long) first * in;
            if (l > 0) {
                boolean relu = activations[l - 1] == Activation.RELU;
                packed[l].backward(inputGradients[l], dxOffset, gradient, gradientOffset, rows,
                        relu ? CpuKernels.GRADSIGN_CPU_EPILOGUE_RELU_GRADIENT : CpuKernels.GRADSIGN_CPU_EPILOGUE_NONE,
                        relu ? outputs[l - 1] : null, outputOffsets[l - 1] + (long) first * in, null, 0, 0f, 0f, 0f);
            } else {
                long imageOffset = (long) first * in;
                packed[l].backward(inputGradients[l], dxOffset, gradient, gradientOffset, rows,
                        CpuKernels.GRADSIGN_CPU_EPILOGUE_SIGN_STEP, x, xOffset + imageOffset, to,
                        toOffset + imageOffset, epsilon, lo, hi);
            }
            gradient = inputGradients[l];
            gradientOffset = dxOffset;
        }
    }
}

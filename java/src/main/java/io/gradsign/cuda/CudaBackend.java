package io.gradsign.cuda;

import io.gradsign.AbstractBackend;
import io.gradsign.Activation;
import io.gradsign.BackendKind;
import io.gradsign.ConvGeometry;
import io.gradsign.DType;
import io.gradsign.PoolGeometry;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.DenseStepPlanner;
import io.gradsign.plan.GradientStep;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The CUDA backend: hand-written kernels of libgradsign on a GPU, or the same kernels in
 * libgradsign_emu, the CPU emulation of CUDA. Each operation is one native call; arguments are
 * validated before it (see {@link AbstractBackend}).
 */
public final class CudaBackend extends AbstractBackend<DeviceBuffer> implements DenseStepPlanner {
    private final CudaLibrary library;
    private final DeviceProperties device;
    private final ScratchPool scratch;

    private CudaBackend(CudaLibrary library, DeviceProperties device) {
        super(DeviceBuffer.class);
        this.library = library;
        this.device = device;
        this.scratch = new ScratchPool(library);
    }

    /**
     * Opens device 0 through {@code library}. (The CUDA runtime's current device is a per-thread
     * setting, so a backend on another device would need it set on every calling thread; until the
     * C API takes a device per call, gradsign runs on device 0. {@link #properties} reads any device.)
     *
     * @throws IllegalStateException if the library sees no device (no GPU, no driver, or a build
     *     without nvcc); the message says which
     */
    public static CudaBackend open(CudaLibrary library) {
        if (deviceCount(library) == 0) {
            throw new IllegalStateException("no CUDA device (" + library.buildInfo() + ")");
        }
        return new CudaBackend(library, properties(library, 0));
    }

    /** Devices the library can use: 0 without a GPU or driver. */
    public static int deviceCount(CudaLibrary library) {
        int[] count = new int[1];
        library.check(library.deviceCount(count), "deviceCount");
        return count[0];
    }

    /** What the runtime reports of device {@code deviceIndex}. */
    public static DeviceProperties properties(CudaLibrary library, int deviceIndex) {
        byte[] name = new byte[256];
        long[] values = new long[8];
        library.check(library.deviceProperties(deviceIndex, name, values), "deviceProperties");
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new DeviceProperties(deviceIndex, new String(name, 0, end, StandardCharsets.UTF_8), values[0],
                (int) values[1], (int) values[2], (int) values[3], (int) values[4], values[5], (int) values[6], values[7]);
    }

    @Override
    public BackendKind kind() {
        return library.isEmulated() ? BackendKind.CUDA_EMULATED : BackendKind.CUDA;
    }

    @Override
    public String description() {
        return kind() + " (" + device.name() + ", compute capability " + device.computeCapability() + ", "
                + device.multiprocessors() + " SMs; " + library.buildInfo() + ")";
    }

    /** The device this backend runs on. */
    public DeviceProperties device() {
        return device;
    }

    /** Free and total device memory in bytes, as the runtime reports them. */
    public long[] memoryInfo() {
        checkOpen();
        long[] free = new long[1];
        long[] total = new long[1];
        library.check(library.memoryInfo(free, total), "memoryInfo");
        return new long[] {free[0], total[0]};
    }

    /**
     * A buffer over {@code length} floats of device memory at {@code address} that this library does
     * not own (from another CUDA library, for interop): closing it frees nothing.
     */
    public DeviceBuffer wrap(long address, long length) {
        checkOpen();
        if (address == 0 || address % Float.BYTES != 0) {
            throw new IllegalArgumentException("device address must be non-zero and 4-byte aligned, got 0x"
                    + Long.toHexString(address));
        }
        if (length < 0 || length > Long.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        return new DeviceBuffer(this, address, length, null, false);
    }

    @Override
    protected DeviceBuffer allocateZeroed(long length, DType dtype) {
        if (length > Long.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException("length too large: " + length);
        }
        long bytes = length * Float.BYTES;
        long[] address = new long[1];
        library.check(library.malloc(address, bytes), "allocate(" + length + " floats)");
        int status = library.memset(address[0], 0, bytes);
        if (status != 0) {
            library.free(address[0]);
            library.check(status, "allocate(" + length + " floats): memset");
        }
        return new DeviceBuffer(this, address[0], length, dtype, null, true);
    }

    @Override
    protected void copyChecked(DeviceBuffer destination, DeviceBuffer source) {
        library.check(library.copyOnDevice(destination.rawAddress(), source.rawAddress(), source.length() * Float.BYTES),
                "copy");
    }

    @Override
    protected void signStepChecked(DeviceBuffer out, DeviceBuffer x, DeviceBuffer gradient, float epsilon, float lo,
                                   float hi) {
        library.check(library.signStep(out.rawAddress(), x.rawAddress(), gradient.rawAddress(), x.length(), epsilon,
                lo, hi), "signStep");
    }

    @Override
    protected void projectedSignStepChecked(DeviceBuffer out, DeviceBuffer x, DeviceBuffer origin,
                                            DeviceBuffer gradient, float alpha, float epsilon, float lo, float hi) {
        library.check(library.projectedSignStep(out.rawAddress(), x.rawAddress(), origin.rawAddress(),
                gradient.rawAddress(), x.length(), alpha, epsilon, lo, hi), "projectedSignStep");
    }

    @Override
    protected void l2StepChecked(DeviceBuffer out, DeviceBuffer x, DeviceBuffer origin, DeviceBuffer gradient,
                                 int batch, float alpha, float epsilon, float lo, float hi) {
        long sampleSize = batch == 0 ? 0 : x.length() / batch;
        library.check(library.l2Step(out.rawAddress(), x.rawAddress(), origin.rawAddress(), gradient.rawAddress(),
                batch, sampleSize, alpha, epsilon, lo, hi), "l2Step");
    }

    @Override
    protected void momentumSignStepChecked(DeviceBuffer out, DeviceBuffer momentum, DeviceBuffer x,
                                           DeviceBuffer origin, DeviceBuffer gradient, int batch, float decay,
                                           float alpha, float epsilon, float lo, float hi) {
        long sampleSize = batch == 0 ? 0 : x.length() / batch;
        library.check(library.momentumSignStep(out.rawAddress(), momentum.rawAddress(), x.rawAddress(),
                origin.rawAddress(), gradient.rawAddress(), batch, sampleSize, decay, alpha, epsilon, lo, hi),
                "momentumSignStep");
    }

    @Override
    protected void apgdStepChecked(DeviceBuffer next, DeviceBuffer current, DeviceBuffer previous, DeviceBuffer origin,
                                   DeviceBuffer gradient, DeviceBuffer stepSizes, int batch, float momentum,
                                   float epsilon, float lo, float hi) {
        long sampleSize = batch == 0 ? 0 : next.length() / batch;
        library.check(library.apgdStep(next.rawAddress(), current.rawAddress(), previous.rawAddress(),
                origin.rawAddress(), gradient.rawAddress(), stepSizes.rawAddress(), batch, sampleSize, momentum, epsilon,
                lo, hi), "apgdStep");
    }

    @Override
    protected void denseForwardChecked(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weights, DeviceBuffer bias,
                                       int batch, int inFeatures, int outFeatures, Activation activation) {
        long s = scratch.take();
        try {
            library.check(library.denseForward(y.rawAddress(), x.rawAddress(), weights.rawAddress(), bias.rawAddress(),
                    batch, inFeatures, outFeatures, activation.code(), s), "denseForward");
        } finally {
            scratch.give(s);
        }
    }

    @Override
    protected void denseBackwardInputChecked(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer weights, int batch,
                                             int inFeatures, int outFeatures) {
        long s = scratch.take();
        try {
            library.check(library.denseBackwardInput(dx.rawAddress(), dy.rawAddress(), weights.rawAddress(), batch,
                    inFeatures, outFeatures, s), "denseBackwardInput");
        } finally {
            scratch.give(s);
        }
    }

    @Override
    protected void denseBackwardWeightsChecked(DeviceBuffer dWeights, DeviceBuffer dBias, DeviceBuffer dy,
                                               DeviceBuffer x, int batch, int inFeatures, int outFeatures) {
        long s = scratch.take();
        try {
            library.check(library.denseBackwardWeights(dWeights.rawAddress(), dBias.rawAddress(), dy.rawAddress(),
                    x.rawAddress(), batch, inFeatures, outFeatures, s), "denseBackwardWeights");
        } finally {
            scratch.give(s);
        }
    }

    @Override
    protected void activationBackwardChecked(DeviceBuffer dPre, DeviceBuffer dy, DeviceBuffer y, Activation activation) {
        library.check(library.activationBackward(dPre.rawAddress(), dy.rawAddress(), y.rawAddress(), dy.length(),
                activation.code()), "activationBackward");
    }

    @Override
    protected void activationForwardChecked(DeviceBuffer y, DeviceBuffer x, Activation activation) {
        library.check(library.activationForward(y.rawAddress(), x.rawAddress(), x.length(), activation.code()),
                "activationForward");
    }

    @Override
    protected void conv2dForwardChecked(DeviceBuffer y, DeviceBuffer x, DeviceBuffer weights, DeviceBuffer bias,
                                        ConvGeometry g, Activation activation) {
        library.check(library.conv2dForward(y.rawAddress(), x.rawAddress(), weights.rawAddress(), bias.rawAddress(),
                g.batch(), g.inChannels(), g.height(), g.width(), g.outChannels(), g.kernelHeight(), g.kernelWidth(),
                g.strideHeight(), g.strideWidth(), g.padHeight(), g.padWidth(), activation.code()), "conv2dForward");
    }

    @Override
    protected void conv2dBackwardInputChecked(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer weights, ConvGeometry g) {
        library.check(library.conv2dBackwardInput(dx.rawAddress(), dy.rawAddress(), weights.rawAddress(), g.batch(),
                g.inChannels(), g.height(), g.width(), g.outChannels(), g.kernelHeight(), g.kernelWidth(),
                g.strideHeight(), g.strideWidth(), g.padHeight(), g.padWidth()), "conv2dBackwardInput");
    }

    @Override
    protected void conv2dBackwardWeightsChecked(DeviceBuffer dWeights, DeviceBuffer dBias, DeviceBuffer dy,
                                                DeviceBuffer x, ConvGeometry g) {
        library.check(library.conv2dBackwardWeights(dWeights.rawAddress(), dBias.rawAddress(), dy.rawAddress(),
                x.rawAddress(), g.batch(), g.inChannels(), g.height(), g.width(), g.outChannels(), g.kernelHeight(),
                g.kernelWidth(), g.strideHeight(), g.strideWidth(), g.padHeight(), g.padWidth()),
                "conv2dBackwardWeights");
    }

    @Override
    protected void maxPool2dForwardChecked(DeviceBuffer y, DeviceBuffer argmax, DeviceBuffer x, PoolGeometry g) {
        library.check(library.maxPool2dForward(y.rawAddress(), argmax.rawAddress(), x.rawAddress(), g.batch(),
                g.channels(), g.height(), g.width(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(),
                g.strideWidth()), "maxPool2dForward");
    }

    @Override
    protected void maxPool2dBackwardChecked(DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer argmax, PoolGeometry g) {
        library.check(library.maxPool2dBackward(dx.rawAddress(), dy.rawAddress(), argmax.rawAddress(), g.batch(),
                g.channels(), g.height(), g.width(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(),
                g.strideWidth()), "maxPool2dBackward");
    }

    @Override
    protected void avgPool2dForwardChecked(DeviceBuffer y, DeviceBuffer x, PoolGeometry g) {
        library.check(library.avgPool2dForward(y.rawAddress(), x.rawAddress(), g.batch(), g.channels(), g.height(),
                g.width(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(), g.strideWidth()), "avgPool2dForward");
    }

    @Override
    protected void avgPool2dBackwardChecked(DeviceBuffer dx, DeviceBuffer dy, PoolGeometry g) {
        library.check(library.avgPool2dBackward(dx.rawAddress(), dy.rawAddress(), g.batch(), g.channels(), g.height(),
                g.width(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(), g.strideWidth()), "avgPool2dBackward");
    }

    @Override
    protected void softmaxCrossEntropyChecked(DeviceBuffer probabilities, DeviceBuffer losses, DeviceBuffer dLogits,
                                              DeviceBuffer logits, DeviceBuffer labels, int batch, int classes,
                                              float gradientScale) {
        library.check(library.softmaxCrossEntropy(probabilities.rawAddress(), losses.rawAddress(),
                dLogits == null ? 0 : dLogits.rawAddress(), logits.rawAddress(), labels.rawAddress(), batch, classes,
                gradientScale), "softmaxCrossEntropy");
    }

    @Override
    protected void sgdMomentumChecked(DeviceBuffer parameters, DeviceBuffer velocity, DeviceBuffer gradient,
                                      float learningRate, float momentum,
                                      float weightDecay) {
        library.check(library.sgdMomentum(parameters.rawAddress(), velocity.rawAddress(), gradient.rawAddress(),
                parameters.length(), learningRate, momentum, weightDecay), "sgdMomentum");
    }

    // adversarial training's and VAT's operations
    @Override
    protected void softmaxKlChecked(DeviceBuffer losses, DeviceBuffer dP, DeviceBuffer dQ, DeviceBuffer pLogits, DeviceBuffer qLogits, int batch,
                                    int classes, float gradientScale) {
        library.check(library.softmaxKl(losses.rawAddress(), dP == null ? 0 : dP.rawAddress(),
                dQ == null ? 0 : dQ.rawAddress(), pLogits.rawAddress(), qLogits.rawAddress(), batch, classes,
                gradientScale), "softmaxKl");
    }

    @Override
    protected void softmaxEntropyChecked(DeviceBuffer entropies, DeviceBuffer dLogits, DeviceBuffer logits, int batch, int classes,
                                         float gradientScale) {
        library.check(library.softmaxEntropy(entropies.rawAddress(), dLogits == null ? 0 : dLogits.rawAddress(),
                logits.rawAddress(), batch, classes, gradientScale), "softmaxEntropy");
    }

    // the attacks' losses and steps (APGD, CW)
    @Override
    protected void dlrLossChecked(DeviceBuffer losses, DeviceBuffer dLogits, DeviceBuffer logits, DeviceBuffer labels,
                                  DeviceBuffer targets, int batch, int classes, float gradientScale) {
        library.check(library.dlrLoss(losses.rawAddress(), dLogits == null ? 0 : dLogits.rawAddress(),
                logits.rawAddress(), labels.rawAddress(), targets == null ? 0 : targets.rawAddress(), batch, classes,
                gradientScale), "dlrLoss");
    }

    @Override
    protected void cwMarginChecked(DeviceBuffer losses, DeviceBuffer dLogits, DeviceBuffer logits, DeviceBuffer labels,
                                   DeviceBuffer scales, int batch, int classes, float kappa, boolean targeted) {
        library.check(library.cwMargin(losses.rawAddress(), dLogits == null ? 0 : dLogits.rawAddress(),
                logits.rawAddress(), labels.rawAddress(), scales == null ? 0 : scales.rawAddress(), batch, classes, kappa,
                targeted), "cwMargin");
    }

    @Override
    protected void cwAdamStepChecked(DeviceBuffer w, DeviceBuffer m, DeviceBuffer v, DeviceBuffer adversarial,
                                     DeviceBuffer origin, DeviceBuffer gradient, float learningRate, float beta1,
                                     float beta2, float correction1, float correction2, float eps, float lo, float hi) {
        library.check(library.cwAdamStep(w.rawAddress(), m.rawAddress(), v.rawAddress(), adversarial.rawAddress(),
                origin.rawAddress(), gradient.rawAddress(), w.length(), learningRate, beta1, beta2, correction1,
                correction2, eps, lo, hi), "cwAdamStep");
    }

    @Override
    protected void sampleNormsChecked(DeviceBuffer l1, DeviceBuffer l2, DeviceBuffer linf, DeviceBuffer a,
                                      DeviceBuffer b, int batch) {
        long sampleSize = batch == 0 ? 0 : a.length() / batch;
        library.check(library.sampleNorms(l1 == null ? 0 : l1.rawAddress(), l2 == null ? 0 : l2.rawAddress(),
                linf == null ? 0 : linf.rawAddress(), a.rawAddress(), b == null ? 0 : b.rawAddress(), batch, sampleSize),
                "sampleNorms");
    }

    /** The index lists travel in the kernels' launch parameters (gradsign_copy_rows): no device memory, no wait. */
    @Override
    protected void copyRowsChecked(DeviceBuffer destination, int[] destinationRows, DeviceBuffer source,
                                   int[] sourceRows, int count, long rowLength) {
        library.check(library.copyRows(destination.rawAddress(), destinationRows, source.rawAddress(), sourceRows, count,
                rowLength), "copyRows");
    }

    @Override
    protected void combineChecked(DeviceBuffer out, float a, DeviceBuffer x, float b, DeviceBuffer y, float lo, float hi) {
        library.check(library.combine(out.rawAddress(), a, x.rawAddress(), b, y.rawAddress(), out.length(), lo, hi),
                "combine");
    }

    @Override
    protected void l2NormalizeChecked(DeviceBuffer out, DeviceBuffer origin, DeviceBuffer v, int batch, float scale) {
        long sampleSize = batch == 0 ? 0 : out.length() / batch;
        library.check(library.l2Normalize(out.rawAddress(), origin == null ? 0 : origin.rawAddress(), v.rawAddress(), batch,
                sampleSize, scale), "l2Normalize");
    }

    @Override
    protected void randomUniformChecked(DeviceBuffer out, long seed, long stream, float low, float high) {
        library.check(library.randomUniform(out.rawAddress(), out.length(), seed, stream, low, high), "randomUniform");
    }

    @Override
    protected void randomNormalChecked(DeviceBuffer out, long seed, long stream) {
        library.check(library.randomNormal(out.rawAddress(), out.length(), seed, stream), "randomNormal");
    }

    /** Every chain: its step with the element-wise steps folded into the backward products ({@link CudaGradientStep}). */
    @Override
    public Optional<GradientStep> planDenseStep(DenseChain chain) {
        return Optional.of(new CudaGradientStep(library, scratch, chain));
    }

    @Override
    public void synchronize() {
        checkOpen();
        library.check(library.synchronize(), "synchronize");
    }

    void copyToDevice(long destination, float[] source, int sourceOffset, int count) {
        library.check(library.copyToDevice(destination, source, sourceOffset, count), "copyFrom");
    }

    void copyToHost(float[] destination, int destinationOffset, long source, int count) {
        library.check(library.copyToHost(destination, destinationOffset, source, count), "copyTo");
    }

    void copyIntsToDevice(long destination, int[] source, int sourceOffset, int count) {
        library.check(library.copyIntsToDevice(destination, source, sourceOffset, count), "copyFrom");
    }

    void copyIntsToHost(int[] destination, int destinationOffset, long source, int count) {
        library.check(library.copyIntsToHost(destination, destinationOffset, source, count), "copyTo");
    }

    void free(DeviceBuffer buffer) {
        forget(buffer);
        library.check(library.free(buffer.rawAddress()), "free");
    }

    @Override
    protected void closeBackend() {
        // the tensors' device memory was freed with them; the CUDA context lives as long as the process
        scratch.close();
    }

    /** The dense products' scratches allocated so far: one per caller that ran at once (for tests). */
    int scratchCount() {
        return scratch.allocated();
    }
}

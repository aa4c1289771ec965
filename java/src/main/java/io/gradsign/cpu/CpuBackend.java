package io.gradsign.cpu;

import io.gradsign.AbstractBackend;
import io.gradsign.Activation;
import io.gradsign.BackendKind;
import io.gradsign.ConvGeometry;
import io.gradsign.DType;
import io.gradsign.PoolGeometry;
import io.gradsign.Tensor;
import io.gradsign.cpu.bindings.Blas;
import io.gradsign.cpu.bindings.CpuKernels;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.DenseStepPlanner;
import io.gradsign.plan.GradientStep;
import java.util.Objects;
import java.util.Optional;

/** Plain Java on the CPU: runs anywhere, and is the reference the CUDA backend is checked against. */
public final class CpuBackend extends AbstractBackend<CpuTensor> implements DenseStepPlanner {
    /** Whether one sample's fused step may run a layer over its transposed weights (see FusedStepOne). */
    private final boolean transposedForward;

    public CpuBackend() {
        this(true);
    }

    /** With {@code transposedForward} false, the fused step gives the separate operations' bits (for tests). */
    CpuBackend(boolean transposedForward) {
        super(CpuTensor.class);
        this.transposedForward = transposedForward;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CPU;
    }

    @Override
    public String description() {
        return "cpu (Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, OpenBLAS " + Blas.openblas_get_corename() + " kernels)";
    }

    /** Floats in a 64-byte cache line: an array this much less one longer can start a tensor on a line. */
    static final int LINE_FLOATS = 16;
    /** The length from which a new tensor starts on a cache line: weights and a batch's buffers (16 KiB). */
    private static final int LINE_ALIGNED_LENGTH = 4096;

    @Override
    protected CpuTensor allocateZeroed(long length, DType dtype) {
        int most = Integer.MAX_VALUE - 8 - LINE_FLOATS;
        if (length > most) {
            throw new IllegalArgumentException("the CPU backend holds at most " + most + " floats in a tensor, got "
                    + length);
        }
        if (dtype == DType.INT32) {
            return new CpuTensor(this, new int[(int) length]);
        }
        if (length < LINE_ALIGNED_LENGTH) {
            return new CpuTensor(this, new float[(int) length], 0, (int) length);
        }
        // a few floats more, so that the tensor can start on a cache line (the CPU kernels' vector
        // loads then do not cross lines; where the garbage collector moves the array, only speed changes)
        float[] data = new float[(int) length + LINE_FLOATS - 1];
        return new CpuTensor(this, data, CpuKernels.gradsign_cpu_line_offset(data), (int) length);
    }

    /** The array itself, no copy: the CPU backend computes on Java arrays. */
    @Override
    public Optional<Tensor> wrap(float[] array, int offset, int length) {
        checkOpen();
        Objects.requireNonNull(array, "array");
        if (offset < 0 || length < 0 || offset > array.length - length) {
            throw new IllegalArgumentException("wrap: range [" + offset + ", " + offset + " + " + length
                    + ") is outside the array's [0, " + array.length + ")");
        }
        return Optional.of(CpuTensor.wrapping(this, array, offset, length));
    }

    @Override
    protected void copyChecked(CpuTensor destination, CpuTensor source) {
        destination.written();
        Object from = source.data() != null ? source.data() : source.ints();
        Object to = destination.data() != null ? destination.data() : destination.ints();
        System.arraycopy(from, source.offset(), to, destination.offset(), (int) source.length());
    }

    @Override
    protected void signStepChecked(CpuTensor out, CpuTensor x, CpuTensor gradient, float epsilon, float lo, float hi) {
        out.written();
        SignStep.signStep(out.data(), out.offset(), x.data(), x.offset(), gradient.data(), gradient.offset(),
                (int) x.length(), epsilon, lo, hi);
    }

    @Override
    protected void projectedSignStepChecked(CpuTensor out, CpuTensor x, CpuTensor origin, CpuTensor gradient,
                                            float alpha, float epsilon, float lo, float hi) {
        out.written();
        ProjectedSignStep.projectedSignStep(out.data(), out.offset(), x.data(), x.offset(), origin.data(),
                origin.offset(), gradient.data(), gradient.offset(), (int) x.length(), alpha, epsilon, lo, hi);
    }

    @Override
    protected void l2StepChecked(CpuTensor out, CpuTensor x, CpuTensor origin, CpuTensor gradient, int batch,
                                 float alpha, float epsilon, float lo, float hi) {
        out.written();
        L2Step.l2Step(out.data(), out.offset(), x.data(), x.offset(), origin.data(), origin.offset(), gradient.data(),
                gradient.offset(), (int) x.length(), batch, alpha, epsilon, lo, hi);
    }

    @Override
    protected void momentumSignStepChecked(CpuTensor out, CpuTensor momentum, CpuTensor x, CpuTensor origin,
                                           CpuTensor gradient, int batch, float decay, float alpha, float epsilon,
                                           float lo, float hi) {
        out.written();
        momentum.written();
        MomentumSignStep.momentumSignStep(out.data(), out.offset(), momentum.data(), momentum.offset(), x.data(),
                x.offset(), origin.data(), origin.offset(), gradient.data(), gradient.offset(), (int) x.length(), batch,
                decay, alpha, epsilon, lo, hi);
    }

    @Override
    protected void apgdStepChecked(CpuTensor next, CpuTensor current, CpuTensor previous, CpuTensor origin,
                                   CpuTensor gradient, CpuTensor stepSizes, int batch, float momentum, float epsilon,
                                   float lo, float hi) {
        next.written();
        ApgdStep.apgdStep(next.data(), next.offset(), current.data(), current.offset(), previous.data(),
                previous.offset(), origin.data(), origin.offset(), gradient.data(), gradient.offset(), stepSizes.data(),
                stepSizes.offset(), (int) next.length(), batch, momentum, epsilon, lo, hi);
    }

    @Override
    protected void denseForwardChecked(CpuTensor y, CpuTensor x, CpuTensor weights, CpuTensor bias, int batch,
                                       int inFeatures, int outFeatures, Activation activation) {
        y.written();
        Dense.denseForward(y.data(), y.offset(), x.data(), x.offset(), weights.data(), weights.offset(), bias.data(),
                bias.offset(), batch, inFeatures, outFeatures, activation);
    }

    @Override
    protected void denseBackwardInputChecked(CpuTensor dx, CpuTensor dy, CpuTensor weights, int batch, int inFeatures,
                                             int outFeatures) {
        dx.written();
        Dense.denseBackwardInput(dx.data(), dx.offset(), dy.data(), dy.offset(), weights.data(), weights.offset(), batch,
                inFeatures, outFeatures);
    }

    @Override
    protected void denseBackwardWeightsChecked(CpuTensor dWeights, CpuTensor dBias, CpuTensor dy, CpuTensor x, int batch,
                                               int inFeatures, int outFeatures) {
        dWeights.written();
        dBias.written();
        Dense.denseBackwardWeights(dWeights.data(), dWeights.offset(), dBias.data(), dBias.offset(), dy.data(),
                dy.offset(), x.data(), x.offset(), batch, inFeatures, outFeatures);
    }

    @Override
    protected void activationBackwardChecked(CpuTensor dPre, CpuTensor dy, CpuTensor y, Activation activation) {
        dPre.written();
        ActivationBackward.activationBackward(dPre.data(), dPre.offset(), dy.data(), dy.offset(), y.data(), y.offset(),
                (int) dy.length(), activation);
    }

    @Override
    protected void activationForwardChecked(CpuTensor y, CpuTensor x, Activation activation) {
        y.written();
        ActivationForward.activationForward(y.data(), y.offset(), x.data(), x.offset(), (int) x.length(), activation);
    }

    @Override
    protected void conv2dForwardChecked(CpuTensor y, CpuTensor x, CpuTensor weights, CpuTensor bias,
                                        ConvGeometry geometry, Activation activation) {
        y.written();
        Convolution.forward(y.data(), y.offset(), x.data(), x.offset(), weights.data(), weights.offset(), bias.data(),
                bias.offset(), geometry, activation);
    }

    @Override
    protected void conv2dBackwardInputChecked(CpuTensor dx, CpuTensor dy, CpuTensor weights, ConvGeometry geometry) {
        dx.written();
        Convolution.backwardInput(dx.data(), dx.offset(), dy.data(), dy.offset(), weights.data(), weights.offset(),
                geometry);
    }

    @Override
    protected void conv2dBackwardWeightsChecked(CpuTensor dWeights, CpuTensor dBias, CpuTensor dy, CpuTensor x,
                                                ConvGeometry geometry) {
        dWeights.written();
        dBias.written();
        Convolution.backwardWeights(dWeights.data(), dWeights.offset(), dBias.data(), dBias.offset(), dy.data(),
                dy.offset(), x.data(), x.offset(), geometry);
    }

    @Override
    protected void maxPool2dForwardChecked(CpuTensor y, CpuTensor argmax, CpuTensor x, PoolGeometry geometry) {
        y.written();
        argmax.written();
        Pooling.maxForward(y.data(), y.offset(), argmax.ints(), argmax.offset(), x.data(), x.offset(), geometry);
    }

    @Override
    protected void maxPool2dBackwardChecked(CpuTensor dx, CpuTensor dy, CpuTensor argmax, PoolGeometry geometry) {
        dx.written();
        Pooling.maxBackward(dx.data(), dx.offset(), dy.data(), dy.offset(), argmax.ints(), argmax.offset(), geometry);
    }

    @Override
    protected void avgPool2dForwardChecked(CpuTensor y, CpuTensor x, PoolGeometry geometry) {
        y.written();
        Pooling.avgForward(y.data(), y.offset(), x.data(), x.offset(), geometry);
    }

    @Override
    protected void avgPool2dBackwardChecked(CpuTensor dx, CpuTensor dy, PoolGeometry geometry) {
        dx.written();
        Pooling.avgBackward(dx.data(), dx.offset(), dy.data(), dy.offset(), geometry);
    }

    @Override
    protected void softmaxCrossEntropyChecked(CpuTensor probabilities, CpuTensor losses, CpuTensor dLogits,
                                              CpuTensor logits, CpuTensor labels, int batch, int classes,
                                              float gradientScale) {
        probabilities.written();
        losses.written();
        if (dLogits != null) {
            dLogits.written();
        }
        SoftmaxCrossEntropy.softmaxCrossEntropy(probabilities.data(), probabilities.offset(), losses.data(),
                losses.offset(), dLogits == null ? null : dLogits.data(), dLogits == null ? 0 : dLogits.offset(),
                logits.data(), logits.offset(), labels.ints(), labels.offset(), batch, classes, gradientScale);
    }

    @Override
    protected void sgdMomentumChecked(CpuTensor parameters, CpuTensor velocity, CpuTensor gradient, float learningRate,
                                      float momentum,
                                      float weightDecay) {
        parameters.written();
        velocity.written();
        SgdMomentum.sgdMomentum(parameters.data(), parameters.offset(), velocity.data(), velocity.offset(),
                gradient.data(), gradient.offset(), (int) parameters.length(), learningRate, momentum, weightDecay);
    }

    // adversarial training's and VAT's operations
    @Override
    protected void softmaxKlChecked(CpuTensor losses, CpuTensor dP, CpuTensor dQ, CpuTensor pLogits, CpuTensor qLogits, int batch,
                                    int classes, float gradientScale) {
        losses.written();
        if (dP != null) {
            dP.written();
        }
        if (dQ != null) {
            dQ.written();
        }
        SoftmaxDivergence.softmaxKl(losses.data(), losses.offset(), dP == null ? null : dP.data(),
                dP == null ? 0 : dP.offset(), dQ == null ? null : dQ.data(), dQ == null ? 0 : dQ.offset(),
                pLogits.data(), pLogits.offset(), qLogits.data(), qLogits.offset(), batch, classes, gradientScale);
    }

    @Override
    protected void softmaxEntropyChecked(CpuTensor entropies, CpuTensor dLogits, CpuTensor logits, int batch, int classes,
                                         float gradientScale) {
        entropies.written();
        if (dLogits != null) {
            dLogits.written();
        }
        SoftmaxDivergence.softmaxEntropy(entropies.data(), entropies.offset(), dLogits == null ? null : dLogits.data(),
                dLogits == null ? 0 : dLogits.offset(), logits.data(), logits.offset(), batch, classes, gradientScale);
    }

    // the attacks' losses and steps (APGD, CW)
    @Override
    protected void dlrLossChecked(CpuTensor losses, CpuTensor dLogits, CpuTensor logits, CpuTensor labels,
                                  CpuTensor targets, int batch, int classes, float gradientScale) {
        losses.written();
        if (dLogits != null) {
            dLogits.written();
        }
        DlrLoss.dlrLoss(losses.data(), losses.offset(), dLogits == null ? null : dLogits.data(),
                dLogits == null ? 0 : dLogits.offset(), logits.data(), logits.offset(), labels.ints(), labels.offset(),
                targets == null ? null : targets.ints(), targets == null ? 0 : targets.offset(), batch, classes,
                gradientScale);
    }

    @Override
    protected void cwMarginChecked(CpuTensor losses, CpuTensor dLogits, CpuTensor logits, CpuTensor labels,
                                   CpuTensor scales, int batch, int classes, float kappa, boolean targeted) {
        losses.written();
        if (dLogits != null) {
            dLogits.written();
        }
        CwMargin.cwMargin(losses.data(), losses.offset(), dLogits == null ? null : dLogits.data(),
                dLogits == null ? 0 : dLogits.offset(), logits.data(), logits.offset(), labels.ints(), labels.offset(),
                scales == null ? null : scales.data(), scales == null ? 0 : scales.offset(), batch, classes, kappa,
                targeted);
    }

    @Override
    protected void cwAdamStepChecked(CpuTensor w, CpuTensor m, CpuTensor v, CpuTensor adversarial, CpuTensor origin,
                                     CpuTensor gradient, float learningRate, float beta1, float beta2,
                                     float correction1, float correction2, float eps, float lo, float hi) {
        w.written();
        m.written();
        v.written();
        adversarial.written();
        CwAdam.cwAdamStep(w.data(), w.offset(), m.data(), m.offset(), v.data(), v.offset(), adversarial.data(),
                adversarial.offset(), origin.data(), origin.offset(), gradient.data(), gradient.offset(),
                (int) w.length(), learningRate, beta1, beta2, correction1, correction2, eps, lo, hi);
    }

    @Override
    protected void sampleNormsChecked(CpuTensor l1, CpuTensor l2, CpuTensor linf, CpuTensor a, CpuTensor b, int batch) {
        for (CpuTensor out : new CpuTensor[] {l1, l2, linf}) {
            if (out != null) {
                out.written();
            }
        }
        SampleNorms.sampleNorms(l1 == null ? null : l1.data(), l1 == null ? 0 : l1.offset(), l2 == null ? null : l2.data(),
                l2 == null ? 0 : l2.offset(), linf == null ? null : linf.data(), linf == null ? 0 : linf.offset(),
                a.data(), a.offset(), b == null ? null : b.data(), b == null ? 0 : b.offset(), (int) a.length(), batch);
    }

    @Override
    protected void copyRowsChecked(CpuTensor destination, int[] destinationRows, CpuTensor source, int[] sourceRows,
                                   int count, long rowLength) {
        destination.written();
        CopyRows.copyRows(destination.data(), destination.offset(), destinationRows, source.data(), source.offset(),
                sourceRows, count, (int) rowLength);
    }

    @Override
    protected void combineChecked(CpuTensor out, float a, CpuTensor x, float b, CpuTensor y, float lo, float hi) {
        out.written();
        Combine.combine(out.data(), out.offset(), a, x.data(), x.offset(), b, y.data(), y.offset(), (int) out.length(),
                lo, hi);
    }

    @Override
    protected void l2NormalizeChecked(CpuTensor out, CpuTensor origin, CpuTensor v, int batch, float scale) {
        out.written();
        L2Normalize.l2Normalize(out.data(), out.offset(), origin == null ? null : origin.data(),
                origin == null ? 0 : origin.offset(), v.data(), v.offset(), (int) out.length(), batch, scale);
    }

    @Override
    protected void randomUniformChecked(CpuTensor out, long seed, long stream, float low, float high) {
        out.written();
        Philox.randomUniform(out.data(), out.offset(), (int) out.length(), seed, stream, low, high);
    }

    @Override
    protected void randomNormalChecked(CpuTensor out, long seed, long stream) {
        out.written();
        Philox.randomNormal(out.data(), out.offset(), (int) out.length(), seed, stream);
    }

    /**
     * One sample's step fused into one piece of work for the cores (see {@link FusedStepOne}); a
     * larger batch's step over weights packed once, split in ranges of samples (see
     * {@link PackedDenseStep}), where every activation is a ReLU or none; otherwise none.
     */
    @Override
    public Optional<GradientStep> planDenseStep(DenseChain chain) {
        if (chain.batch() == 1) {
            return Optional.of(new FusedStepOne(chain, transposedForward));
        }
        return PackedDenseStep.supports(chain) ? Optional.of(new PackedDenseStep(chain, false)) : Optional.empty();
    }

    @Override
    public void synchronize() {
        checkOpen();
    }

    void released(CpuTensor tensor) {
        forget(tensor);
    }

    @Override
    protected void closeBackend() {
        // Java arrays need no release
    }
}

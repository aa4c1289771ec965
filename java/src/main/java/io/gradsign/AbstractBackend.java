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
        T tensor = allocateZeroed(length, DType.FLOAT32);
        owned.add(tensor);
        return tensor;
    }

    @Override
    public final Tensor allocate(Shape shape, DType dtype) {
        checkOpen();
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        T tensor = allocateZeroed(shape.size(), dtype);
        tensor.assignShape(shape);
        owned.add(tensor);
        return tensor;
    }

    @Override
    public final void copy(Tensor destination, Tensor source) {
        checkOpen();
        T to = mine(destination, "destination");
        T from = mine(source, "source");
        if (destination.dtype() != source.dtype()) {
            throw new IllegalArgumentException("types differ: destination=" + destination.dtype() + ", source="
                    + source.dtype());
        }
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
        T outTensor = mine(out, "out", -1);
        T xTensor = mine(x, "x", -1);
        T gradientTensor = mine(gradient, "gradient", -1);
        checkStepSize("epsilon", epsilon);
        checkClipBounds(lo, hi);
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
    public final void projectedSignStep(Tensor out, Tensor x, Tensor origin, Tensor gradient, float alpha,
                                        float epsilon, float lo, float hi) {
        checkOpen();
        T outT = mine(out, "out", -1);
        T xT = mine(x, "x", -1);
        T originT = mine(origin, "origin", -1);
        T gradientT = mine(gradient, "gradient", -1);
        checkStepSize("alpha", alpha);
        checkStepSize("epsilon", epsilon);
        checkClipBounds(lo, hi);
        checkStepLengths(out, null, x, origin, gradient);
        checkStepOverlaps(out, x, origin, gradient);
        projectedSignStepChecked(outT, xT, originT, gradientT, alpha, epsilon, lo, hi);
    }

    @Override
    public final void l2Step(Tensor out, Tensor x, Tensor origin, Tensor gradient, int batch, float alpha,
                             float epsilon, float lo, float hi) {
        checkOpen();
        T outT = mine(out, "out", -1);
        T xT = mine(x, "x", -1);
        T originT = mine(origin, "origin", -1);
        T gradientT = mine(gradient, "gradient", -1);
        checkStepSize("alpha", alpha);
        checkStepSize("epsilon", epsilon);
        checkClipBounds(lo, hi);
        checkStepLengths(out, null, x, origin, gradient);
        checkBatch(batch, x.length());
        checkStepOverlaps(out, x, origin, gradient);
        l2StepChecked(outT, xT, originT, gradientT, batch, alpha, epsilon, lo, hi);
    }

    @Override
    public final void momentumSignStep(Tensor out, Tensor momentum, Tensor x, Tensor origin, Tensor gradient,
                                       int batch, float decay, float alpha, float epsilon, float lo, float hi) {
        checkOpen();
        T outT = mine(out, "out", -1);
        T momentumT = mine(momentum, "momentum", -1);
        T xT = mine(x, "x", -1);
        T originT = mine(origin, "origin", -1);
        T gradientT = mine(gradient, "gradient", -1);
        checkStepSize("decay", decay);
        checkStepSize("alpha", alpha);
        checkStepSize("epsilon", epsilon);
        checkClipBounds(lo, hi);
        checkStepLengths(out, momentum, x, origin, gradient);
        checkBatch(batch, x.length());
        checkStepOverlaps(out, x, origin, gradient);
        checkDisjoint(momentum, "momentum", out, x, origin, gradient);
        momentumSignStepChecked(outT, momentumT, xT, originT, gradientT, batch, decay, alpha, epsilon, lo, hi);
    }

    @Override
    public final void apgdStep(Tensor next, Tensor current, Tensor previous, Tensor origin, Tensor gradient,
                               Tensor stepSizes, int batch, float momentum, float epsilon, float lo, float hi) {
        checkOpen();
        T nextT = mine(next, "next", -1);
        T currentT = mine(current, "current", next.length());
        T previousT = mine(previous, "previous", next.length());
        T originT = mine(origin, "origin", next.length());
        T gradientT = mine(gradient, "gradient", next.length());
        checkBatch(batch, next.length());
        T stepSizesT = mine(stepSizes, "stepSizes", batch);
        if (!Float.isFinite(momentum)) {
            throw new IllegalArgumentException("momentum must be finite, got " + momentum);
        }
        checkStepSize("epsilon", epsilon);
        checkClipBounds(lo, hi);
        if (next.overlapsPartially(current)) {
            throw new IllegalArgumentException("next overlaps current without being the same range: " + next
                    + ", current=" + current);
        }
        if (next.overlapsPartially(previous)) {
            throw new IllegalArgumentException("next overlaps previous without being the same range: " + next
                    + ", previous=" + previous);
        }
        checkDisjoint(next, "next", origin, gradient, stepSizes);
        apgdStepChecked(nextT, currentT, previousT, originT, gradientT, stepSizesT, batch, momentum, epsilon, lo, hi);
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
        T labelsT = mineInts(labels.storage(), "labels", batch);
        checkDisjoint(probabilities, "probabilities", losses, logits, labels.storage());
        checkDisjoint(losses, "losses", logits, labels.storage());
        if (dLogits != null) {
            checkDisjoint(dLogits, "dLogits", probabilities, losses, logits, labels.storage());
        }
        softmaxCrossEntropyChecked(probabilitiesT, lossesT, dLogitsT, logitsT, labelsT, batch, classes, gradientScale);
    }

    @Override
    public final void activationForward(Tensor y, Tensor x, Activation activation) {
        checkOpen();
        Objects.requireNonNull(activation, "activation");
        T xT = mine(x, "x", -1);
        T yT = mine(y, "y", x.length());
        if (y.overlapsPartially(x)) {
            throw new IllegalArgumentException("y overlaps x without being the same range");
        }
        activationForwardChecked(yT, xT, activation);
    }

    @Override
    public final void conv2dForward(Tensor y, Tensor x, Tensor weights, Tensor bias, ConvGeometry geometry,
                                    Activation activation) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(activation, "activation");
        T yT = mineShaped(y, "y", convOutput(geometry));
        T xT = mineShaped(x, "x", convInput(geometry));
        T weightsT = mineShaped(weights, "weights", convWeights(geometry));
        T biasT = mineShaped(bias, "bias", Shape.of(geometry.outChannels()));
        checkDisjoint(y, "y", x, weights, bias);
        conv2dForwardChecked(yT, xT, weightsT, biasT, geometry, activation);
    }

    @Override
    public final void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weights, ConvGeometry geometry) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        T dxT = mineShaped(dx, "dx", convInput(geometry));
        T dyT = mineShaped(dy, "dy", convOutput(geometry));
        T weightsT = mineShaped(weights, "weights", convWeights(geometry));
        checkDisjoint(dx, "dx", dy, weights);
        conv2dBackwardInputChecked(dxT, dyT, weightsT, geometry);
    }

    @Override
    public final void conv2dBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x, ConvGeometry geometry) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        T dWeightsT = mineShaped(dWeights, "dWeights", convWeights(geometry));
        T dBiasT = mineShaped(dBias, "dBias", Shape.of(geometry.outChannels()));
        T dyT = mineShaped(dy, "dy", convOutput(geometry));
        T xT = mineShaped(x, "x", convInput(geometry));
        checkDisjoint(dWeights, "dWeights", dBias, dy, x);
        checkDisjoint(dBias, "dBias", dy, x);
        conv2dBackwardWeightsChecked(dWeightsT, dBiasT, dyT, xT, geometry);
    }

    @Override
    public final void maxPool2dForward(Tensor y, Tensor argmax, Tensor x, PoolGeometry geometry) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        T yT = mineShaped(y, "y", poolOutput(geometry));
        T argmaxT = mineInts(argmax, "argmax", geometry.outputSize());
        checkShape(argmax, "argmax", poolOutput(geometry));
        T xT = mineShaped(x, "x", poolInput(geometry));
        checkDisjoint(y, "y", x, argmax);
        checkDisjoint(argmax, "argmax", x);
        maxPool2dForwardChecked(yT, argmaxT, xT, geometry);
    }

    @Override
    public final void maxPool2dBackward(Tensor dx, Tensor dy, Tensor argmax, PoolGeometry geometry) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        T dxT = mineShaped(dx, "dx", poolInput(geometry));
        T dyT = mineShaped(dy, "dy", poolOutput(geometry));
        T argmaxT = mineInts(argmax, "argmax", geometry.outputSize());
        checkShape(argmax, "argmax", poolOutput(geometry));
        checkDisjoint(dx, "dx", dy, argmax);
        maxPool2dBackwardChecked(dxT, dyT, argmaxT, geometry);
    }

    @Override
    public final void avgPool2dForward(Tensor y, Tensor x, PoolGeometry geometry) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        T yT = mineShaped(y, "y", poolOutput(geometry));
        T xT = mineShaped(x, "x", poolInput(geometry));
        checkDisjoint(y, "y", x);
        avgPool2dForwardChecked(yT, xT, geometry);
    }

    @Override
    public final void avgPool2dBackward(Tensor dx, Tensor dy, PoolGeometry geometry) {
        checkOpen();
        Objects.requireNonNull(geometry, "geometry");
        T dxT = mineShaped(dx, "dx", poolInput(geometry));
        T dyT = mineShaped(dy, "dy", poolOutput(geometry));
        checkDisjoint(dx, "dx", dy);
        avgPool2dBackwardChecked(dxT, dyT, geometry);
    }

    private static Shape convInput(ConvGeometry g) {
        return Shape.of(g.batch(), g.inChannels(), g.height(), g.width());
    }

    private static Shape convOutput(ConvGeometry g) {
        return Shape.of(g.batch(), g.outChannels(), g.outHeight(), g.outWidth());
    }

    private static Shape convWeights(ConvGeometry g) {
        return Shape.of(g.outChannels(), g.inChannels(), g.kernelHeight(), g.kernelWidth());
    }

    private static Shape poolInput(PoolGeometry g) {
        return Shape.of(g.batch(), g.channels(), g.height(), g.width());
    }

    private static Shape poolOutput(PoolGeometry g) {
        return Shape.of(g.batch(), g.channels(), g.outHeight(), g.outWidth());
    }

    @Override
    public final void sgdMomentum(Tensor parameters, Tensor velocity, Tensor gradient, float learningRate,
                                  float momentum, float weightDecay) {
        checkOpen();
        if (!(learningRate >= 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and >= 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
        T parametersT = mine(parameters, "parameters", -1);
        T velocityT = mine(velocity, "velocity", parameters.length());
        T gradientT = mine(gradient, "gradient", parameters.length());
        checkDisjoint(parameters, "parameters", velocity, gradient);
        checkDisjoint(velocity, "velocity", gradient);
        sgdMomentumChecked(parametersT, velocityT, gradientT, learningRate, momentum, weightDecay);
    }

    @Override
    public final void softmaxKl(Tensor losses, Tensor dP, Tensor dQ, Tensor pLogits, Tensor qLogits, int batch,
                                int classes, float gradientScale) {
        checkOpen();
        checkRows(batch, classes, gradientScale);
        long size = (long) batch * classes;
        T lossesT = mine(losses, "losses", batch);
        T dPT = dP == null ? null : mine(dP, "dP", size);
        T dQT = dQ == null ? null : mine(dQ, "dQ", size);
        T pT = mine(pLogits, "pLogits", size);
        T qT = mine(qLogits, "qLogits", size);
        checkDisjoint(losses, "losses", dP, dQ, pLogits, qLogits);
        if (dP != null) {
            checkDisjoint(dP, "dP", dQ, pLogits, qLogits);
        }
        if (dQ != null) {
            checkDisjoint(dQ, "dQ", pLogits, qLogits);
        }
        softmaxKlChecked(lossesT, dPT, dQT, pT, qT, batch, classes, gradientScale);
    }

    @Override
    public final void softmaxEntropy(Tensor entropies, Tensor dLogits, Tensor logits, int batch, int classes,
                                     float gradientScale) {
        checkOpen();
        checkRows(batch, classes, gradientScale);
        long size = (long) batch * classes;
        T entropiesT = mine(entropies, "entropies", batch);
        T dLogitsT = dLogits == null ? null : mine(dLogits, "dLogits", size);
        T logitsT = mine(logits, "logits", size);
        checkDisjoint(entropies, "entropies", dLogits, logits);
        if (dLogits != null) {
            checkDisjoint(dLogits, "dLogits", logits);
        }
        softmaxEntropyChecked(entropiesT, dLogitsT, logitsT, batch, classes, gradientScale);
    }

    @Override
    public final void dlrLoss(Tensor losses, Tensor dLogits, Tensor logits, Labels labels, Labels targets, int batch,
                              int classes, float gradientScale) {
        checkOpen();
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        int fewest = targets == null ? 3 : 4;
        if (classes < fewest) {
            throw new IllegalArgumentException("the " + (targets == null ? "" : "targeted ") + "DLR loss needs classes >= "
                    + fewest + " (it divides by the gap between the largest and the third"
                    + (targets == null ? "" : " and fourth") + " largest logit), got classes=" + classes);
        }
        if (!Float.isFinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be finite, got " + gradientScale);
        }
        checkLabels(labels, "labels", batch, classes);
        if (targets != null) {
            checkLabels(targets, "targets", batch, classes);
        }
        long size = (long) batch * classes;
        T lossesT = mine(losses, "losses", batch);
        T dLogitsT = dLogits == null ? null : mine(dLogits, "dLogits", size);
        T logitsT = mine(logits, "logits", size);
        T labelsT = mineInts(labels.storage(), "labels", batch);
        T targetsT = targets == null ? null : mineInts(targets.storage(), "targets", batch);
        Tensor targetStorage = targets == null ? null : targets.storage();
        checkDisjoint(losses, "losses", dLogits, logits, labels.storage(), targetStorage);
        if (dLogits != null) {
            checkDisjoint(dLogits, "dLogits", logits, labels.storage(), targetStorage);
        }
        dlrLossChecked(lossesT, dLogitsT, logitsT, labelsT, targetsT, batch, classes, gradientScale);
    }

    /** Labels for batch samples of classes classes. */
    private static void checkLabels(Labels labels, String role, int batch, int classes) {
        Objects.requireNonNull(labels, role);
        if (labels.count() != batch || labels.classes() != classes) {
            throw new IllegalArgumentException(role + " hold " + labels.count() + " labels of " + labels.classes()
                    + " classes; the batch is " + batch + " of " + classes + " classes");
        }
    }

    @Override
    public final void cwMargin(Tensor losses, Tensor dLogits, Tensor logits, Labels labels, Tensor scales, int batch,
                               int classes, float kappa, boolean targeted) {
        checkOpen();
        if (batch < 0 || classes < 2) {
            throw new IllegalArgumentException("need batch >= 0 and classes >= 2 (a margin needs another class), got batch="
                    + batch + ", classes=" + classes);
        }
        if (!(kappa >= 0) || Float.isInfinite(kappa)) {
            throw new IllegalArgumentException("kappa must be finite and >= 0, got " + kappa);
        }
        checkLabels(labels, "labels", batch, classes);
        long size = (long) batch * classes;
        T lossesT = mine(losses, "losses", batch);
        T dLogitsT = dLogits == null ? null : mine(dLogits, "dLogits", size);
        T logitsT = mine(logits, "logits", size);
        T labelsT = mineInts(labels.storage(), "labels", batch);
        T scalesT = scales == null ? null : mine(scales, "scales", batch);
        checkDisjoint(losses, "losses", dLogits, logits, labels.storage(), scales);
        if (dLogits != null) {
            checkDisjoint(dLogits, "dLogits", logits, labels.storage(), scales);
        }
        cwMarginChecked(lossesT, dLogitsT, logitsT, labelsT, scalesT, batch, classes, kappa, targeted);
    }

    @Override
    public final void cwAdamStep(Tensor w, Tensor m, Tensor v, Tensor adversarial, Tensor origin, Tensor gradient,
                                 float learningRate, float beta1, float beta2, float correction1, float correction2,
                                 float eps, float lo, float hi) {
        checkOpen();
        T wT = mine(w, "w", -1);
        T mT = mine(m, "m", w.length());
        T vT = mine(v, "v", w.length());
        T adversarialT = mine(adversarial, "adversarial", w.length());
        T originT = mine(origin, "origin", w.length());
        T gradientT = mine(gradient, "gradient", w.length());
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        checkDecay("beta1", beta1);
        checkDecay("beta2", beta2);
        checkCorrection("correction1", correction1);
        checkCorrection("correction2", correction2);
        if (!(eps > 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be finite and > 0, got " + eps);
        }
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("the box must satisfy lo < hi, both finite, got lo=" + lo + ", hi=" + hi);
        }
        Tensor[] tensors = {w, m, v, adversarial, origin, gradient};
        String[] roles = {"w", "m", "v", "adversarial", "origin", "gradient"};
        for (int i = 0; i < tensors.length; i++) {
            for (int j = i + 1; j < tensors.length; j++) {
                if (tensors[i].overlaps(tensors[j])) {
                    throw new IllegalArgumentException(roles[i] + " shares memory with " + roles[j] + ": " + tensors[i]
                            + ", " + tensors[j]);
                }
            }
        }
        cwAdamStepChecked(wT, mT, vT, adversarialT, originT, gradientT, learningRate, beta1, beta2, correction1,
                correction2, eps, lo, hi);
    }

    /** An exponential decay rate of Adam's moments: in [0, 1). */
    private static void checkDecay(String name, float value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
        }
    }

    /** A bias correction 1 / (1 - beta^step) of Adam's moments: finite and >= 1. */
    private static void checkCorrection(String name, float value) {
        if (!(value >= 1) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 1, got " + value);
        }
    }

    @Override
    public final void sampleNorms(Tensor l1, Tensor l2, Tensor linf, Tensor a, Tensor b, int batch) {
        checkOpen();
        if (l1 == null && l2 == null && linf == null) {
            throw new IllegalArgumentException("sampleNorms needs at least one of l1, l2 and linf");
        }
        T aT = mine(a, "a", -1);
        T bT = b == null ? null : mine(b, "b", a.length());
        checkBatch(batch, a.length());
        T l1T = l1 == null ? null : mine(l1, "l1", batch);
        T l2T = l2 == null ? null : mine(l2, "l2", batch);
        T linfT = linf == null ? null : mine(linf, "linf", batch);
        if (l1 != null) {
            checkDisjoint(l1, "l1", a, b, l2, linf);
        }
        if (l2 != null) {
            checkDisjoint(l2, "l2", a, b, linf);
        }
        if (linf != null) {
            checkDisjoint(linf, "linf", a, b);
        }
        sampleNormsChecked(l1T, l2T, linfT, aT, bT, batch);
    }

    @Override
    public final void copyRows(Tensor destination, int[] destinationRows, Tensor source, int[] sourceRows, int count) {
        checkOpen();
        T destinationT = mine(destination, "destination", -1);
        T sourceT = mine(source, "source", -1);
        Objects.requireNonNull(destinationRows, "destinationRows");
        Objects.requireNonNull(sourceRows, "sourceRows");
        if (count < 0 || count > destinationRows.length || count > sourceRows.length) {
            throw new IllegalArgumentException("count must be in [0, " + Math.min(destinationRows.length, sourceRows.length)
                    + "] (the index lists hold " + destinationRows.length + " and " + sourceRows.length + "), got "
                    + count);
        }
        long rowLength = rowLength(destination);
        if (rowLength != rowLength(source)) {
            throw new IllegalArgumentException("row lengths differ: destination " + destination.shape() + " has rows of "
                    + rowLength + " floats, source " + source.shape() + " of " + rowLength(source));
        }
        int destinationCount = destination.shape().dim(0);
        int sourceCount = source.shape().dim(0);
        boolean[] written = new boolean[destinationCount];
        for (int j = 0; j < count; j++) {
            int to = destinationRows[j];
            int from = sourceRows[j];
            if (to < 0 || to >= destinationCount) {
                throw new IllegalArgumentException("destinationRows[" + j + "] = " + to + " is outside the destination's "
                        + destinationCount + " rows");
            }
            if (from < 0 || from >= sourceCount) {
                throw new IllegalArgumentException("sourceRows[" + j + "] = " + from + " is outside the source's "
                        + sourceCount + " rows");
            }
            if (written[to]) {
                throw new IllegalArgumentException("destinationRows[" + j + "] = " + to + " repeats an earlier entry");
            }
            written[to] = true;
        }
        if (destination.overlaps(source)) {
            if (!sameRange(destination, source)) {
                throw new IllegalArgumentException("destination overlaps source without being the same range: "
                        + destination + ", source=" + source);
            }
            // the same rows: a row written by entry j must not be read by another entry k
            for (int k = 0; k < count; k++) {
                int from = sourceRows[k];
                if (written[from] && destinationRows[k] != from) {
                    throw new IllegalArgumentException("sourceRows[" + k + "] = " + from
                            + " is a row another entry writes (destination and source are one tensor)");
                }
            }
        }
        copyRowsChecked(destinationT, destinationRows, sourceT, sourceRows, count, rowLength);
    }

    /** The floats of one slice along dimension 0: the product of the other dimensions (1 for rank 1). */
    private static long rowLength(Tensor tensor) {
        int[] dims = tensor.shape().dims();
        long length = 1;
        for (int axis = 1; axis < dims.length; axis++) {
            length *= dims[axis];
        }
        return length;
    }

    private static void checkRows(int batch, int classes, float gradientScale) {
        if (batch < 0 || classes <= 0) {
            throw new IllegalArgumentException("need batch >= 0 and classes > 0, got batch=" + batch + ", classes="
                    + classes);
        }
        if (!Float.isFinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be finite, got " + gradientScale);
        }
    }

    @Override
    public final void combine(Tensor out, float a, Tensor x, float b, Tensor y, float lo, float hi) {
        checkOpen();
        if (!Float.isFinite(a) || !Float.isFinite(b)) {
            throw new IllegalArgumentException("a and b must be finite, got a=" + a + ", b=" + b);
        }
        checkClipBounds(lo, hi);
        T outT = mine(out, "out", -1);
        T xT = mine(x, "x", out.length());
        T yT = mine(y, "y", out.length());
        checkSameOrDisjoint(out, "x", x);
        checkSameOrDisjoint(out, "y", y);
        combineChecked(outT, a, xT, b, yT, lo, hi);
    }

    @Override
    public final void l2Normalize(Tensor out, Tensor origin, Tensor v, int batch, float scale) {
        checkOpen();
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, got " + scale);
        }
        T outT = mine(out, "out", -1);
        T originT = origin == null ? null : mine(origin, "origin", out.length());
        T vT = mine(v, "v", out.length());
        checkBatch(batch, out.length());
        if (origin != null) {
            checkSameOrDisjoint(out, "origin", origin);
        }
        checkSameOrDisjoint(out, "v", v);
        l2NormalizeChecked(outT, originT, vT, batch, scale);
    }

    @Override
    public final void randomUniform(Tensor out, long seed, long stream, float low, float high) {
        checkOpen();
        if (!Float.isFinite(low) || !Float.isFinite(high) || low > high) {
            throw new IllegalArgumentException("need finite low <= high, got low=" + low + ", high=" + high);
        }
        randomUniformChecked(mine(out, "out", -1), seed, stream, low, high);
    }

    @Override
    public final void randomNormal(Tensor out, long seed, long stream) {
        checkOpen();
        randomNormalChecked(mine(out, "out", -1), seed, stream);
    }

    /** out may be input's very range; otherwise they share no memory. */
    private static void checkSameOrDisjoint(Tensor out, String role, Tensor input) {
        if (out.overlapsPartially(input)) {
            throw new IllegalArgumentException("out overlaps " + role + " without being the same range: " + out + ", "
                    + role + "=" + input);
        }
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

    /** {@link #mine(Tensor, String)}, float32, and the tensor must hold {@code length} floats (any, if negative). */
    private T mine(Tensor tensor, String role, long length) {
        T checked = mine(tensor, role);
        if (tensor.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(role + " holds " + tensor.dtype() + ", not float32");
        }
        if (length >= 0 && tensor.length() != length) {
            throw new IllegalArgumentException(role + " has " + tensor.length() + " floats, the shapes need " + length);
        }
        return checked;
    }

    /** {@link #mine(Tensor, String)}, int32, {@code length} ints. */
    private T mineInts(Tensor tensor, String role, long length) {
        T checked = mine(tensor, role);
        if (tensor.dtype() != DType.INT32) {
            throw new IllegalArgumentException(role + " holds " + tensor.dtype() + ", not int32");
        }
        if (tensor.length() != length) {
            throw new IllegalArgumentException(role + " has " + tensor.length() + " ints, the shapes need " + length);
        }
        return checked;
    }

    /**
     * A float32 tensor of {@code expected}'s element count; one of rank above 1 must have that shape
     * exactly (a flat one is taken as laid out so).
     */
    private T mineShaped(Tensor tensor, String role, Shape expected) {
        T checked = mine(tensor, role, -1);
        if (tensor.length() != expected.size()) {
            throw new IllegalArgumentException(role + " has shape " + describeShape(tensor) + ", expected " + expected);
        }
        checkShape(tensor, role, expected);
        return checked;
    }

    private static void checkShape(Tensor tensor, String role, Shape expected) {
        if (tensor.shape().rank() > 1 && !tensor.shape().equals(expected)) {
            throw new IllegalArgumentException(role + " has shape " + tensor.shape() + ", expected " + expected);
        }
    }

    private static String describeShape(Tensor tensor) {
        return tensor.length() <= Integer.MAX_VALUE ? tensor.shape().toString() : "(" + tensor.length() + ",)";
    }

    private static void checkShape(int batch, int inFeatures, int outFeatures) {
        if (batch < 0 || inFeatures < 0 || outFeatures < 0) {
            throw new IllegalArgumentException("sizes must be >= 0, got batch=" + batch + ", inFeatures=" + inFeatures
                    + ", outFeatures=" + outFeatures);
        }
    }

    /** A step size or radius of the attack steps: finite and >= 0. */
    private static void checkStepSize(String name, float value) {
        if (!(value >= 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    private static void checkClipBounds(float lo, float hi) {
        if (Float.isNaN(lo) || Float.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("clip bounds must satisfy lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
    }

    /** out, x, origin, gradient (and momentum, where not null) of one length. */
    private static void checkStepLengths(Tensor out, Tensor momentum, Tensor x, Tensor origin, Tensor gradient) {
        long n = x.length();
        if (out.length() != n || origin.length() != n || gradient.length() != n
                || (momentum != null && momentum.length() != n)) {
            throw new IllegalArgumentException("lengths differ: out=" + out.length()
                    + (momentum != null ? ", momentum=" + momentum.length() : "") + ", x=" + n + ", origin="
                    + origin.length() + ", gradient=" + gradient.length());
        }
    }

    /** batch samples of equal length: batch >= 0 divides the length (batch 0 only for no elements). */
    private static void checkBatch(int batch, long length) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        if (batch == 0 ? length != 0 : length % batch != 0) {
            throw new IllegalArgumentException("batch " + batch + " does not divide the length " + length);
        }
    }

    /**
     * out may be x (the same range) and otherwise shares no memory with x, origin or gradient; where
     * origin or gradient is x's very range, out being x is out being them too.
     */
    private static void checkStepOverlaps(Tensor out, Tensor x, Tensor origin, Tensor gradient) {
        boolean outIsX = sameRange(out, x);
        if (out.overlaps(x) && !outIsX) {
            throw new IllegalArgumentException("out overlaps x without being the same range: " + out + ", x=" + x);
        }
        if (out.overlaps(origin) && !(outIsX && sameRange(origin, x))) {
            throw new IllegalArgumentException("out shares memory with origin (only x may be out): " + out
                    + ", origin=" + origin);
        }
        if (out.overlaps(gradient) && !(outIsX && sameRange(gradient, x))) {
            throw new IllegalArgumentException("out shares memory with gradient (only x may be out): " + out
                    + ", gradient=" + gradient);
        }
    }

    private static boolean sameRange(Tensor a, Tensor b) {
        return a.overlaps(b) && !a.overlapsPartially(b);
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

    /** A new zeroed owning tensor of {@code length} elements of {@code dtype}; length already validated. */
    protected abstract T allocateZeroed(long length, DType dtype);

    /** The copy with validated arguments. */
    protected abstract void copyChecked(T destination, T source);

    /** The sign step with validated arguments. */
    protected abstract void signStepChecked(T out, T x, T gradient, float epsilon, float lo, float hi);

    /** The projected sign step with validated arguments. */
    protected abstract void projectedSignStepChecked(T out, T x, T origin, T gradient, float alpha, float epsilon,
                                                     float lo, float hi);

    /** The L2 step with validated arguments. */
    protected abstract void l2StepChecked(T out, T x, T origin, T gradient, int batch, float alpha, float epsilon,
                                          float lo, float hi);

    /** The MI-FGSM step with validated arguments. */
    protected abstract void momentumSignStepChecked(T out, T momentum, T x, T origin, T gradient, int batch,
                                                    float decay, float alpha, float epsilon, float lo, float hi);

    /** {@link Backend#apgdStep} with validated arguments. */
    protected abstract void apgdStepChecked(T next, T current, T previous, T origin, T gradient, T stepSizes, int batch,
                                            float momentum, float epsilon, float lo, float hi);

    /** {@link Backend#dlrLoss}; dLogits and targets may be null; labels and targets are int32. */
    protected abstract void dlrLossChecked(T losses, T dLogits, T logits, T labels, T targets, int batch, int classes,
                                           float gradientScale);

    /** {@link Backend#cwMargin}; dLogits and scales may be null; labels is int32. */
    protected abstract void cwMarginChecked(T losses, T dLogits, T logits, T labels, T scales, int batch, int classes,
                                            float kappa, boolean targeted);

    /** {@link Backend#cwAdamStep} with validated arguments; the six tensors disjoint. */
    protected abstract void cwAdamStepChecked(T w, T m, T v, T adversarial, T origin, T gradient, float learningRate,
                                              float beta1, float beta2, float correction1, float correction2,
                                              float eps, float lo, float hi);

    /** {@link Backend#sampleNorms}; b and up to two of the outputs may be null. */
    protected abstract void sampleNormsChecked(T l1, T l2, T linf, T a, T b, int batch);

    /** {@link Backend#copyRows}; the indices checked, rowLength floats per row. */
    protected abstract void copyRowsChecked(T destination, int[] destinationRows, T source, int[] sourceRows, int count,
                                            long rowLength);

    protected abstract void denseForwardChecked(T y, T x, T weights, T bias, int batch, int inFeatures, int outFeatures,
                                                Activation activation);

    protected abstract void denseBackwardInputChecked(T dx, T dy, T weights, int batch, int inFeatures, int outFeatures);

    protected abstract void denseBackwardWeightsChecked(T dWeights, T dBias, T dy, T x, int batch, int inFeatures,
                                                        int outFeatures);

    protected abstract void activationBackwardChecked(T dPre, T dy, T y, Activation activation);

    protected abstract void activationForwardChecked(T y, T x, Activation activation);

    protected abstract void conv2dForwardChecked(T y, T x, T weights, T bias, ConvGeometry geometry,
                                                 Activation activation);

    protected abstract void conv2dBackwardInputChecked(T dx, T dy, T weights, ConvGeometry geometry);

    protected abstract void conv2dBackwardWeightsChecked(T dWeights, T dBias, T dy, T x, ConvGeometry geometry);

    /** argmax is int32. */
    protected abstract void maxPool2dForwardChecked(T y, T argmax, T x, PoolGeometry geometry);

    protected abstract void maxPool2dBackwardChecked(T dx, T dy, T argmax, PoolGeometry geometry);

    protected abstract void avgPool2dForwardChecked(T y, T x, PoolGeometry geometry);

    protected abstract void avgPool2dBackwardChecked(T dx, T dy, PoolGeometry geometry);

    /** dLogits may be null; labels is int32. */
    protected abstract void softmaxCrossEntropyChecked(T probabilities, T losses, T dLogits, T logits, T labels, int batch,
                                                       int classes, float gradientScale);

    protected abstract void sgdMomentumChecked(T parameters, T velocity, T gradient, float learningRate, float momentum,
                                               float weightDecay);

    /** {@link Backend#softmaxKl}; dP and dQ may be null. */
    protected abstract void softmaxKlChecked(T losses, T dP, T dQ, T pLogits, T qLogits, int batch, int classes,
                                             float gradientScale);

    /** {@link Backend#softmaxEntropy}; dLogits may be null. */
    protected abstract void softmaxEntropyChecked(T entropies, T dLogits, T logits, int batch, int classes,
                                                  float gradientScale);

    protected abstract void combineChecked(T out, float a, T x, float b, T y, float lo, float hi);

    /** {@link Backend#l2Normalize}; origin may be null. */
    protected abstract void l2NormalizeChecked(T out, T origin, T v, int batch, float scale);

    protected abstract void randomUniformChecked(T out, long seed, long stream, float low, float high);

    protected abstract void randomNormalChecked(T out, long seed, long stream);

    /** Releases what the backend itself holds, after its tensors are closed. */
    protected abstract void closeBackend();
}

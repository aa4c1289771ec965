package io.gradsign.cuda;

import java.util.concurrent.atomic.AtomicLong;

/** A CudaLibrary that counts the calls that reach native code, for tests of validation. */
public final class CountingCudaLibrary implements CudaLibrary {
    private final CudaLibrary delegate;
    private final AtomicLong calls = new AtomicLong();

    public CountingCudaLibrary(CudaLibrary delegate) {
        this.delegate = delegate;
    }

    /** Calls that changed native state or ran a kernel (status and message lookups not counted). */
    public long calls() {
        return calls.get();
    }

    private <T> T count(T result) {
        calls.incrementAndGet();
        return result;
    }

    @Override public boolean isEmulated() { return delegate.isEmulated(); }
    @Override public String statusName(int status) { return delegate.statusName(status); }
    @Override public String lastErrorMessage() { return delegate.lastErrorMessage(); }
    @Override public String buildInfo() { return delegate.buildInfo(); }
    @Override public int deviceCount(int[] count) { return count(delegate.deviceCount(count)); }
    @Override public int deviceProperties(int device, byte[] name, long[] values) { return count(delegate.deviceProperties(device, name, values)); }
    @Override public int memoryInfo(long[] freeBytes, long[] totalBytes) { return count(delegate.memoryInfo(freeBytes, totalBytes)); }
    @Override public int malloc(long[] address, long bytes) { return count(delegate.malloc(address, bytes)); }
    @Override public int free(long address) { return count(delegate.free(address)); }
    @Override public int copyToDevice(long destination, float[] source, long sourceOffset, long count) { return count(delegate.copyToDevice(destination, source, sourceOffset, count)); }
    @Override public int copyToHost(float[] destination, long destinationOffset, long source, long count) { return count(delegate.copyToHost(destination, destinationOffset, source, count)); }
    @Override public int copyIntsToDevice(long destination, int[] source, long sourceOffset, long count) { return count(delegate.copyIntsToDevice(destination, source, sourceOffset, count)); }
    @Override public int copyIntsToHost(int[] destination, long destinationOffset, long source, long count) { return count(delegate.copyIntsToHost(destination, destinationOffset, source, count)); }
    @Override public int copyOnDevice(long destination, long source, long bytes) { return count(delegate.copyOnDevice(destination, source, bytes)); }
    @Override public int memset(long destination, int value, long bytes) { return count(delegate.memset(destination, value, bytes)); }
    @Override public int synchronize() { return count(delegate.synchronize()); }
    @Override public int signStep(long out, long x, long gradient, long count, float epsilon, float lo, float hi) { return count(delegate.signStep(out, x, gradient, count, epsilon, lo, hi)); }
    @Override public int projectedSignStep(long out, long x, long origin, long gradient, long count, float alpha, float epsilon, float lo, float hi) { return count(delegate.projectedSignStep(out, x, origin, gradient, count, alpha, epsilon, lo, hi)); }
    @Override public int l2Step(long out, long x, long origin, long gradient, long batch, long sampleSize, float alpha, float epsilon, float lo, float hi) { return count(delegate.l2Step(out, x, origin, gradient, batch, sampleSize, alpha, epsilon, lo, hi)); }
    @Override public int momentumSignStep(long out, long momentum, long x, long origin, long gradient, long batch, long sampleSize, float decay, float alpha, float epsilon, float lo, float hi) { return count(delegate.momentumSignStep(out, momentum, x, origin, gradient, batch, sampleSize, decay, alpha, epsilon, lo, hi)); }
    @Override public int apgdStep(long next, long current, long previous, long origin, long gradient, long stepSizes, long batch, long sampleSize, float momentum, float epsilon, float lo, float hi) { return count(delegate.apgdStep(next, current, previous, origin, gradient, stepSizes, batch, sampleSize, momentum, epsilon, lo, hi)); }
    @Override public int dlrLoss(long losses, long dlogits, long logits, long labels, long targets, int batch, int classes, float gradientScale) { return count(delegate.dlrLoss(losses, dlogits, logits, labels, targets, batch, classes, gradientScale)); }
    @Override public int cwMargin(long losses, long dlogits, long logits, long labels, long scales, int batch, int classes, float kappa, boolean targeted) { return count(delegate.cwMargin(losses, dlogits, logits, labels, scales, batch, classes, kappa, targeted)); }
    @Override public int cwAdamStep(long w, long m, long v, long adversarial, long origin, long gradient, long count, float learningRate, float beta1, float beta2, float correction1, float correction2, float eps, float lo, float hi) { return count(delegate.cwAdamStep(w, m, v, adversarial, origin, gradient, count, learningRate, beta1, beta2, correction1, correction2, eps, lo, hi)); }
    @Override public int sampleNorms(long l1, long l2, long linf, long a, long b, long batch, long sampleSize) { return count(delegate.sampleNorms(l1, l2, linf, a, b, batch, sampleSize)); }
    @Override public int copyRows(long destination, int[] destinationRows, long source, int[] sourceRows, long count, long rowLength) { return count(delegate.copyRows(destination, destinationRows, source, sourceRows, count, rowLength)); }
    @Override public int denseScratchBytes(long[] bytes) { return delegate.denseScratchBytes(bytes); }
    @Override public int denseForward(long y, long x, long weights, long bias, int batch, int inFeatures, int outFeatures, int activation, long scratch) { return count(delegate.denseForward(y, x, weights, bias, batch, inFeatures, outFeatures, activation, scratch)); }
    @Override public int denseBackwardInput(long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, long scratch) { return count(delegate.denseBackwardInput(dx, dy, weights, batch, inFeatures, outFeatures, scratch)); }
    @Override public int denseBackwardInputActivation(long dx, long dy, long weights, long below, int activation, int batch, int inFeatures, int outFeatures, long scratch) { return count(delegate.denseBackwardInputActivation(dx, dy, weights, below, activation, batch, inFeatures, outFeatures, scratch)); }
    @Override public int denseBackwardInputSignStep(long out, long x, long dx, long dy, long weights, int batch, int inFeatures, int outFeatures, float epsilon, float lo, float hi, long scratch) { return count(delegate.denseBackwardInputSignStep(out, x, dx, dy, weights, batch, inFeatures, outFeatures, epsilon, lo, hi, scratch)); }
    @Override public int denseBackwardWeights(long dweights, long dbias, long dy, long x, int batch, int inFeatures, int outFeatures, long scratch) { return count(delegate.denseBackwardWeights(dweights, dbias, dy, x, batch, inFeatures, outFeatures, scratch)); }
    @Override public int activationForward(long y, long x, long count, int activation) { return count(delegate.activationForward(y, x, count, activation)); }
    @Override public int activationBackward(long dpre, long dy, long y, long count, int activation) { return count(delegate.activationBackward(dpre, dy, y, count, activation)); }
    @Override public int conv2dForward(long y, long x, long weights, long bias, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW, int activation) { return count(delegate.conv2dForward(y, x, weights, bias, n, c, h, w, k, r, s, strideH, strideW, padH, padW, activation)); }
    @Override public int conv2dBackwardInput(long dx, long dy, long weights, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) { return count(delegate.conv2dBackwardInput(dx, dy, weights, n, c, h, w, k, r, s, strideH, strideW, padH, padW)); }
    @Override public int conv2dBackwardWeights(long dweights, long dbias, long dy, long x, int n, int c, int h, int w, int k, int r, int s, int strideH, int strideW, int padH, int padW) { return count(delegate.conv2dBackwardWeights(dweights, dbias, dy, x, n, c, h, w, k, r, s, strideH, strideW, padH, padW)); }
    @Override public int maxPool2dForward(long y, long argmax, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return count(delegate.maxPool2dForward(y, argmax, x, n, c, h, w, kh, kw, sh, sw)); }
    @Override public int maxPool2dBackward(long dx, long dy, long argmax, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return count(delegate.maxPool2dBackward(dx, dy, argmax, n, c, h, w, kh, kw, sh, sw)); }
    @Override public int avgPool2dForward(long y, long x, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return count(delegate.avgPool2dForward(y, x, n, c, h, w, kh, kw, sh, sw)); }
    @Override public int avgPool2dBackward(long dx, long dy, int n, int c, int h, int w, int kh, int kw, int sh, int sw) { return count(delegate.avgPool2dBackward(dx, dy, n, c, h, w, kh, kw, sh, sw)); }
    @Override public int softmaxCrossEntropy(long probabilities, long losses, long dlogits, long logits, long labels, int batch, int classes, float gradientScale) { return count(delegate.softmaxCrossEntropy(probabilities, losses, dlogits, logits, labels, batch, classes, gradientScale)); }
    @Override public int softmaxKl(long losses, long dp, long dq, long pLogits, long qLogits, int batch, int classes, float gradientScale) { return count(delegate.softmaxKl(losses, dp, dq, pLogits, qLogits, batch, classes, gradientScale)); }
    @Override public int softmaxEntropy(long entropies, long dlogits, long logits, int batch, int classes, float gradientScale) { return count(delegate.softmaxEntropy(entropies, dlogits, logits, batch, classes, gradientScale)); }

    @Override public int sgdMomentum(long parameters, long velocity, long gradient, long count, float learningRate, float momentum, float weightDecay) { return count(delegate.sgdMomentum(parameters, velocity, gradient, count, learningRate, momentum, weightDecay)); }
    @Override public int combine(long out, float a, long x, float b, long y, long count, float lo, float hi) { return count(delegate.combine(out, a, x, b, y, count, lo, hi)); }
    @Override public int l2Normalize(long out, long origin, long v, long batch, long sampleSize, float scale) { return count(delegate.l2Normalize(out, origin, v, batch, sampleSize, scale)); }
    @Override public int randomUniform(long out, long count, long seed, long stream, float low, float high) { return count(delegate.randomUniform(out, count, seed, stream, low, high)); }
    @Override public int randomNormal(long out, long count, long seed, long stream) { return count(delegate.randomNormal(out, count, seed, stream)); }
}

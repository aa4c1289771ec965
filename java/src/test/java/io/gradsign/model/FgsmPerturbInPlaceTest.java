package io.gradsign.model;

import io.gradsign.nn.Network;
import io.gradsign.Shape;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Fgsm#perturb} on the CPU backend, which reads the images and writes the adversarial images
 * in the caller's arrays (Backend#wrap): in place (adversarial == images) gives the same bits as a
 * separate output; the separate output leaves the images alone; and both give the same bits as the
 * copying route that every backend without wrap takes (the same CPU kernels behind a backend that
 * declines wrap). Calls that come back with the same array ranges use the same wrapped tensors, so
 * they allocate nothing; a new array, or new values in the same one, are always what is read.
 */
class FgsmPerturbInPlaceTest {
    private static final int INPUTS = 20;
    private static final int CLASSES = 5;
    private static final int CAPACITY = 8;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Fgsm.Mode mode : Fgsm.Mode.values()) {
            // 3: one short batch; 21: two full batches of 8 and a last one of 5; 16: full batches only
            for (int count : new int[] {3, 21, 16}) {
                for (int steps : new int[] {1, 3}) {
                    cases.add(Arguments.of(mode, count, steps));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1} samples in batches of " + CAPACITY + ", {2} step(s)")
    @MethodSource("cases")
    void inPlaceEqualsSeparateOutputBitForBit(Fgsm.Mode mode, int count, int steps) {
        long seed = 100L * count + 10L * steps + mode.ordinal();
        float[] images = TestBackends.uniform(seed, count * INPUTS, 0f, 1f);
        // some pixels on the clip bounds exactly
        for (int i = 0; i < images.length; i += 7) {
            images[i] = (i / 7) % 2 == 0 ? 0f : 1f;
        }
        int[] labels = mode == Fgsm.Mode.VIRTUAL ? null : new Random(seed + 1).ints(count, 0, CLASSES).toArray();
        float epsilon = 0.05f;
        String what = mode + ", " + count + " samples, " + steps + " steps, seed " + seed;

        float[] separate = TestBackends.poison(images.length);
        float[] inPlace = images.clone();
        float[] imagesBefore = images.clone();
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {17}, CLASSES), seed);
             Fgsm fgsm = new Fgsm(model, CAPACITY)) {
            fgsm.iteratedSignSteps(mode, images, labels, epsilon, 0f, 1f, steps, separate);
            assertSameBits(imagesBefore, images, what + ": the images changed with a separate output");
            fgsm.iteratedSignSteps(mode, inPlace, labels, epsilon, 0f, 1f, steps, inPlace);
            assertSameBits(separate, inPlace, what + ": in place against a separate output");
        }

        // the copying route: the same CPU kernels behind a backend without wrap
        float[] copied = TestBackends.poison(images.length);
        try (Backend cpu = Backends.open(BackendKind.CPU); Backend copying = new NoWrapBackend(cpu);
             Network model = Network.create(copying, Shape.of(INPUTS), Network.mlp(new int[] {17}, CLASSES), seed);
             Fgsm fgsm = new Fgsm(model, CAPACITY)) {
            fgsm.iteratedSignSteps(mode, images, labels, epsilon, 0f, 1f, steps, copied);
        }
        assertSameBits(copied, separate, what + ": wrapped against copied in and out");

        int moved = 0;
        float maxMove = 0f;
        for (int i = 0; i < images.length; i++) {
            moved += separate[i] != images[i] ? 1 : 0;
            maxMove = Math.max(maxMove, Math.abs(separate[i] - images[i]));
            if (!(separate[i] >= 0f && separate[i] <= 1f)) {
                fail(what + ": element " + i + " = " + separate[i] + " outside the clip bounds [0, 1]");
            }
        }
        assertTrue(moved > images.length / 2, what + ": only " + moved + " of " + images.length + " elements moved");
        assertTrue(maxMove <= steps * epsilon + 1e-6f, what + ": an element moved by " + maxMove);
    }

    @Test
    void callsOnTheSameArraysAllocateNothingAndStillReadWhatTheArraysHold() {
        float[] a = TestBackends.uniform(1, INPUTS, 0f, 1f);
        float[] b = TestBackends.uniform(2, INPUTS, 0f, 1f);
        int[] labels = {3};
        float[] wantA = fresh(a, labels);
        float[] wantB = fresh(b, labels);
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {17}, CLASSES), 9);
             Fgsm fgsm = new Fgsm(model, 1)) {
            float[] out = TestBackends.poison(INPUTS);
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, a, labels, 0.05f, 0f, 1f, 1, out);
            assertSameBits(wantA, out, "first call on a");
            out = TestBackends.poison(INPUTS);
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, a, labels, 0.05f, 0f, 1f, 1, out);
            assertSameBits(wantA, out, "a again, into a new output array");
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, b, labels, 0.05f, 0f, 1f, 1, out);
            assertSameBits(wantB, out, "b: another array of the same length");
            float[] changed = a.clone();
            changed[0] = 1f - changed[0];
            changed[INPUTS - 1] = 0.5f;
            float[] wantChanged = fresh(changed, labels);
            System.arraycopy(changed, 0, a, 0, INPUTS);
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, a, labels, 0.05f, 0f, 1f, 1, out);
            assertSameBits(wantChanged, out, "a with new values");
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, a, labels, 0.05f, 0f, 1f, 1, a);
            assertSameBits(wantChanged, a, "a in place");

            com.sun.management.ThreadMXBean threads = TestBackends.allocationCounter();
            float[] image = b.clone();
            // warm up until the JIT has compiled the path (its first compilations allocate)
            for (int i = 0; i < 1000; i++) {
                fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, image, labels, 0.05f, 0f, 1f, 1, out);
            }
            // the fewer of three windows: a one-time allocation in one of them (a late compilation, a
            // class loaded) is not a per-call one
            long allocated = Long.MAX_VALUE;
            for (int window = 0; window < 3; window++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) {
                    fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, image, labels, 0.05f, 0f, 1f, 1, out);
                }
                allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
            }
            // one object per call (a wrapped tensor is 40 bytes) would be 8000
            assertTrue(allocated < 200 * 16, "200 calls on the same arrays allocated " + allocated + " bytes");
        }
    }

    /** What a new Fgsm of the same model makes of one image: the reference of the test above. */
    private static float[] fresh(float[] image, int[] labels) {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(INPUTS), Network.mlp(new int[] {17}, CLASSES), 9);
             Fgsm fgsm = new Fgsm(model, 1)) {
            float[] out = new float[image.length];
            fgsm.iteratedSignSteps(Fgsm.Mode.UNTARGETED, image.clone(), labels, 0.05f, 0f, 1f, 1, out);
            return out;
        }
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        int wrong = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                if (wrong < 5) {
                    first.append(String.format(" [%d] want %s got %s;", i, expected[i], actual[i]));
                }
                wrong++;
            }
        }
        if (wrong > 0) {
            fail(what + ": " + wrong + " of " + expected.length + " elements differ:" + first);
        }
    }

    /** The CPU backend without {@link Backend#wrap}: Fgsm then copies images in and results out, as on CUDA. */
    private static final class NoWrapBackend implements Backend {
        private final Backend cpu;

        NoWrapBackend(Backend cpu) {
            this.cpu = cpu;
        }

        @Override
        public BackendKind kind() {
            return cpu.kind();
        }

        @Override
        public String description() {
            return "no-wrap " + cpu.description();
        }

        @Override
        public Tensor allocate(long length) {
            return cpu.allocate(length);
        }

        @Override
        public Tensor allocate(io.gradsign.Shape shape, io.gradsign.DType dtype) {
            return cpu.allocate(shape, dtype);
        }

        @Override
        public void copy(Tensor destination, Tensor source) {
            cpu.copy(destination, source);
        }

        @Override
        public void activationForward(Tensor y, Tensor x, Activation activation) {
            cpu.activationForward(y, x, activation);
        }

        @Override
        public void conv2dForward(Tensor y, Tensor x, Tensor weights, Tensor bias, io.gradsign.ConvGeometry geometry,
                                  Activation activation) {
            cpu.conv2dForward(y, x, weights, bias, geometry, activation);
        }

        @Override
        public void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weights, io.gradsign.ConvGeometry geometry) {
            cpu.conv2dBackwardInput(dx, dy, weights, geometry);
        }

        @Override
        public void conv2dBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x,
                                          io.gradsign.ConvGeometry geometry) {
            cpu.conv2dBackwardWeights(dWeights, dBias, dy, x, geometry);
        }

        @Override
        public void maxPool2dForward(Tensor y, Tensor argmax, Tensor x, io.gradsign.PoolGeometry geometry) {
            cpu.maxPool2dForward(y, argmax, x, geometry);
        }

        @Override
        public void maxPool2dBackward(Tensor dx, Tensor dy, Tensor argmax, io.gradsign.PoolGeometry geometry) {
            cpu.maxPool2dBackward(dx, dy, argmax, geometry);
        }

        @Override
        public void avgPool2dForward(Tensor y, Tensor x, io.gradsign.PoolGeometry geometry) {
            cpu.avgPool2dForward(y, x, geometry);
        }

        @Override
        public void avgPool2dBackward(Tensor dx, Tensor dy, io.gradsign.PoolGeometry geometry) {
            cpu.avgPool2dBackward(dx, dy, geometry);
        }

        @Override
        public void signStep(Tensor out, Tensor x, Tensor gradient, float epsilon, float lo, float hi) {
            cpu.signStep(out, x, gradient, epsilon, lo, hi);
        }

        @Override
        public void projectedSignStep(Tensor out, Tensor x, Tensor origin, Tensor gradient, float alpha,
                                      float epsilon, float lo, float hi) {
            cpu.projectedSignStep(out, x, origin, gradient, alpha, epsilon, lo, hi);
        }

        @Override
        public void l2Step(Tensor out, Tensor x, Tensor origin, Tensor gradient, int batch, float alpha, float epsilon,
                           float lo, float hi) {
            cpu.l2Step(out, x, origin, gradient, batch, alpha, epsilon, lo, hi);
        }

        @Override
        public void momentumSignStep(Tensor out, Tensor momentum, Tensor x, Tensor origin, Tensor gradient, int batch,
                                     float decay, float alpha, float epsilon, float lo, float hi) {
            cpu.momentumSignStep(out, momentum, x, origin, gradient, batch, decay, alpha, epsilon, lo, hi);
        }

        @Override
        public void denseForward(Tensor y, Tensor x, Tensor weights, Tensor bias, int batch, int inFeatures,
                                 int outFeatures, Activation activation) {
            cpu.denseForward(y, x, weights, bias, batch, inFeatures, outFeatures, activation);
        }

        @Override
        public void denseBackwardInput(Tensor dx, Tensor dy, Tensor weights, int batch, int inFeatures, int outFeatures) {
            cpu.denseBackwardInput(dx, dy, weights, batch, inFeatures, outFeatures);
        }

        @Override
        public void denseBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x, int batch, int inFeatures,
                                         int outFeatures) {
            cpu.denseBackwardWeights(dWeights, dBias, dy, x, batch, inFeatures, outFeatures);
        }

        @Override
        public void activationBackward(Tensor dPre, Tensor dy, Tensor y, Activation activation) {
            cpu.activationBackward(dPre, dy, y, activation);
        }

        @Override
        public void softmaxCrossEntropy(Tensor probabilities, Tensor losses, Tensor dLogits, Tensor logits,
                                        Labels labels, int batch, int classes, float gradientScale) {
            cpu.softmaxCrossEntropy(probabilities, losses, dLogits, logits, labels, batch, classes, gradientScale);
        }

        @Override
        public void sgdMomentum(Tensor parameters, Tensor velocity, Tensor gradient, float learningRate,
                                float momentum, float weightDecay) {
            cpu.sgdMomentum(parameters, velocity, gradient, learningRate, momentum, weightDecay);
        }

        @Override
        public void softmaxKl(Tensor losses, Tensor dP, Tensor dQ, Tensor pLogits, Tensor qLogits, int batch,
                              int classes, float gradientScale) {
            cpu.softmaxKl(losses, dP, dQ, pLogits, qLogits, batch, classes, gradientScale);
        }

        @Override
        public void apgdStep(Tensor next, Tensor current, Tensor previous, Tensor origin, Tensor gradient,
                             Tensor stepSizes, int batch, float momentum, float epsilon, float lo, float hi) {
            cpu.apgdStep(next, current, previous, origin, gradient, stepSizes, batch, momentum, epsilon, lo, hi);
        }

        @Override
        public void dlrLoss(Tensor losses, Tensor dLogits, Tensor logits, io.gradsign.Labels labels,
                            io.gradsign.Labels targets, int batch, int classes, float gradientScale) {
            cpu.dlrLoss(losses, dLogits, logits, labels, targets, batch, classes, gradientScale);
        }

        @Override
        public void cwMargin(Tensor losses, Tensor dLogits, Tensor logits, io.gradsign.Labels labels, Tensor scales,
                             int batch, int classes, float kappa, boolean targeted) {
            cpu.cwMargin(losses, dLogits, logits, labels, scales, batch, classes, kappa, targeted);
        }

        @Override
        public void cwAdamStep(Tensor w, Tensor m, Tensor v, Tensor adversarial, Tensor origin, Tensor gradient,
                               float learningRate, float beta1, float beta2, float correction1, float correction2,
                               float eps, float lo, float hi) {
            cpu.cwAdamStep(w, m, v, adversarial, origin, gradient, learningRate, beta1, beta2, correction1,
                    correction2, eps, lo, hi);
        }

        @Override
        public void sampleNorms(Tensor l1, Tensor l2, Tensor linf, Tensor a, Tensor b, int batch) {
            cpu.sampleNorms(l1, l2, linf, a, b, batch);
        }

        @Override
        public void copyRows(Tensor destination, int[] destinationRows, Tensor source, int[] sourceRows, int count) {
            cpu.copyRows(destination, destinationRows, source, sourceRows, count);
        }

        @Override
        public void softmaxEntropy(Tensor entropies, Tensor dLogits, Tensor logits, int batch, int classes,
                                   float gradientScale) {
            cpu.softmaxEntropy(entropies, dLogits, logits, batch, classes, gradientScale);
        }

        @Override
        public void combine(Tensor out, float a, Tensor x, float b, Tensor y, float lo, float hi) {
            cpu.combine(out, a, x, b, y, lo, hi);
        }

        @Override
        public void l2Normalize(Tensor out, Tensor origin, Tensor v, int batch, float scale) {
            cpu.l2Normalize(out, origin, v, batch, scale);
        }

        @Override
        public void randomUniform(Tensor out, long seed, long stream, float low, float high) {
            cpu.randomUniform(out, seed, stream, low, high);
        }

        @Override
        public void randomNormal(Tensor out, long seed, long stream) {
            cpu.randomNormal(out, seed, stream);
        }

        @Override
        public void synchronize() {
            cpu.synchronize();
        }

        @Override
        public int openTensorCount() {
            return cpu.openTensorCount();
        }

        @Override
        public boolean isClosed() {
            return cpu.isClosed();
        }

        @Override
        public void close() {
            // the CPU backend is closed by its owner
        }
    }
}

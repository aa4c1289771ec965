package io.gradsign;

import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The buffers of a dense chain for the tests of fused gradient steps: a batch's outputs, gradients,
 * probabilities, losses and labels on one backend, a batch of images x in [0, 1] and a buffer for x'.
 * Two made from the same seed hold the same values, so one can run the separate operations and the
 * other a fused step, and {@link #assertSameAs} compares them bit for bit.
 */
public final class StepBuffers {
    private final Backend backend;
    private final int batch;
    private final int[] widths;
    public final Tensor[] outputs;
    public final Tensor[] inputGradients;
    public final Tensor probabilities;
    public final Tensor losses;
    public final Tensor logitGradients;
    public final Labels labels;
    public final Tensor x;
    public final Tensor adversarial;

    public StepBuffers(Backend backend, int batch, int[] widths, long seed) {
        this.backend = backend;
        this.batch = batch;
        this.widths = widths.clone();
        int layers = widths.length - 1;
        outputs = new Tensor[layers];
        inputGradients = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            outputs[l] = backend.allocate((long) batch * widths[l + 1]);
            inputGradients[l] = backend.allocate((long) batch * widths[l]);
        }
        int classes = widths[layers];
        probabilities = backend.allocate((long) batch * classes);
        losses = backend.allocate(batch);
        logitGradients = backend.allocate((long) batch * classes);
        int[] labelValues = new int[batch];
        for (int n = 0; n < batch; n++) {
            labelValues[n] = (int) ((seed + n) % classes);
        }
        labels = backend.uploadLabels(labelValues, classes);
        x = backend.upload(TestBackends.uniform(seed, batch * widths[0], 0f, 1f));
        adversarial = backend.allocate((long) batch * widths[0]);
    }

    /** Glorot-uniform weights and small biases: {weights, biases}. */
    public static Tensor[][] parameters(Backend backend, int[] widths, long seed) {
        int layers = widths.length - 1;
        Tensor[] weights = new Tensor[layers];
        Tensor[] biases = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            float limit = (float) Math.sqrt(6.0 / (widths[l] + widths[l + 1]));
            weights[l] = backend.upload(TestBackends.uniform(seed + l, widths[l] * widths[l + 1], -limit, limit));
            biases[l] = backend.upload(TestBackends.uniform(seed + 100 + l, widths[l + 1], -0.1f, 0.1f));
        }
        return new Tensor[][] {weights, biases};
    }

    public DenseChain chain(Activation[] activations, Tensor[][] parameters) {
        return new DenseChain(batch, widths, activations, parameters[0], parameters[1], outputs, inputGradients,
                probabilities, losses, logitGradients, labels);
    }

    /** The step by the separate operations, as the Workspace runs them where nothing is fused. */
    public void stepByOperations(Activation[] activations, Tensor[][] parameters, Tensor from, Tensor to, float scale,
                                 float epsilon) {
        chain(activations, parameters).stepByOperations(backend, from, to, scale, epsilon, 0f, 1f, true);
    }

    /** The forward pass at {@code from} into the outputs. */
    public void forward(Activation[] activations, Tensor[][] parameters, Tensor from) {
        Tensor current = from;
        for (int l = 0; l < activations.length; l++) {
            backend.denseForward(outputs[l], current, parameters[0][l], parameters[1][l], batch, widths[l],
                    widths[l + 1], activations[l]);
            current = outputs[l];
        }
    }

    /** Every buffer equal to {@code expected}'s, bit for bit. */
    public void assertSameAs(StepBuffers expected, String what) {
        assertArrayEquals(expected.adversarial.toArray(), adversarial.toArray(), what + ": x'");
        assertArrayEquals(expected.x.toArray(), x.toArray(), what + ": x");
        assertArrayEquals(expected.probabilities.toArray(), probabilities.toArray(), what + ": probabilities");
        assertArrayEquals(expected.losses.toArray(), losses.toArray(), what + ": loss");
        assertArrayEquals(expected.logitGradients.toArray(), logitGradients.toArray(), what + ": logit gradient");
        for (int l = 0; l < outputs.length; l++) {
            assertArrayEquals(expected.outputs[l].toArray(), outputs[l].toArray(), what + ": output " + l);
            assertArrayEquals(expected.inputGradients[l].toArray(), inputGradients[l].toArray(),
                    what + ": input gradient " + l);
        }
    }
}

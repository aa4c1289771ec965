package io.gradsign.train;

import io.gradsign.Backend;
import io.gradsign.Labels;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.ArrayList;
import java.util.List;

/** What every objective's step shares: the workspace, scratch tensors it owns, labels and the loss read back. */
abstract class StepBase implements Objective.Step {
    /** Random streams: the step counter times this, plus a purpose. */
    static final long STREAMS_PER_STEP = 16;

    final Network network;
    final Workspace workspace;
    final Backend backend;
    final int classes;
    final long seed;
    private final List<Tensor> owned = new ArrayList<>();
    private int[] labelRows = new int[0];
    private float[] hostLosses = new float[0];
    private float[] hostProbabilities = new float[0];

    StepBase(Network network, Workspace workspace, long seed) {
        this.network = network;
        this.workspace = workspace;
        this.backend = network.backend();
        this.classes = network.classes();
        this.seed = seed;
    }

    /** A scratch tensor of {@code rows} input-shaped samples, owned by this step. */
    final Tensor inputs(int rows) {
        return own(backend.allocate(Shape.batchOf(Math.max(rows, 1), network.inputShape())));
    }

    /** A scratch tensor of {@code rows} rows of logits, owned by this step. */
    final Tensor logitRows(int rows) {
        return own(backend.allocate(Shape.of(Math.max(rows, 1), classes)));
    }

    /** A scratch tensor of {@code rows} floats, owned by this step. */
    final Tensor values(int rows) {
        return own(backend.allocate(Shape.of(Math.max(rows, 1))));
    }

    private Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    /**
     * The workspace's labels of {@code rows} samples, written as {@code copies} copies of the first
     * {@code n} of {@code labels} one after another ({@code rows = copies * n}).
     */
    final Labels labels(int[] labels, int n, int copies) {
        int rows = n * copies;
        if (labelRows.length < rows) {
            labelRows = new int[rows];
        }
        for (int c = 0; c < copies; c++) {
            System.arraycopy(labels, 0, labelRows, c * n, n);
        }
        Labels buffer = workspace.labels(rows);
        buffer.copyFrom(labelRows, 0);
        return buffer;
    }

    /** The sum of {@code n} floats of {@code values} from row {@code first}. */
    final double sum(Tensor values, int first, int n) {
        if (hostLosses.length < n) {
            hostLosses = new float[n];
        }
        values.copyTo(first, hostLosses, 0, n);
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += hostLosses[i];
        }
        return s;
    }

    /** How many of the rows [first, first + n) of the workspace's probabilities have their largest class at labels[0, n). */
    final int correct(int rows, int first, int n, int[] labels) {
        int size = n * classes;
        if (hostProbabilities.length < size) {
            hostProbabilities = new float[size];
        }
        workspace.probabilities(rows).copyTo((long) first * classes, hostProbabilities, 0, size);
        int right = 0;
        for (int b = 0; b < n; b++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (hostProbabilities[b * classes + c] > hostProbabilities[b * classes + best]) {
                    best = c;
                }
            }
            if (best == labels[b]) {
                right++;
            }
        }
        return right;
    }

    /** out = k * out, in place. */
    final void scale(Tensor out, float k) {
        backend.combine(out, k, out, 0f, out, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /** out = out + k * v, in place. */
    final void addScaled(Tensor out, float k, Tensor v) {
        backend.combine(out, 1f, out, k, v, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    }

    /** The random stream of one purpose in one step. */
    static long stream(long step, int purpose) {
        return step * STREAMS_PER_STEP + purpose;
    }

    /** The cross-entropy of the forward pass over {@code rows} rows at rows [first, first + n), its logit gradient scaled by {@code scale} into dLogits' rows. */
    final void crossEntropyRows(Tensor logits, Tensor dLogits, int rows, int first, int n, Labels labels, float scale) {
        backend.softmaxCrossEntropy(workspace.probabilities(rows).slice(first, n), workspace.losses(rows).slice(first, n),
                dLogits.slice(first, n), logits.slice(first, n), labels, n, classes, scale);
    }

    @Override
    public void close() {
        for (Tensor t : owned) {
            t.close();
        }
        owned.clear();
    }
}

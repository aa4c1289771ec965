package io.gradsign.cpu;

import java.util.Arrays;

/**
 * The one order in which every backend sums over a sample (native/src/sample_reduction.cuh): element
 * i's term goes to lane i mod 256, each lane adding its terms in element order to 0.0 in double; then
 * lane t += lane t + s for s = 128, 64, ..., 1, and lane 0, rounded to float once, is the sum. The
 * terms (squares and magnitudes of floats) are exact in double, so with this order the CPU and CUDA
 * backends get the same bits. A caller passes its own lanes (no shared scratch: threads may call at once).
 */
public final class SampleReduction {
    /** The lanes of the order: the CUDA kernels' threads per sample. */
    public static final int LANES = 256;

    /** One sample's work: its floats start at {@code at}, n of them; lanes are the caller's own, zero. */
    @FunctionalInterface
    interface Sample {
        void run(int at, int n, double[] lanes);
    }

    /**
     * Runs {@code sample} on each of batch samples of count / batch floats, the samples split over the
     * cores, each part with lanes of its own (for the per-sample steps, {@link L2Step} and
     * {@link MomentumSignStep}).
     */
    static void forEachSample(int count, int batch, Sample sample) {
        if (batch == 0 || count == 0) {
            return;
        }
        int n = count / batch;
        CpuWorkers.forRanges(batch, 1, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            double[] lanes = lanes();
            for (int s = from; s < to; s++) {
                sample.run(s * n, n, lanes);
            }
        });
    }

    private SampleReduction() {}

    /** Fresh lanes for {@link #add} and {@link #finish}. */
    public static double[] lanes() {
        return new double[LANES];
    }

    /** Adds element {@code i}'s term to its lane. */
    public static void add(double[] lanes, int i, double term) {
        lanes[i & (LANES - 1)] += term;
    }

    /** The lanes pairwise, rounded to float; the lanes are zeroed for the next sum. */
    public static float finish(double[] lanes) {
        for (int s = LANES / 2; s > 0; s /= 2) {
            for (int t = 0; t < s; t++) {
                lanes[t] += lanes[t + s];
            }
        }
        float sum = (float) lanes[0];
        Arrays.fill(lanes, 0.0);
        return sum;
    }

    /** The sum of values[offset + i]^2 over i in [0, count), in this order. */
    public static float sumOfSquares(float[] values, int offset, int count, double[] lanes) {
        for (int i = 0; i < count; i++) {
            double v = values[offset + i];
            add(lanes, i, v * v);
        }
        return finish(lanes);
    }

    /** The sum of |values[offset + i]| over i in [0, count), in this order. */
    public static float sumOfMagnitudes(float[] values, int offset, int count, double[] lanes) {
        for (int i = 0; i < count; i++) {
            add(lanes, i, Math.abs((double) values[offset + i]));
        }
        return finish(lanes);
    }
}

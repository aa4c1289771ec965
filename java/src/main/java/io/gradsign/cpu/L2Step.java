package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA L2 step ({@code l2_step}, native/src/l2_step.cu): per sample, the same
 * operations in the same order (the norms' sums in {@link SampleReduction}'s order), so both give the
 * same bits. Plain Java, samples split over the cores; {@link #l2StepOne} is the formula for one sample.
 */
public final class L2Step {
    private L2Step() {}

    /** {@link #l2StepOne} for each of batch samples of count / batch floats; arguments already validated. */
    public static void l2Step(float[] out, int outOffset, float[] x, int xOffset, float[] origin, int originOffset,
                              float[] gradient, int gradientOffset, int count, int batch, float alpha, float epsilon,
                              float lo, float hi) {
        SampleReduction.forEachSample(count, batch, (at, n, lanes) -> l2StepOne(out, outOffset + at, x, xOffset + at,
                origin, originOffset + at, gradient, gradientOffset + at, n, alpha, epsilon, lo, hi, lanes));
    }

    /**
     * One sample of n floats: gnorm = sqrt(sum g^2); y = x + (alpha / gnorm) g (y = x where gnorm = 0);
     * d = y - origin; dnorm = sqrt(sum d^2); p = origin + d (epsilon / dnorm) where dnorm &gt; epsilon,
     * else y; out = min(max(p, lo), hi). A sum of squares is in double in {@link SampleReduction}'s
     * order, rounded to float once; the square root and everything else is in float, each operation
     * rounded on its own. {@code lanes}: from {@link SampleReduction#lanes}, zero.
     */
    public static void l2StepOne(float[] out, int outOffset, float[] x, int xOffset, float[] origin, int originOffset,
                                 float[] gradient, int gradientOffset, int n, float alpha, float epsilon, float lo,
                                 float hi, double[] lanes) {
        float gradientNorm = (float) Math.sqrt(SampleReduction.sumOfSquares(gradient, gradientOffset, n, lanes));
        boolean moves = gradientNorm != 0f;
        float scale = moves ? alpha / gradientNorm : 0f;
        for (int i = 0; i < n; i++) {
            double d = moved(x[xOffset + i], gradient[gradientOffset + i], scale, moves) - origin[originOffset + i];
            SampleReduction.add(lanes, i, d * d);
        }
        // (float) Math.sqrt of a float is the correctly rounded float square root, as the kernel's __fsqrt_rn
        float distanceNorm = (float) Math.sqrt(SampleReduction.finish(lanes));
        boolean shrinks = distanceNorm > epsilon;
        float shrink = shrinks ? epsilon / distanceNorm : 0f;
        // out may be x or origin: element i is read before it is written
        for (int i = 0; i < n; i++) {
            float o = origin[originOffset + i];
            float y = moved(x[xOffset + i], gradient[gradientOffset + i], scale, moves);
            float p = shrinks ? o + (y - o) * shrink : y;
            out[outOffset + i] = Math.min(Math.max(p, lo), hi);
        }
    }

    private static float moved(float x, float g, float scale, boolean moves) {
        return moves ? x + scale * g : x;
    }
}

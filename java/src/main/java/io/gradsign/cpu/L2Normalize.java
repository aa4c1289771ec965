package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA {@code l2_normalize} (native/src/l2_normalize.cu): per sample, the same
 * operations in the same order (the sum of squares in {@link SampleReduction}'s order), so both give the
 * same bits. Plain Java, samples split over the cores; {@link #l2NormalizeOne} is the formula for one sample.
 */
public final class L2Normalize {
    private L2Normalize() {}

    /** {@link #l2NormalizeOne} for each of batch samples of count / batch floats; origin may be null. */
    public static void l2Normalize(float[] out, int outOffset, float[] origin, int originOffset, float[] v,
                                   int vOffset, int count, int batch, float scale) {
        SampleReduction.forEachSample(count, batch, (at, n, lanes) -> l2NormalizeOne(out, outOffset + at, origin,
                originOffset + at, v, vOffset + at, n, scale, lanes));
    }

    /**
     * One sample of n floats: norm = sqrt(sum v^2), the sum in double in {@link SampleReduction}'s order
     * rounded to float once, the square root in float; where norm is 0, out = origin (+0 where origin
     * is null); otherwise factor = scale / norm (one float division) and out = origin + factor &middot; v,
     * product and sum rounded one by one (out = factor &middot; v where origin is null). out may be
     * origin or v: element i is read before it is written. {@code lanes}: from {@link SampleReduction#lanes}, zero.
     */
    public static void l2NormalizeOne(float[] out, int outOffset, float[] origin, int originOffset, float[] v,
                                      int vOffset, int n, float scale, double[] lanes) {
        // (float) Math.sqrt of a float is the correctly rounded float square root, as the kernel's __fsqrt_rn
        float norm = (float) Math.sqrt(SampleReduction.sumOfSquares(v, vOffset, n, lanes));
        if (norm == 0f) {
            for (int i = 0; i < n; i++) {
                out[outOffset + i] = origin == null ? 0f : origin[originOffset + i];
            }
            return;
        }
        float factor = scale / norm;
        for (int i = 0; i < n; i++) {
            float scaled = factor * v[vOffset + i];
            out[outOffset + i] = origin == null ? scaled : origin[originOffset + i] + scaled;
        }
    }
}

package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA {@code combine} (native/src/combine.cu): out = clip(a &middot; x + b &middot; y),
 * each product and the sum rounded on their own (Java fuses nothing), Java's max and min, so both give
 * the same bits. Plain Java, split over the cores.
 */
public final class Combine {
    private Combine() {}

    /** out[i] = combineOne(a, x[i], b, y[i], lo, hi) for count floats; out may be x or y (the same range). */
    public static void combine(float[] out, int outOffset, float a, float[] x, int xOffset, float b, float[] y,
                               int yOffset, int count, float lo, float hi) {
        // chunks of 16-float multiples: no two threads share a cache line of out
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[outOffset + i] = combineOne(a, x[xOffset + i], b, y[yOffset + i], lo, hi);
            }
        });
    }

    /** min(max(a &middot; x + b &middot; y, lo), hi): NaN in, NaN out; -0 below +0. */
    public static float combineOne(float a, float x, float b, float y, float lo, float hi) {
        return Math.min(Math.max(a * x + b * y, lo), hi);
    }
}

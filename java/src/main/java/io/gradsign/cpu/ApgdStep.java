package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA APGD step ({@code apgd_step}, native/src/apgd_step.cu): the same float
 * operations in the same order, so both give the same bits. Plain Java, the elements split over the
 * cores; {@link #apgdStepOne} is the formula for one element.
 */
public final class ApgdStep {
    private ApgdStep() {}

    /** next[i] = apgdStepOne(...) with sample i / n's step size, for count floats; arguments already validated. */
    public static void apgdStep(float[] next, int nextOffset, float[] current, int currentOffset, float[] previous,
                                int previousOffset, float[] origin, int originOffset, float[] gradient,
                                int gradientOffset, float[] stepSizes, int stepSizesOffset, int count, int batch,
                                float momentum, float epsilon, float lo, float hi) {
        if (batch == 0 || count == 0) {
            return;
        }
        int n = count / batch;
        float oneMinusMomentum = 1f - momentum;
        // contiguous chunks of 16-float multiples, so no two threads share a cache line of next; next may be
        // current or previous: element i is read, then written, by one thread
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int i = from; i < to; i++) {
                next[nextOffset + i] = apgdStepOne(current[currentOffset + i], previous[previousOffset + i],
                        origin[originOffset + i], gradient[gradientOffset + i], stepSizes[stepSizesOffset + i / n],
                        momentum, oneMinusMomentum, epsilon, lo, hi);
            }
        });
    }

    /**
     * One element: z = the projected sign step of x with step size eta
     * ({@link ProjectedSignStep#projectedSignStepOne}); w = (x + momentum &middot; (z - x)) +
     * oneMinusMomentum &middot; (x - previous); the result is w projected onto [origin - epsilon,
     * origin + epsilon] and clipped to [lo, hi] with Java's max and min. Every operation rounded on its own.
     */
    public static float apgdStepOne(float x, float previous, float origin, float g, float eta, float momentum,
                                    float oneMinusMomentum, float epsilon, float lo, float hi) {
        float z = ProjectedSignStep.projectedSignStepOne(x, origin, g, eta, epsilon, lo, hi);
        float u = momentum * (z - x);
        float v = oneMinusMomentum * (x - previous);
        float w = x + u + v;
        float projected = Math.min(Math.max(w, origin - epsilon), origin + epsilon);
        return Math.min(Math.max(projected, lo), hi);
    }
}

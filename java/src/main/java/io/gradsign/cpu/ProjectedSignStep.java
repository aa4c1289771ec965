package io.gradsign.cpu;

import io.gradsign.cpu.bindings.CpuKernels;

/**
 * The CPU twin of the CUDA projected sign step ({@code projected_sign_step},
 * native/src/projected_sign_step.cu): the same formula with Java's max and min, so both give the same
 * bits. The loop is native/cpu's vectorized kernel (sign_step_cpu.c; Java's Math.max and min do not
 * vectorize, and the plain loop took two thirds of PGD's time on the MLP), split over the cores;
 * {@link #projectedSignStepOne} is the formula for one element, the reference the kernel is tested against.
 */
public final class ProjectedSignStep {
    /** g * 2^126 * 2^126 is beyond +-1 for every non-zero float, so clamping it gives sign(g). */
    private static final float SIGN_SCALE = 0x1p126f;

    private ProjectedSignStep() {}

    /** out[i] = projectedSignStepOne(x[i], origin[i], gradient[i], ...) for count floats; arguments already validated. */
    public static void projectedSignStep(float[] out, int outOffset, float[] x, int xOffset, float[] origin,
                                         int originOffset, float[] gradient, int gradientOffset, int count, float alpha,
                                         float epsilon, float lo, float hi) {
        // contiguous chunks of 16-float multiples, so no two threads share a cache line of out; out may be
        // x: element i is read, then written, by one thread
        CpuWorkers.forRanges(count, 16, count, SignStep.PARALLEL_THRESHOLD, (from, to) ->
                CpuKernels.gradsign_cpu_projected_sign_step_at(out, outOffset + from, x, xOffset + from, origin,
                        originOffset + from, gradient, gradientOffset + from, to - from, alpha, epsilon, lo, hi));
    }

    /**
     * One element: v = x + alpha &middot; sign(g); v = min(max(v, origin - epsilon), origin + epsilon);
     * the result is min(max(v, lo), hi). sign(&plusmn;0) = &plusmn;0 and sign(NaN) = NaN, as in
     * {@link SignStep#signStepOne}; every operation is rounded on its own (Java does not fuse them).
     */
    public static float projectedSignStepOne(float x, float origin, float g, float alpha, float epsilon, float lo,
                                             float hi) {
        float sign = Math.min(Math.max(g * SIGN_SCALE * SIGN_SCALE, -1f), 1f);
        float moved = x + alpha * sign;
        float projected = Math.min(Math.max(moved, origin - epsilon), origin + epsilon);
        return Math.min(Math.max(projected, lo), hi);
    }
}

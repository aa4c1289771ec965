package io.gradsign.cpu;

import io.gradsign.cpu.bindings.CpuKernels;

/**
 * The CPU twin of the CUDA sign step ({@code sign_step}, native/src/sign_step.cu): the same
 * formula with Java's max and min semantics (NaN in, NaN out; +0 above -0), so both give the same
 * bits (the step is exact in float: one rounding of x + epsilon). The loop is native/cpu's
 * vectorized kernel, split over the cores; {@link #signStepOne} is the formula in Java.
 */
public final class SignStep {
    /** Below this many floats one thread is faster than splitting the work. */
    public static final int PARALLEL_THRESHOLD = 1 << 16;

    /** g * 2^126 * 2^126 is beyond +-1 for every non-zero float, so clamping it gives sign(g). */
    private static final float SIGN_SCALE = 0x1p126f;

    private SignStep() {}

    /** Threads {@link #signStep} uses for {@code count} floats: one per 2^16 floats, at most one per core. */
    public static int threadsFor(int count) {
        return CpuWorkers.parts(count, PARALLEL_THRESHOLD, count / 16);
    }

    /** out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi); arguments already validated. */
    public static void signStep(float[] out, int outOffset, float[] x, int xOffset, float[] gradient, int gradientOffset,
                                int count, float epsilon, float lo, float hi) {
        // contiguous chunks of 16-float multiples, so no two threads share a cache line of out
        CpuWorkers.forRanges(count, 16, count, PARALLEL_THRESHOLD, (from, to) ->
                CpuKernels.gradsign_cpu_sign_step_at(out, outOffset + from, x, xOffset + from, gradient,
                        gradientOffset + from, to - from, epsilon, lo, hi));
    }

    /** The formula for one element in Java, the reference the native kernel is tested against. */
    public static float signStepOne(float x, float g, float epsilon, float lo, float hi) {
        float sign = Math.min(Math.max(g * SIGN_SCALE * SIGN_SCALE, -1f), 1f);
        return Math.min(Math.max(x + epsilon * sign, lo), hi);
    }
}

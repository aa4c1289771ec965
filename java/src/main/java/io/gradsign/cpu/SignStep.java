package io.gradsign.cpu;

import java.util.stream.IntStream;

/**
 * The CPU twin of the CUDA kernel {@code sign_step_kernel} (native/src/sign_step.cu): the same
 * formula, element by element, so both give bit-identical results (the step is exact in float:
 * one rounding of x + epsilon).
 */
public final class SignStep {
    /** Below this many floats one thread is faster than splitting the work. */
    static final int PARALLEL_THRESHOLD = 1 << 17;

    private SignStep() {}

    /** out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi); arguments already validated. */
    public static void signStep(float[] out, int outOffset, float[] x, int xOffset, float[] gradient, int gradientOffset,
                                int count, float epsilon, float lo, float hi) {
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), Math.max(1, count / PARALLEL_THRESHOLD));
        if (threads <= 1) {
            signStepRange(out, outOffset, x, xOffset, gradient, gradientOffset, 0, count, epsilon, lo, hi);
            return;
        }
        // contiguous chunks of 16-float multiples, so no two threads share a cache line of out
        long chunk = ((long) count / threads + 15) & ~15L;
        IntStream.range(0, threads).parallel().forEach(t -> {
            int from = (int) Math.min(count, t * chunk);
            int to = (int) Math.min(count, from + chunk);
            signStepRange(out, outOffset, x, xOffset, gradient, gradientOffset, from, to, epsilon, lo, hi);
        });
    }

    private static void signStepRange(float[] out, int outOffset, float[] x, int xOffset, float[] gradient,
                                      int gradientOffset, int from, int to, float epsilon, float lo, float hi) {
        for (int i = from; i < to; i++) {
            out[outOffset + i] = signStepOne(x[xOffset + i], gradient[gradientOffset + i], epsilon, lo, hi);
        }
    }

    /** sign(0) = sign(NaN) = 0: no step; a NaN x fails both comparisons of clip and stays NaN. */
    static float signStepOne(float x, float g, float epsilon, float lo, float hi) {
        float moved = g > 0f ? x + epsilon : (g < 0f ? x - epsilon : x);
        return moved < lo ? lo : (moved > hi ? hi : moved);
    }
}

package io.gradsign.cpu;

import java.util.stream.IntStream;

/**
 * The CPU twin of the CUDA kernel {@code sign_step_kernel} (native/src/sign_step.cu): the same
 * formula with Java's Math.max and Math.min, so both give the same bits (the step is exact in
 * float: one rounding of x + epsilon).
 */
public final class SignStep {
    /** Below this many floats one thread is faster than splitting the work. */
    public static final int PARALLEL_THRESHOLD = 1 << 17;

    /** g * 2^126 * 2^126 is beyond +-1 for every non-zero float, so clamping it gives sign(g). */
    private static final float SIGN_SCALE = 0x1p126f;

    private SignStep() {}

    /** Threads {@link #signStep} uses for {@code count} floats: one per 2^17 floats, at most one per core. */
    public static int threadsFor(int count) {
        return Math.min(Runtime.getRuntime().availableProcessors(), Math.max(1, count / PARALLEL_THRESHOLD));
    }

    /** out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi); arguments already validated. */
    public static void signStep(float[] out, int outOffset, float[] x, int xOffset, float[] gradient, int gradientOffset,
                                int count, float epsilon, float lo, float hi) {
        int threads = threadsFor(count);
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
        if (outOffset == xOffset && xOffset == gradientOffset) {
            // one index for all three arrays: the form C2 turns into vector instructions
            for (int i = from + xOffset; i < to + xOffset; i++) {
                out[i] = signStepOne(x[i], gradient[i], epsilon, lo, hi);
            }
        } else {
            // views at different offsets: C2 (JDK 17) does not vectorize this, about 10x slower
            for (int i = from; i < to; i++) {
                out[outOffset + i] = signStepOne(x[xOffset + i], gradient[gradientOffset + i], epsilon, lo, hi);
            }
        }
    }

    static float signStepOne(float x, float g, float epsilon, float lo, float hi) {
        float sign = Math.min(Math.max(g * SIGN_SCALE * SIGN_SCALE, -1f), 1f);
        return Math.min(Math.max(x + epsilon * sign, lo), hi);
    }
}

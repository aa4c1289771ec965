package io.gradsign.cpu;

/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3" (SC 2011; Random123), and the uniform and normal floats gradsign draws
 * from it: the CPU twin of native/src/philox.cuh and native/src/random.cu, with the same bits.
 *
 * <p>The mapping, for element i of a tensor ({@code seed} and {@code stream} are 64-bit):
 * <ul>
 *   <li>key = (seed &amp; 0xffffffff, seed &gt;&gt;&gt; 32); counter = (block &amp; 0xffffffff,
 *       block &gt;&gt;&gt; 32, stream &amp; 0xffffffff, stream &gt;&gt;&gt; 32); {@link #block} gives
 *       the four 32-bit words w0..w3 of a counter.</li>
 *   <li>Uniform: block = i / 4, w = word i % 4; u = (w &gt;&gt;&gt; 8) &middot; 2^-24 (exact, in [0, 1));
 *       value = low + (high - low) &middot; u, where high - low, the product and the sum are each rounded
 *       to float on their own (no fused multiply-add). With low = 0 or low = -high the value is below
 *       high; for other bounds rounding may give high itself.</li>
 *   <li>Normal: block = i / 2; elements 2k and 2k + 1 are the pair (z0, z1) of block k. Two 53-bit
 *       integers a = (w0 &gt;&gt;&gt; 5) &middot; 2^26 + (w1 &gt;&gt;&gt; 6) and
 *       b = (w2 &gt;&gt;&gt; 5) &middot; 2^26 + (w3 &gt;&gt;&gt; 6); u1 = (a + 1) &middot; 2^-53 in (0, 1],
 *       u2 = b &middot; 2^-53 in [0, 1) (both exact); Box-Muller in double: r = sqrt(-2 ln u1),
 *       z0 = r cos(2&pi; u2), z1 = r sin(2&pi; u2), each rounded to float once. ln, cos and sin are
 *       {@link #log} and {@link #sinCosTwoPi} (every operation rounded on its own, so CUDA repeats
 *       them bit for bit; about 1e-16 relative error); sqrt is IEEE's, correctly rounded.</li>
 * </ul>
 * Element i depends on seed, stream and i only: not on the tensor's length or the backend.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final int ROUNDS = 10;

    private Philox() {}

    /** The four words of Philox4x32-10 at counter (c0, c1, c2, c3) under key (k0, k1), into words[0..3]. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] words) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long product0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long product1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int next0 = (int) (product1 >>> 32) ^ c1 ^ k0;
            int next1 = (int) product1;
            int next2 = (int) (product0 >>> 32) ^ c3 ^ k1;
            int next3 = (int) product0;
            c0 = next0;
            c1 = next1;
            c2 = next2;
            c3 = next3;
        }
        words[0] = c0;
        words[1] = c1;
        words[2] = c2;
        words[3] = c3;
    }

    /** {@link #block} at counter (block, stream) under key seed, split into 32-bit halves as the class says. */
    public static void block(long seed, long stream, long block, int[] words) {
        block((int) block, (int) (block >>> 32), (int) stream, (int) (stream >>> 32), (int) seed, (int) (seed >>> 32),
                words);
    }

    /** A word's top 24 bits as a float in [0, 1): exact. */
    public static float unitFloat(int word) {
        return (word >>> 8) * 0x1p-24f;
    }

    /** out[offset + i] = the uniform value of element i, for i in [0, count); arguments already validated. */
    public static void randomUniform(float[] out, int offset, int count, long seed, long stream, float low, float high) {
        float range = high - low;
        CpuWorkers.forRanges(count, 16, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            int[] words = new int[4];
            for (int i = from; i < to; ) {
                block(seed, stream, i >>> 2, words);
                for (int j = i & 3; j < 4 && i < to; j++, i++) {
                    out[offset + i] = low + range * unitFloat(words[j]);
                }
            }
        });
    }

    /** out[offset + i] = the normal value of element i, for i in [0, count). */
    public static void randomNormal(float[] out, int offset, int count, long seed, long stream) {
        CpuWorkers.forRanges(count, 16, 4L * count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            int[] words = new int[4];
            double[] pair = new double[2];
            for (int i = from; i < to; ) {
                block(seed, stream, i >>> 1, words);
                normalPair(words, pair);
                for (int j = i & 1; j < 2 && i < to; j++, i++) {
                    out[offset + i] = (float) pair[j];
                }
            }
        });
    }

    /** Box-Muller over one block's words as the class says: pair[0] = z0, pair[1] = z1, in double. */
    public static void normalPair(int[] words, double[] pair) {
        double u1 = (unit53(words[0], words[1]) + 1) * 0x1p-53;
        double u2 = unit53(words[2], words[3]) * 0x1p-53;
        double r = Math.sqrt(-2.0 * log(u1));
        sinCosTwoPi(u2, pair);
        double sin = pair[0];
        double cos = pair[1];
        pair[0] = r * cos;
        pair[1] = r * sin;
    }

    /** (hi &gt;&gt;&gt; 5) &middot; 2^26 + (lo &gt;&gt;&gt; 6): 53 bits, exact in a double. */
    private static double unit53(int hi, int lo) {
        return (double) (((long) (hi >>> 5) << 26) | (lo >>> 6));
    }

    private static final double SQRT2 = 1.4142135623730951;
    /** ln 2 in two parts (fdlibm's): the high part has 32 zero low bits, so e &middot; LN2_HI is exact. */
    private static final double LN2_HI = 6.93147180369123816490e-01;
    private static final double LN2_LO = 1.90821492927058770002e-10;

    /**
     * ln x for a positive normal double x: x = m &middot; 2^e with m in [sqrt(1/2), sqrt(2)) (bits),
     * ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| &lt;= 0.172, by its series to s^21 (Horner), then
     * e &middot; ln 2 + ln m. Every operation rounded on its own; relative error about 1e-16.
     */
    public static double log(double x) {
        long bits = Double.doubleToRawLongBits(x);
        int exponent = (int) (bits >>> 52) - 1023;
        double m = Double.longBitsToDouble((bits & 0x000fffffffffffffL) | 0x3ff0000000000000L);
        if (m > SQRT2) {
            m = m * 0.5;
            exponent = exponent + 1;
        }
        double s = (m - 1.0) / (m + 1.0);
        double s2 = s * s;
        double p = 0.047619047619047616;                 // 1/21
        p = p * s2 + 0.052631578947368418;               // 1/19
        p = p * s2 + 0.058823529411764705;               // 1/17
        p = p * s2 + 0.066666666666666666;               // 1/15
        p = p * s2 + 0.076923076923076927;               // 1/13
        p = p * s2 + 0.090909090909090912;               // 1/11
        p = p * s2 + 0.1111111111111111;                 // 1/9
        p = p * s2 + 0.14285714285714285;                // 1/7
        p = p * s2 + 0.20000000000000001;                // 1/5
        p = p * s2 + 0.33333333333333331;                // 1/3
        p = p * s2 + 1.0;
        double lnM = (2.0 * s) * p;
        double e = exponent;
        return e * LN2_HI + (e * LN2_LO + lnM);
    }

    private static final double HALF_PI = 1.5707963267948966;

    /**
     * sin and cos of 2&pi; u for u in [0, 1), into sinCos[0] and sinCos[1]: the quadrant q and the
     * fraction f of 4u (both exact), f moved into [-1/2, 1/2] (q + 1 where f &gt; 1/2, exact), x = f &middot; &pi;/2
     * in [-&pi;/4, &pi;/4], Taylor polynomials of sin x (to x^15) and cos x (to x^16) by Horner, then the
     * quadrant's signs and swap. Every operation rounded on its own; error about 1e-16.
     */
    public static void sinCosTwoPi(double u, double[] sinCos) {
        double t = u * 4.0;
        int quadrant = (int) t;
        double f = t - quadrant;
        if (f > 0.5) {
            f = f - 1.0;
            quadrant = quadrant + 1;
        }
        double x = f * HALF_PI;
        double x2 = x * x;
        double s = -7.6471637318198164e-13;              // -1/15!
        s = s * x2 + 1.6059043836821613e-10;             // 1/13!
        s = s * x2 - 2.505210838544172e-08;              // -1/11!
        s = s * x2 + 2.7557319223985893e-06;             // 1/9!
        s = s * x2 - 0.00019841269841269841;             // -1/7!
        s = s * x2 + 0.0083333333333333332;              // 1/5!
        s = s * x2 - 0.16666666666666666;                // -1/3!
        s = s * x2 + 1.0;
        double sin = x * s;
        double c = 4.7794773323873853e-14;               // 1/16!
        c = c * x2 - 1.1470745597729725e-11;             // -1/14!
        c = c * x2 + 2.08767569878681e-09;               // 1/12!
        c = c * x2 - 2.7557319223985888e-07;             // -1/10!
        c = c * x2 + 2.4801587301587302e-05;             // 1/8!
        c = c * x2 - 0.0013888888888888889;              // -1/6!
        c = c * x2 + 0.041666666666666664;               // 1/4!
        c = c * x2 - 0.5;                                // -1/2!
        double cos = c * x2 + 1.0;
        switch (quadrant & 3) {
            case 0 -> {
                sinCos[0] = sin;
                sinCos[1] = cos;
            }
            case 1 -> {
                sinCos[0] = cos;
                sinCos[1] = -sin;
            }
            case 2 -> {
                sinCos[0] = -sin;
                sinCos[1] = -cos;
            }
            default -> {
                sinCos[0] = -cos;
                sinCos[1] = sin;
            }
        }
    }
}

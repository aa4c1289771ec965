package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA Adam step of Carlini and Wagner's L2 attack ({@code cw_adam_step},
 * native/src/cw_adam_step.cu and cw_adam_step.cuh): the same float operations in the same order, so both
 * give the same bits. Plain Java, the elements split over the cores; {@link #tanh} is gradsign's own float
 * tanh, which the kernel repeats operation for operation (libm's and CUDA's tanhf differ from each other and
 * from Java's), and which the attack also uses on the host for the starting x'.
 */
public final class CwAdam {
    private CwAdam() {}

    /**
     * One step of {@link io.gradsign.Backend#cwAdamStep} over count elements at the given offsets; arguments
     * already validated (the arrays' ranges disjoint). half = (hi - lo) &middot; 0.5f, 1 - beta1 and 1 - beta2
     * are rounded once here, as the CUDA launcher does on the host.
     */
    public static void cwAdamStep(float[] w, int wOffset, float[] m, int mOffset, float[] v, int vOffset,
                                  float[] adversarial, int adversarialOffset, float[] origin, int originOffset,
                                  float[] gradient, int gradientOffset, int count, float learningRate, float beta1,
                                  float beta2, float correction1, float correction2, float eps, float lo, float hi) {
        if (count == 0) {
            return;
        }
        float half = (hi - lo) * 0.5f;
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        // contiguous chunks of 16-float multiples, so no two threads share a cache line of an output; two
        // tanh per element, so an element counts as about 8 of a plain step's
        CpuWorkers.forRanges(count, 16, 8L * count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int i = from; i < to; i++) {
                // d = x' - o; g = gradient + 2d (the distance term's gradient)
                float d = adversarial[adversarialOffset + i] - origin[originOffset + i];
                float g = gradient[gradientOffset + i] + (d + d);
                // dx'/dw = half (1 - tanh(w)^2)
                float wi = w[wOffset + i];
                float t = tanh(wi);
                float s = 1f - t * t;
                float gw = g * (half * s);
                float mi = beta1 * m[mOffset + i] + oneMinusBeta1 * gw;
                float vi = beta2 * v[vOffset + i] + oneMinusBeta2 * (gw * gw);
                float a = mi * correction1;
                float b = (float) Math.sqrt(vi * correction2) + eps;
                wi = wi - (learningRate * a) / b;
                m[mOffset + i] = mi;
                v[vOffset + i] = vi;
                w[wOffset + i] = wi;
                adversarial[adversarialOffset + i] = lo + half * (tanh(wi) + 1f);
            }
        });
    }

    /** 1 / ln 2, rounded to float. */
    private static final float INV_LN2 = 0x1.715476p0f;
    /** ln 2 in two parts (fdlibm's expf): the high part has 7 zero low bits, so k &middot; LN2_HI is exact for |k| &lt; 128. */
    private static final float LN2_HI = 0x1.62e3p-1f;
    private static final float LN2_LO = 0x1.2fefa2p-17f;

    /** Below this |x|, the odd Taylor polynomial; from here on, 1 - 2 / (e^(2|x|) + 1), which is then &ge; 1/2. */
    private static final float POLYNOMIAL_BELOW = 0.55f;
    /** From here on tanh is &plusmn;1 (the formula already gives exactly 1 from about 9.02 on). */
    private static final float ONE_FROM = 10f;

    /**
     * tanh(x) in float from basic float operations only, so that Java and CUDA give the same bits (no
     * library function: Java's {@link Math#tanh}, libm's and CUDA's tanhf may all differ). With a = |x|:
     * <ul>
     *   <li>a &lt; 0.55: a + a &middot; (a&sup2; &middot; P(a&sup2;)), P the Taylor series of (tanh(a) - a) / a&sup3; to
     *       its a^14 term (tanh's to a^17), by Horner; the neglected rest is below 0.05 ulp;</li>
     *   <li>0.55 &le; a &lt; 10: 1 - 2 / (e + 1) with e = {@link #exp exp(a + a)};</li>
     *   <li>a &ge; 10 (infinity included): 1;</li>
     * </ul>
     * then the sign of x (tanh(&plusmn;0) = &plusmn;0); NaN gives NaN. Every operation rounded on its own, in
     * this order. Checked against StrictMath.tanh in double over every float in [0, 20]: at most 1.53 ulp off
     * (at 0.5535, just above the polynomial's range), and monotone.
     */
    public static float tanh(float x) {
        float a = Math.abs(x);
        float t;
        if (a < POLYNOMIAL_BELOW) {
            float a2 = a * a;
            float p = 0x1.355824p-11f;          //  6404582/10854718875  (a^17)
            p = p * a2 + -0x1.7da364p-10f;      // -929569/638512875     (a^15)
            p = p * a2 + 0x1.d6d3dp-9f;         //  21844/6081075        (a^13)
            p = p * a2 + -0x1.226e36p-7f;       // -1382/155925          (a^11)
            p = p * a2 + 0x1.664f48p-6f;        //  62/2835              (a^9)
            p = p * a2 + -0x1.ba1ba2p-5f;       // -17/315               (a^7)
            p = p * a2 + 0x1.111112p-3f;        //  2/15                 (a^5)
            p = p * a2 + -0x1.555556p-2f;       // -1/3                  (a^3)
            t = a + a * (a2 * p);
        } else if (a < ONE_FROM) {
            float e = exp(a + a);
            t = 1f - 2f / (e + 1f);
        } else if (a >= ONE_FROM) {
            t = 1f;
        } else {
            return x + x;                       // NaN
        }
        return Math.copySign(t, x);
    }

    /**
     * e^y for y in [1.1, 20] (tanh's range for it): k = (int) (y &middot; (1/ln 2) + 1/2) (truncated: y &gt; 0),
     * r = (y - k &middot; LN2_HI) - k &middot; LN2_LO (Cody and Waite's reduction, |r| &le; about ln 2 / 2), e^r by
     * its Taylor polynomial to r^8 (Horner), times 2^k made from the exponent's bits (exact).
     */
    private static float exp(float y) {
        int k = (int) (y * INV_LN2 + 0.5f);
        float kf = k;
        float r = (y - kf * LN2_HI) - kf * LN2_LO;
        float p = 0x1.a01a02p-16f;              // 1/8!
        p = p * r + 0x1.a01a02p-13f;            // 1/7!
        p = p * r + 0x1.6c16c2p-10f;            // 1/6!
        p = p * r + 0x1.111112p-7f;             // 1/5!
        p = p * r + 0x1.555556p-5f;             // 1/4!
        p = p * r + 0x1.555556p-3f;             // 1/3!
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        return p * Float.intBitsToFloat((k + 127) << 23);
    }
}

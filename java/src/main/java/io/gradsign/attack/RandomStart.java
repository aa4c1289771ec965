package io.gradsign.attack;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.core.source32.Philox4x32;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * The random starting points of the attacks, drawn on the host from Philox4x32-10 (Salmon et al.
 * 2011; Apache Commons RNG), a counter-based generator keyed by the attack's seed with the sample's
 * index in the whole input and the restart in its counter: a sample's start depends on nothing
 * else (not the batch it runs in, not which samples an early stop removed, not the backend), and
 * every backend starts from the same bits because the start is computed here once and uploaded.
 */
final class RandomStart {
    /** How a start is drawn. */
    enum Kind {
        /** x itself. */
        NONE,
        /** Uniform in the &epsilon;-ball: each element uniform in [&minus;&epsilon;, &epsilon;) (L&infin;), or a Gaussian direction at radius &epsilon;&middot;u^(1/n) (L2). */
        UNIFORM,
        /** x + &alpha;&middot;sign(N(0, I)): each element &plusmn;&alpha; with equal odds (R+FGSM). */
        SIGN,
        /**
         * AutoAttack's APGD start (L&infin;): x + &epsilon;&middot;t/max&#7522;|t&#7522;|, t uniform in [&minus;1, 1) per element,
         * so the start lies on the ball's surface in its largest coordinate.
         */
        SCALED
    }

    private RandomStart() {}

    /** The generator of one sample's start in one restart. */
    static UniformRandomProvider generator(long seed, long sample, int restart) {
        return new Philox4x32(new int[] {(int) seed, (int) (seed >>> 32), 0, restart, (int) sample,
            (int) (sample >>> 32)});
    }

    /**
     * out[outOffset, +size) = clip(x + noise, lo, hi) for one sample x = origin[originOffset, +size),
     * noise drawn as {@code kind} and {@code norm} say with size {@code radius}.
     */
    static void draw(float[] out, int outOffset, float[] origin, int originOffset, int size, Kind kind, Norm norm,
                     float radius, float lo, float hi, long seed, long sample, int restart) {
        if (kind == Kind.NONE) {
            System.arraycopy(origin, originOffset, out, outOffset, size);
            return;
        }
        UniformRandomProvider random = generator(seed, sample, restart);
        if (kind == Kind.SIGN) {
            for (int i = 0; i < size; i++) {
                float step = random.nextBoolean() ? radius : -radius;
                out[outOffset + i] = clip(origin[originOffset + i] + step, lo, hi);
            }
        } else if (kind == Kind.SCALED) {
            float[] t = new float[size];
            float largest = 0f;
            for (int i = 0; i < size; i++) {
                t[i] = 2f * random.nextFloat() - 1f;
                largest = Math.max(largest, Math.abs(t[i]));
            }
            for (int i = 0; i < size; i++) {
                float step = largest > 0 ? radius * t[i] / largest : 0f;
                out[outOffset + i] = clip(origin[originOffset + i] + step, lo, hi);
            }
        } else if (norm == Norm.LINF) {
            for (int i = 0; i < size; i++) {
                // nextFloat is (24 random bits) * 2^-24: 2u - 1 is exact, one rounding in the product
                float u = random.nextFloat();
                out[outOffset + i] = clip(origin[originOffset + i] + radius * (2f * u - 1f), lo, hi);
            }
        } else {
            ZigguratSampler.NormalizedGaussian gaussian = ZigguratSampler.NormalizedGaussian.of(random);
            double[] direction = new double[size];
            double squares = 0;
            for (int i = 0; i < size; i++) {
                direction[i] = gaussian.sample();
                squares += direction[i] * direction[i];
            }
            // uniform in the ball: the radius's n-th power is uniform
            double length = radius * Math.pow(random.nextDouble(), 1.0 / size);
            double scale = squares > 0 ? length / Math.sqrt(squares) : 0;
            for (int i = 0; i < size; i++) {
                out[outOffset + i] = clip((float) (origin[originOffset + i] + scale * direction[i]), lo, hi);
            }
        }
    }

    static float clip(float v, float lo, float hi) {
        return Math.min(Math.max(v, lo), hi);
    }
}

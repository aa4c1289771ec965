package io.gradsign.train;

/** The training objectives with their papers' defaults. */
public final class Objectives {
    private Objectives() {}

    /** Plain softmax cross-entropy on the labelled images. */
    public static Objective standard() {
        return new Standard();
    }

    /** FGSM adversarial training (Goodfellow et al. 2014) at L&infin; radius epsilon, &alpha; = 0.5. */
    public static FgsmAt fgsmAt(float epsilon) {
        return new FgsmAt(epsilon, 0.5f, 0f, 1f);
    }

    /** Fast adversarial training (Wong et al. 2020) at L&infin; radius epsilon, step 1.25&epsilon;. */
    public static FastAt fastAt(float epsilon) {
        return new FastAt(epsilon, 1.25f * epsilon, 0f, 1f);
    }

    /** PGD adversarial training (Madry et al. 2018) at L&infin; radius epsilon: 7 steps of 2.5&epsilon;/7 from a random start. */
    public static PgdAt pgdAt(float epsilon) {
        return new PgdAt(epsilon, 7, Float.NaN, 0f, 1f);
    }

    /** TRADES (Zhang et al. 2019) at L&infin; radius epsilon: &beta; = 6, 10 steps of 2.5&epsilon;/10. */
    public static Trades trades(float epsilon) {
        return new Trades(epsilon, 6f, 10, Float.NaN, 0f, 1f);
    }

    /** Virtual adversarial training (Miyato et al. 2018) at L2 radius epsilon: &xi; = 0.01, K = 1, weight 1, no entropy term. */
    public static Vat vat(float epsilon) {
        return new Vat(epsilon, Vat.DEFAULT_XI, 1, 1f, false);
    }

    /** The names {@link Objective#name} gives, in the order of the command line's list. */
    public static final java.util.List<String> NAMES = java.util.List.of("standard", "fgsm-at", "fast-at", "pgd-at",
            "trades", "vat");

    static float checkEpsilon(String name, float value) {
        if (!(value >= 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    static void checkBounds(float lo, float hi) {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("bounds must be finite with lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
    }
}

package io.gradsign.attack;

import java.util.List;
import java.util.Locale;

/**
 * The gradient attacks, each as its paper defines it, with its defaults (pixels in [0, 1]; every
 * setting can be changed with {@link GradientAttack}'s {@code with...} methods). All are
 * untargeted, targeted or virtual by the {@link Goal} they run with; all clip x' to [0, 1] and
 * keep it in the &epsilon;-ball around x; none stops early unless asked ({@code withEarlyStop(true)}).
 */
public final class Attacks {
    /** The names {@link #byName} takes, in the order the command line lists them. */
    public static final List<String> NAMES = List.of("fgsm", "fgm", "bim", "pgd", "pgd-l2", "rfgsm", "mifgsm");

    /** Every attack {@link #named} takes: the gradient attacks, then APGD and the minimal-perturbation attacks. */
    public static final List<String> ALL_NAMES = List.of("fgsm", "fgm", "bim", "pgd", "pgd-l2", "rfgsm", "mifgsm",
            "apgd-ce", "apgd-dlr", "apgd-t", "deepfool", "deepfool-linf", "cw");

    private static final long SEED = 0;

    private Attacks() {}

    /**
     * FGSM, the fast gradient sign method (Goodfellow, Shlens and Szegedy 2014, "Explaining and
     * harnessing adversarial examples"): x' = clip(x + &epsilon;&middot;sign(&nabla;&#8339;J(&theta;, x, y)), 0, 1), one step, L&infin;.
     */
    public static GradientAttack fgsm(float epsilon) {
        return new GradientAttack("fgsm", Norm.LINF, epsilon, GradientAttack.Schedule.SINGLE, 1f, -1, Float.NaN,
                RandomStart.Kind.NONE, 1, Float.NaN, false, 0f, 1f, SEED);
    }

    /**
     * FGM, the fast gradient method in L2 (Goodfellow et al. 2014's step with the gradient scaled to
     * unit L2 norm, as Miyato et al. 2016 and Foolbox use it): x' = clip(x + &epsilon;&middot;g/&Vert;g&Vert;&#8322;, 0, 1), one step.
     */
    public static GradientAttack fgm(float epsilon) {
        return new GradientAttack("fgm", Norm.L2, epsilon, GradientAttack.Schedule.SINGLE, 1f, -1, Float.NaN,
                RandomStart.Kind.NONE, 1, Float.NaN, false, 0f, 1f, SEED);
    }

    /**
     * BIM, the basic iterative method (Kurakin, Goodfellow and Bengio 2016, "Adversarial examples in
     * the physical world"): from x, steps of &alpha;&middot;sign(&nabla;J), each clipped to the &epsilon;-ball around x
     * and to [0, 1]; the paper's &alpha; = 1/255 and min(255&epsilon; + 4, 1.25&middot;255&epsilon;) steps (rounded up),
     * which follow &epsilon; in a sweep until withSteps or withStepSize fix them.
     */
    public static GradientAttack bim(float epsilon) {
        return new GradientAttack("bim", Norm.LINF, epsilon, GradientAttack.Schedule.KURAKIN, 0f, -1, Float.NaN,
                RandomStart.Kind.NONE, 1, Float.NaN, false, 0f, 1f, SEED);
    }

    /**
     * PGD in L&infin; (Madry, Makelov, Schmidt, Tsipras and Vladu 2018, "Towards deep learning models
     * resistant to adversarial attacks"): from a uniform random point of the &epsilon;-ball, 40 steps (the
     * paper's MNIST setting) of &alpha;&middot;sign(&nabla;J), each projected onto the ball and clipped to [0, 1];
     * one start (withRestarts for more). &alpha; = 2.5&middot;&epsilon;/steps, the rule of the authors' later
     * robustness library (Engstrom et al. 2019), which follows the number of steps; the paper's MNIST
     * step, &epsilon;/30 (0.01 at &epsilon; = 0.3), travels 1.33&epsilon; in 40 steps and is weaker on the shipped models
     * (withStepSize sets it).
     */
    public static GradientAttack pgd(float epsilon) {
        return new GradientAttack("pgd", Norm.LINF, epsilon, GradientAttack.Schedule.RELATIVE, 2.5f, 40,
                Float.NaN, RandomStart.Kind.UNIFORM, 1, Float.NaN, false, 0f, 1f, SEED);
    }

    /**
     * PGD in L2 (Madry et al. 2018): from a uniform random point of the L2 &epsilon;-ball, 50 steps of
     * &alpha;&middot;g/&Vert;g&Vert;&#8322; with &alpha; = 2.5&middot;&epsilon;/steps (as for L&infin;; Foolbox's L2 PGD takes 50 steps),
     * each projected onto the ball and clipped to [0, 1]; one start.
     */
    public static GradientAttack pgdL2(float epsilon) {
        return new GradientAttack("pgd-l2", Norm.L2, epsilon, GradientAttack.Schedule.RELATIVE, 2.5f, 50,
                Float.NaN, RandomStart.Kind.UNIFORM, 1, Float.NaN, false, 0f, 1f, SEED);
    }

    /**
     * R+FGSM (Tram&egrave;r, Kurakin, Papernot, Goodfellow, Boneh and McDaniel 2018, "Ensemble adversarial
     * training"): x&#771; = clip(x + &alpha;&middot;sign(N(0, I)), 0, 1), then x' = clip(x&#771; + (&epsilon; &minus; &alpha;)&middot;sign(&nabla;J(x&#771;)), 0, 1),
     * with the paper's &alpha; = &epsilon;/2.
     */
    public static GradientAttack rfgsm(float epsilon) {
        return new GradientAttack("rfgsm", Norm.LINF, epsilon, GradientAttack.Schedule.RANDOM_THEN_REST, 0.5f, -1,
                Float.NaN, RandomStart.Kind.SIGN, 1, Float.NaN, false, 0f, 1f, SEED);
    }

    /**
     * MI-FGSM (Dong, Liao, Pang, Su, Zhu, Hu and Li 2018, "Boosting adversarial attacks with
     * momentum"): g &larr; &mu;&middot;g + &nabla;J/&Vert;&nabla;J&Vert;&#8321;, x' &larr; clip to the &epsilon;-ball and [0, 1] of x' + &alpha;&middot;sign(g),
     * with the paper's &mu; = 1, T = 10 steps and &alpha; = &epsilon;/T.
     */
    public static GradientAttack mifgsm(float epsilon) {
        return new GradientAttack("mifgsm", Norm.LINF, epsilon, GradientAttack.Schedule.RELATIVE, 1f, 10,
                Float.NaN, RandomStart.Kind.NONE, 1, 1f, false, 0f, 1f, SEED);
    }

    /**
     * APGD-CE (Croce and Hein 2020): {@link Apgd} on the cross-entropy, 100 iterations, one restart, as
     * AutoAttack's standard version runs it.
     */
    public static Apgd apgdCe(float epsilon) {
        return new Apgd(Apgd.Loss.CE, epsilon, 100, 1, 9, 0.75f, 0.75f, true, 0f, 1f, SEED);
    }

    /** APGD-DLR (Croce and Hein 2020): {@link Apgd} on the untargeted difference of logits ratio, 100 iterations, one restart. */
    public static Apgd apgdDlr(float epsilon) {
        return new Apgd(Apgd.Loss.DLR, epsilon, 100, 1, 9, 0.75f, 0.75f, true, 0f, 1f, SEED);
    }

    /**
     * APGD-T (Croce and Hein 2020): {@link Apgd} on the targeted difference of logits ratio, once for each of
     * the 9 classes of highest clean logit after the first, 100 iterations and one restart each, as
     * AutoAttack's standard version runs it.
     */
    public static Apgd apgdTargeted(float epsilon) {
        return new Apgd(Apgd.Loss.DLR_TARGETED, epsilon, 100, 1, 9, 0.75f, 0.75f, true, 0f, 1f, SEED);
    }

    /** DeepFool in L2 (Moosavi-Dezfooli et al. 2016): 50 iterations, overshoot 0.02, every class a candidate, no budget. */
    public static DeepFool deepFool() {
        return new DeepFool(Norm.L2, 50, 0.02f, 0, Float.POSITIVE_INFINITY, 0f, 1f);
    }

    /** DeepFool in L&infin; (Moosavi-Dezfooli et al. 2016, the l&#8734; case of Algorithm 3): as {@link #deepFool()}. */
    public static DeepFool deepFoolLinf() {
        return new DeepFool(Norm.LINF, 50, 0.02f, 0, Float.POSITIVE_INFINITY, 0f, 1f);
    }

    /**
     * Carlini-Wagner L2 (Carlini and Wagner 2017) with the paper's defaults: &kappa; = 0, 9 binary-search steps
     * from c = 10&#8315;&sup3;, 10,000 Adam iterations of learning rate 0.01 each with the early abort, no budget.
     */
    public static CarliniWagnerL2 carliniWagnerL2() {
        return new CarliniWagnerL2(0f, 9, 10_000, 0.01f, 1e-3f, true, Float.POSITIVE_INFINITY, 0f, 1f);
    }

    /**
     * Any attack of {@link #ALL_NAMES} (case-insensitive) with budget {@code epsilon}: the gradient attacks
     * and APGD at that &epsilon;; the minimal-perturbation attacks (deepfool, deepfool-linf, cw) with it as a
     * budget unless it is infinite.
     *
     * @throws IllegalArgumentException for another name, naming the known ones
     */
    public static Attack named(String name, float epsilon) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "apgd-ce" -> apgdCe(epsilon);
            case "apgd-dlr" -> apgdDlr(epsilon);
            case "apgd-t" -> apgdTargeted(epsilon);
            case "deepfool" -> deepFool().withEpsilon(epsilon);
            case "deepfool-linf" -> deepFoolLinf().withEpsilon(epsilon);
            case "cw" -> carliniWagnerL2().withEpsilon(epsilon);
            default -> {
                if (!NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("no attack called '" + name + "': the attacks are "
                            + String.join(", ", ALL_NAMES));
                }
                yield byName(name, epsilon);
            }
        };
    }

    /**
     * The attack called {@code name} (one of {@link #NAMES}, case-insensitive) at {@code epsilon}.
     *
     * @throws IllegalArgumentException for another name, naming the known ones
     */
    public static GradientAttack byName(String name, float epsilon) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fgsm" -> fgsm(epsilon);
            case "fgm" -> fgm(epsilon);
            case "bim" -> bim(epsilon);
            case "pgd" -> pgd(epsilon);
            case "pgd-l2" -> pgdL2(epsilon);
            case "rfgsm" -> rfgsm(epsilon);
            case "mifgsm" -> mifgsm(epsilon);
            default -> throw new IllegalArgumentException("no attack called '" + name + "': the attacks are "
                    + String.join(", ", NAMES));
        };
    }
}

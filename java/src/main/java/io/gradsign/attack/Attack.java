package io.gradsign.attack;

/**
 * An adversarial attack: a batch of images in, an {@link AttackResult} out. Attacks are immutable
 * settings (the {@code with...} methods return changed copies), so one attack may serve any
 * number of threads and networks; the buffers of a run belong to an {@link AttackSession}, which
 * serves one thread at a time. {@link Attacks} makes each attack with its paper's defaults.
 */
public interface Attack {
    /** The attack's short name, as the command line takes it: fgsm, fgm, bim, pgd, pgd-l2, rfgsm, mifgsm. */
    String name();

    /** The norm of the budget. */
    Norm norm();

    /** The budget: every x' lies within epsilon of its x in {@link #norm()}. */
    float epsilon();

    /** This attack with budget {@code epsilon} (&gt;= 0, finite), its other settings scaled as its defaults say. */
    Attack withEpsilon(float epsilon);

    /**
     * Attacks every sample of {@code images} (count &times; the network's input size, row-major,
     * finite) through {@code session}'s buffers.
     *
     * @param labels the true labels (UNTARGETED), the targets (TARGETED), or null (VIRTUAL)
     * @throws IllegalArgumentException for shapes that do not match the network, labels out of
     *     range, non-finite pixels, or labels given for VIRTUAL
     * @throws IllegalStateException if the session or its network is closed or in use by another thread
     */
    AttackResult run(AttackSession session, Goal goal, float[] images, int[] labels);
}

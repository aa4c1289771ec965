package io.gradsign.attack;

/** What an attack moves each sample towards, and where its labels come from. */
public enum Goal {
    /** Ascend the loss of the true label, given by the caller: any other class is a success. */
    UNTARGETED,
    /** Descend the loss of a target class, given by the caller: that class is a success. */
    TARGETED,
    /**
     * Ascend the loss of the model's own prediction at x, no labels needed (virtual adversarial
     * examples, Miyato et al. 2015): any other class is a success.
     */
    VIRTUAL
}

package io.gradsign.attack;

/** The norm an attack's budget &epsilon; is measured in: the perturbation x' &minus; x stays in its &epsilon;-ball. */
public enum Norm {
    /** max over the elements of |x'&#7522; &minus; x&#7522;|. */
    LINF,
    /** sqrt(sum over the elements of (x'&#7522; &minus; x&#7522;)&sup2;), per sample. */
    L2
}

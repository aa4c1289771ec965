package io.gradsign.attack;

/** The projection of the minimal-perturbation attacks' x' onto an &epsilon;-ball, when they are given a budget. */
final class Budget {
    private Budget() {}

    /**
     * Each sample of {@code adversarial} (count &times; size) moved onto the {@code norm} ball of radius
     * epsilon around its x in {@code images} (L&infin;: each element clipped; L2: x + (x' &minus; x)&middot;&epsilon;/&Vert;x' &minus; x&Vert;&#8322;
     * where the norm exceeds &epsilon;), then clipped to [lo, hi].
     */
    static void project(float[] adversarial, float[] images, int count, int size, Norm norm, float epsilon, float lo,
                        float hi) {
        for (int i = 0; i < count; i++) {
            int at = i * size;
            if (norm == Norm.LINF) {
                for (int e = at; e < at + size; e++) {
                    float v = Math.min(Math.max(adversarial[e], images[e] - epsilon), images[e] + epsilon);
                    adversarial[e] = Math.min(Math.max(v, lo), hi);
                }
                continue;
            }
            double squares = 0;
            for (int e = at; e < at + size; e++) {
                double d = (double) adversarial[e] - images[e];
                squares += d * d;
            }
            double length = Math.sqrt(squares);
            if (length <= epsilon) {
                continue;
            }
            double scale = epsilon / length;
            for (int e = at; e < at + size; e++) {
                float v = (float) (images[e] + ((double) adversarial[e] - images[e]) * scale);
                adversarial[e] = Math.min(Math.max(v, lo), hi);
            }
        }
    }
}

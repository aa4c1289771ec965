package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA MI-FGSM step ({@code momentum_sign_step}, native/src/momentum_sign_step.cu):
 * per sample, the same operations in the same order (the L1 norm's sum in {@link SampleReduction}'s
 * order), so both give the same bits. Plain Java, samples split over the cores;
 * {@link #momentumSignStepOne} is the formula for one sample.
 */
public final class MomentumSignStep {
    private MomentumSignStep() {}

    /** {@link #momentumSignStepOne} for each of batch samples of count / batch floats; arguments already validated. */
    public static void momentumSignStep(float[] out, int outOffset, float[] momentum, int momentumOffset, float[] x,
                                        int xOffset, float[] origin, int originOffset, float[] gradient,
                                        int gradientOffset, int count, int batch, float decay, float alpha,
                                        float epsilon, float lo, float hi) {
        SampleReduction.forEachSample(count, batch, (at, n, lanes) -> momentumSignStepOne(out, outOffset + at, momentum,
                momentumOffset + at, x, xOffset + at, origin, originOffset + at, gradient, gradientOffset + at, n, decay,
                alpha, epsilon, lo, hi, lanes));
    }

    /**
     * One sample of n floats: l1 = sum |g| (double, {@link SampleReduction}'s order, rounded to float);
     * momentum = decay &middot; momentum + g / l1 (decay &middot; momentum where l1 = 0), each
     * operation rounded on its own; out = {@link ProjectedSignStep#projectedSignStepOne} with the new
     * momentum as the gradient. {@code lanes}: from {@link SampleReduction#lanes}, zero.
     */
    public static void momentumSignStepOne(float[] out, int outOffset, float[] momentum, int momentumOffset, float[] x,
                                           int xOffset, float[] origin, int originOffset, float[] gradient,
                                           int gradientOffset, int n, float decay, float alpha, float epsilon,
                                           float lo, float hi, double[] lanes) {
        float l1 = SampleReduction.sumOfMagnitudes(gradient, gradientOffset, n, lanes);
        boolean normalises = l1 != 0f;
        for (int i = 0; i < n; i++) {
            float decayed = decay * momentum[momentumOffset + i];
            float m = normalises ? decayed + gradient[gradientOffset + i] / l1 : decayed;
            momentum[momentumOffset + i] = m;
            out[outOffset + i] = ProjectedSignStep.projectedSignStepOne(x[xOffset + i], origin[originOffset + i], m,
                    alpha, epsilon, lo, hi);
        }
    }
}

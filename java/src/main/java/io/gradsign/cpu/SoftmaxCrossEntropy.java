package io.gradsign.cpu;

/** CPU twin of the kernel {@code softmax_cross_entropy} (native/src/softmax_cross_entropy.cu). */
public final class SoftmaxCrossEntropy {
    /** An exponential costs about as much as this many floats of element-wise work. */
    private static final int EXP_COST = 16;

    /** Each thread's buffer of one row's exponentials, kept (garbage costs page faults, see Workspace). */
    private static final ThreadLocal<double[]> EXPS = ThreadLocal.withInitial(() -> new double[0]);

    private SoftmaxCrossEntropy() {}

    /** This thread's buffer of at least {@code classes} doubles, for {@link #row}. */
    static double[] exps(int classes) {
        double[] exps = EXPS.get();
        if (exps.length < classes) {
            exps = new double[classes];
            EXPS.set(exps);
        }
        return exps;
    }

    /**
     * For each row b of logits (batch, classes): probabilities = softmax, losses[b] = -log p[label],
     * and dLogits = gradientScale &middot; (p - onehot(label)) unless dLogits is null. Labels are
     * int32 bits in float slots, already validated. Rows are split over the cores.
     */
    public static void softmaxCrossEntropy(float[] probabilities, int probabilitiesOffset, float[] losses,
                                           int lossesOffset, float[] dLogits, int dLogitsOffset, float[] logits,
                                           int logitsOffset, int[] labels, int labelsOffset, int batch, int classes,
                                           float gradientScale) {
        long work = (long) batch * classes * EXP_COST;
        CpuWorkers.forRanges(batch, 1, work, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            double[] exps = exps(classes);
            for (int b = from; b < to; b++) {
                int label = labels[labelsOffset + b];
                row(probabilities, probabilitiesOffset + b * classes, losses, lossesOffset + b, dLogits,
                        dLogitsOffset + b * classes, logits, logitsOffset + b * classes, label, classes, gradientScale,
                        exps);
            }
        });
    }

    /**
     * One row: probabilities[p, p + classes) = softmax(logits[row, row + classes)), losses[loss] =
     * -log p[label], and dLogits[g, g + classes) = gradientScale &middot; (p - onehot(label)) unless
     * dLogits is null, the label's term as minus the sum of the other classes' probabilities, accurate
     * where p[label] rounds to 1; exps holds at least classes values.
     */
    static void row(float[] probabilities, int p, float[] losses, int loss, float[] dLogits, int g, float[] logits,
                    int row, int label, int classes, float gradientScale, double[] exps) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[row + c]);
        }
        // exp(l - max) <= 1, so the sum cannot overflow; log-sum-exp gives the loss without log(0)
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            exps[c] = Math.exp(logits[row + c] - max);
            sum += exps[c];
        }
        losses[loss] = (float) (Math.log(sum) - (logits[row + label] - max));
        for (int c = 0; c < classes; c++) {
            probabilities[p + c] = (float) (exps[c] / sum);
        }
        if (dLogits != null) {
            // p_c - onehot: p_c for the other classes; for the label, p_y - 1 = -(sum of the others' p),
            // from their own sum: p_y - 1 in float is 0 once p_y rounds to 1, and the input gradient then
            // points wherever the other terms' rounding does
            double others = 0;
            for (int c = 0; c < classes; c++) {
                if (c != label) {
                    dLogits[g + c] = gradientScale * probabilities[p + c];
                    others += exps[c];
                }
            }
            dLogits[g + label] = gradientScale * (float) (-others / sum);
        }
    }
}

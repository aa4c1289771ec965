package io.gradsign.cpu;

/**
 * CPU twin of the kernels {@code softmax_kl} and {@code softmax_entropy} (native/src/softmax_divergence.cu):
 * the same formulas over the same log-softmaxes, in double, each output rounded to float once.
 */
public final class SoftmaxDivergence {
    /** An exponential costs about as much as this many floats of element-wise work. */
    private static final int EXP_COST = 16;

    /** Each thread's buffer of one row pair's log-softmaxes and probabilities, kept (garbage costs page faults). */
    private static final ThreadLocal<double[]> ROWS = ThreadLocal.withInitial(() -> new double[0]);

    private SoftmaxDivergence() {}

    /** This thread's buffer of at least {@code count} doubles. */
    private static double[] rows(int count) {
        double[] rows = ROWS.get();
        if (rows.length < count) {
            rows = new double[count];
            ROWS.set(rows);
        }
        return rows;
    }

    /**
     * For each row b of pLogits and qLogits (batch, classes), with p and q their softmaxes:
     * losses[b] = KL(p || q) = sum p (log p - log q), dP = gradientScale &middot; p (log p - log q - KL)
     * unless dP is null, dQ = gradientScale &middot; (q - p) unless dQ is null. A class whose p is 0
     * adds nothing to KL and gets dP 0. Rows are split over the cores.
     */
    public static void softmaxKl(float[] losses, int lossesOffset, float[] dP, int dPOffset, float[] dQ, int dQOffset,
                                 float[] pLogits, int pLogitsOffset, float[] qLogits, int qLogitsOffset, int batch,
                                 int classes, float gradientScale) {
        long work = 2L * batch * classes * EXP_COST;
        CpuWorkers.forRanges(batch, 1, work, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            double[] rows = rows(4 * classes);
            for (int b = from; b < to; b++) {
                int row = b * classes;
                klRow(losses, lossesOffset + b, dP, dPOffset + row, dQ, dQOffset + row, pLogits, pLogitsOffset + row,
                        qLogits, qLogitsOffset + row, classes, gradientScale, rows);
            }
        });
    }

    /**
     * For each row b of logits (batch, classes), with p its softmax: entropies[b] = H = -sum p log p,
     * and dLogits = gradientScale &middot; (-p (log p + H)) unless dLogits is null. A class whose p is 0
     * adds nothing to H and gets a gradient of 0. Rows are split over the cores.
     */
    public static void softmaxEntropy(float[] entropies, int entropiesOffset, float[] dLogits, int dLogitsOffset,
                                      float[] logits, int logitsOffset, int batch, int classes, float gradientScale) {
        long work = (long) batch * classes * EXP_COST;
        CpuWorkers.forRanges(batch, 1, work, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            double[] rows = rows(2 * classes);
            for (int b = from; b < to; b++) {
                int row = b * classes;
                entropyRow(entropies, entropiesOffset + b, dLogits, dLogitsOffset + row, logits, logitsOffset + row,
                        classes, gradientScale, rows);
            }
        });
    }

    /** rows: [0, classes) log p, [classes, 2 classes) log q, then p, then q. */
    private static void klRow(float[] losses, int loss, float[] dP, int gp, float[] dQ, int gq, float[] pLogits, int p,
                              float[] qLogits, int q, int classes, float gradientScale, double[] rows) {
        logSoftmax(pLogits, p, classes, rows, 0);
        logSoftmax(qLogits, q, classes, rows, classes);
        int pAt = 2 * classes;
        int qAt = 3 * classes;
        double kl = 0;
        for (int c = 0; c < classes; c++) {
            double pc = Math.exp(rows[c]);
            rows[pAt + c] = pc;
            rows[qAt + c] = Math.exp(rows[classes + c]);
            // p = 0 (log p = -inf) would give 0 * inf = NaN; its term is 0
            if (pc != 0) {
                kl += pc * (rows[c] - rows[classes + c]);
            }
        }
        losses[loss] = (float) kl;
        if (dP != null) {
            for (int c = 0; c < classes; c++) {
                double pc = rows[pAt + c];
                dP[gp + c] = pc == 0 ? 0f : (float) (gradientScale * (pc * (rows[c] - rows[classes + c] - kl)));
            }
        }
        if (dQ != null) {
            for (int c = 0; c < classes; c++) {
                dQ[gq + c] = (float) (gradientScale * (rows[qAt + c] - rows[pAt + c]));
            }
        }
    }

    /** rows: [0, classes) log p, then p. */
    private static void entropyRow(float[] entropies, int entropy, float[] dLogits, int g, float[] logits, int row,
                                   int classes, float gradientScale, double[] rows) {
        logSoftmax(logits, row, classes, rows, 0);
        double h = 0;
        for (int c = 0; c < classes; c++) {
            double pc = Math.exp(rows[c]);
            rows[classes + c] = pc;
            if (pc != 0) {
                h -= pc * rows[c];
            }
        }
        entropies[entropy] = (float) h;
        if (dLogits != null) {
            for (int c = 0; c < classes; c++) {
                double pc = rows[classes + c];
                dLogits[g + c] = pc == 0 ? 0f : (float) (gradientScale * (-pc * (rows[c] + h)));
            }
        }
    }

    /**
     * rows[at, at + classes) = the log-softmax of logits[row, row + classes): the logit less the row's
     * largest, less the log of the sum of the shifted exponentials (at least 1, so never log 0).
     */
    private static void logSoftmax(float[] logits, int row, int classes, double[] rows, int at) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[row + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            rows[at + c] = (double) logits[row + c] - max;
            sum += Math.exp(rows[at + c]);
        }
        double logSum = Math.log(sum);
        for (int c = 0; c < classes; c++) {
            rows[at + c] -= logSum;
        }
    }
}

package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA DLR loss ({@code dlr_loss}, native/src/dlr_loss.cu): per row, the same
 * selection of the four largest logits and the same float operations in the same order, so both give
 * the same bits. Plain Java, rows split over the cores; {@link #dlrLossRow} is one row.
 */
public final class DlrLoss {
    private DlrLoss() {}

    /** {@link #dlrLossRow} for each of batch rows; dLogits and targets may be null; arguments already validated. */
    public static void dlrLoss(float[] losses, int lossesOffset, float[] dLogits, int dLogitsOffset, float[] logits,
                               int logitsOffset, int[] labels, int labelsOffset, int[] targets, int targetsOffset,
                               int batch, int classes, float gradientScale) {
        CpuWorkers.forRanges(batch, 1, (long) batch * classes, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int b = from; b < to; b++) {
                losses[lossesOffset + b] = dlrLossRow(dLogits, dLogitsOffset + b * classes, logits,
                        logitsOffset + b * classes, classes, labels[labelsOffset + b],
                        targets == null ? -1 : targets[targetsOffset + b], gradientScale);
            }
        });
    }

    /**
     * One row of {@link io.gradsign.Backend#dlrLoss}: returns the loss and, where dLogits is not null,
     * writes the row's gradient there. target -1 is the untargeted loss.
     */
    public static float dlrLossRow(float[] dLogits, int dOffset, float[] z, int zOffset, int classes, int label,
                                   int target, float gradientScale) {
        // the four largest, descending; a later equal value goes behind an earlier one (ties to the lower
        // index). A NaN is never larger, so it enters only while fewer than four are kept; the flag makes
        // its row NaN
        float[] top = new float[4];
        int[] at = new int[4];
        int kept = 0;
        boolean nan = false;
        for (int j = 0; j < classes; j++) {
            float v = z[zOffset + j];
            nan |= v != v;
            int p = Math.min(kept, 4);
            while (p > 0 && v > top[p - 1]) {
                p--;
            }
            if (p < 4) {
                for (int q = Math.min(kept, 3); q > p; q--) {
                    top[q] = top[q - 1];
                    at[q] = at[q - 1];
                }
                top[p] = v;
                at[p] = j;
                if (kept < 4) {
                    kept++;
                }
            }
        }
        boolean targeted = target >= 0;
        int other = targeted ? target : (at[0] != label ? at[0] : at[1]);
        float numerator = z[zOffset + label] - z[zOffset + other];
        float spread = targeted ? top[0] - 0.5f * (top[2] + top[3]) : top[0] - top[2];
        float denominator = spread + 1e-12f;
        float quotient = numerator / denominator;
        if (dLogits != null) {
            java.util.Arrays.fill(dLogits, dOffset, dOffset + classes, nan ? Float.NaN : 0f);
            if (!nan) {
                float direct = gradientScale / denominator;
                float through = quotient * direct;
                dLogits[dOffset + label] -= direct;
                dLogits[dOffset + other] += direct;
                dLogits[dOffset + at[0]] += through;
                if (targeted) {
                    float half = 0.5f * through;
                    dLogits[dOffset + at[2]] -= half;
                    dLogits[dOffset + at[3]] -= half;
                } else {
                    dLogits[dOffset + at[2]] -= through;
                }
            }
        }
        return nan ? Float.NaN : -quotient;
    }
}

package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA margin loss of Carlini and Wagner ({@code cw_margin}, native/src/cw_margin.cu):
 * the same choice of the other class and the same float operations, so both give the same bits. Plain
 * Java, rows split over the cores; {@link #cwMarginRow} is one row.
 */
public final class CwMargin {
    private CwMargin() {}

    /** {@link #cwMarginRow} for each of batch rows; dLogits and scales may be null; arguments already validated. */
    public static void cwMargin(float[] losses, int lossesOffset, float[] dLogits, int dLogitsOffset, float[] logits,
                                int logitsOffset, int[] labels, int labelsOffset, float[] scales, int scalesOffset,
                                int batch, int classes, float kappa, boolean targeted) {
        CpuWorkers.forRanges(batch, 1, (long) batch * classes, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int b = from; b < to; b++) {
                losses[lossesOffset + b] = cwMarginRow(dLogits, dLogitsOffset + b * classes, logits,
                        logitsOffset + b * classes, classes, labels[labelsOffset + b],
                        scales == null ? 1f : scales[scalesOffset + b], kappa, targeted);
            }
        });
    }

    /**
     * One row of {@link io.gradsign.Backend#cwMargin}: returns max(margin, -kappa) and, where dLogits is
     * not null, writes the row's gradient (scale at the class the margin adds, -scale at the one it
     * subtracts, where the margin is above -kappa; zero otherwise).
     */
    public static float cwMarginRow(float[] dLogits, int dOffset, float[] z, int zOffset, int classes, int label,
                                    float scale, float kappa, boolean targeted) {
        int other = -1;
        float most = 0f;
        boolean nan = false;
        for (int j = 0; j < classes; j++) {
            float v = z[zOffset + j];
            nan |= v != v;
            if (j != label && (other < 0 || v > most)) {
                most = v;
                other = j;
            }
        }
        float margin = targeted ? most - z[zOffset + label] : z[zOffset + label] - most;
        float floor = -kappa;
        if (dLogits != null) {
            java.util.Arrays.fill(dLogits, dOffset, dOffset + classes, nan ? Float.NaN : 0f);
            if (!nan && margin > floor) {
                dLogits[dOffset + label] = targeted ? -scale : scale;
                dLogits[dOffset + other] = targeted ? scale : -scale;
            }
        }
        return nan ? Float.NaN : Math.max(margin, floor);
    }
}

package io.gradsign.cpu;

/**
 * The CPU twin of the CUDA per-sample norms ({@code sample_norms}, native/src/sample_norms.cu): the
 * sums in {@link SampleReduction}'s order, so both give the same bits. Plain Java, samples split over
 * the cores; {@link #sampleNormsOne} is one sample.
 */
public final class SampleNorms {
    private SampleNorms() {}

    /** {@link #sampleNormsOne} for each of batch samples of count / batch floats; null outputs and b skipped. */
    public static void sampleNorms(float[] l1, int l1Offset, float[] l2, int l2Offset, float[] linf, int linfOffset,
                                   float[] a, int aOffset, float[] b, int bOffset, int count, int batch) {
        if (batch == 0) {
            return;
        }
        int n = count / batch;
        float[] norms = new float[3 * batch];
        CpuWorkers.forRanges(batch, 1, count, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            double[] magnitudes = SampleReduction.lanes();
            double[] squares = SampleReduction.lanes();
            for (int s = from; s < to; s++) {
                sampleNormsOne(a, aOffset + s * n, b, bOffset + s * n, n, magnitudes, squares, norms, 3 * s);
            }
        });
        for (int s = 0; s < batch; s++) {
            if (l1 != null) {
                l1[l1Offset + s] = norms[3 * s];
            }
            if (l2 != null) {
                l2[l2Offset + s] = norms[3 * s + 1];
            }
            if (linf != null) {
                linf[linfOffset + s] = norms[3 * s + 2];
            }
        }
    }

    /**
     * One sample of n floats, d = a - b rounded to float (b null: d = a): out[at] = L1 (the double sum of
     * |d| in {@link SampleReduction}'s order, rounded to float), out[at + 1] = L2 (the float square root of
     * the sum of squares so rounded), out[at + 2] = L&infin; (Math.max over |d|, from 0). Lanes: zero.
     */
    public static void sampleNormsOne(float[] a, int aOffset, float[] b, int bOffset, int n, double[] magnitudes,
                                      double[] squares, float[] out, int at) {
        float most = 0f;
        for (int i = 0; i < n; i++) {
            float d = b == null ? a[aOffset + i] : a[aOffset + i] - b[bOffset + i];
            float magnitude = Math.abs(d);
            SampleReduction.add(magnitudes, i, magnitude);
            SampleReduction.add(squares, i, (double) d * d);
            most = Math.max(most, magnitude);
        }
        out[at] = SampleReduction.finish(magnitudes);
        // (float) Math.sqrt of a float is the correctly rounded float square root, as the kernel's __fsqrt_rn
        out[at + 1] = (float) Math.sqrt(SampleReduction.finish(squares));
        out[at + 2] = most;
    }
}

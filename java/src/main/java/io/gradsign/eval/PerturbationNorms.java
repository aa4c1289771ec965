package io.gradsign.eval;

import io.gradsign.attack.AttackResult;
import io.gradsign.attack.Norm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The sizes of the successful perturbations of a minimal-perturbation attack (DeepFool, Carlini-Wagner):
 * their median, mean and percentiles, and a histogram. A smaller median at the same success rate is a
 * stronger attack; a model whose median is larger is more robust.
 */
public final class PerturbationNorms {
    private final float[] sorted;

    private PerturbationNorms(float[] sorted) {
        this.sorted = sorted;
    }

    /** The {@code norm} sizes of x' &minus; x of the samples {@code result} succeeded on. */
    public static PerturbationNorms of(AttackResult result, Norm norm) {
        return of(result, norm, null);
    }

    /**
     * The {@code norm} sizes of x' &minus; x of the samples {@code result} succeeded on among those with
     * {@code include[i]} (all where null): pass the samples the model classified right at x, so that
     * those already wrong, which an attack breaks with no perturbation, leave the median alone.
     */
    public static PerturbationNorms of(AttackResult result, Norm norm, boolean[] include) {
        float[] all = norm == Norm.L2 ? result.l2() : result.linf();
        if (include != null && include.length != all.length) {
            throw new IllegalArgumentException("include has " + include.length + " entries for " + all.length
                    + " samples");
        }
        float[] kept = new float[all.length];
        int n = 0;
        for (int i = 0; i < all.length; i++) {
            if (result.success()[i] && (include == null || include[i])) {
                kept[n++] = all[i];
            }
        }
        float[] sorted = Arrays.copyOf(kept, n);
        Arrays.sort(sorted);
        return new PerturbationNorms(sorted);
    }

    /** The number of successful samples. */
    public int count() {
        return sorted.length;
    }

    /** The median (the mean of the two middle values for an even count), NaN for none. */
    public double median() {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : ((double) sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The mean, NaN for none. */
    public double mean() {
        double sum = 0;
        for (float v : sorted) {
            sum += v;
        }
        return sorted.length == 0 ? Double.NaN : sum / sorted.length;
    }

    /** The {@code q} quantile (0 &lt;= q &lt;= 1) by the nearest rank, NaN for none. */
    public double percentile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in [0, 1], got " + q);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The sorted norms (a copy). */
    public float[] values() {
        return sorted.clone();
    }

    /** Writes a histogram of the norms in 30 equal bins from 0 to the largest, with the median in its title. */
    public void writeHistogram(Path png, String what, int width, int height) throws IOException {
        int bins = 30;
        float largest = sorted.length == 0 ? 1f : Math.max(sorted[sorted.length - 1], 1e-6f);
        double binWidth = largest / bins;
        int[] counts = new int[bins];
        for (float v : sorted) {
            counts[Math.min(bins - 1, (int) (v / binWidth))]++;
        }
        List<String> x = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            x.add(String.format(java.util.Locale.ROOT, "%.2f", (b + 0.5) * binWidth));
            y.add(counts[b]);
        }
        String title = String.format(java.util.Locale.ROOT, "Perturbation norms, %s: median %.3f (%d images)", what,
                median(), sorted.length);
        CategoryChart chart = new CategoryChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("norm of x' - x").yAxisTitle("images").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.addSeries("images", x, y);
        try (java.io.OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}

package io.gradsign.eval;

import java.io.IOException;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Robust accuracy against &epsilon;, one line per attack, as a PNG, drawn with XChart (a small, well-kept
 * plotting library with no dependencies of its own that writes PNG without a display).
 */
public final class RobustnessPlot {
    private RobustnessPlot() {}

    /** Writes the plot of {@code report} to {@code png} (width &times; height pixels). */
    public static void write(RobustnessReport report, Path png, int width, int height) throws IOException {
        String title = "Robust accuracy, " + report.model() + " (" + report.samples() + " samples)";
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("epsilon").yAxisTitle("accuracy (%)").build();
        // a long layer spec in a smaller font, so that the title fits (a character is about 0.6 em wide)
        float titleSize = (float) Math.max(8, Math.min(14, 0.9 * width / (0.6 * title.length())));
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(titleSize));
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        double[] x = new double[report.epsilons().length];
        for (int e = 0; e < x.length; e++) {
            x[e] = report.epsilons()[e];
        }
        for (int a = 0; a < report.attacks().size(); a++) {
            double[] y = new double[x.length];
            for (int e = 0; e < x.length; e++) {
                y[e] = 100 * report.accuracy()[a][e];
            }
            XYSeries series = chart.addSeries(report.attacks().get(a), x, y);
            series.setMarker(SeriesMarkers.CIRCLE);
        }
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}

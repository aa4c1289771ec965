package io.gradsign.eval;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The outcome of {@link StandardEvaluation#run}: the clean accuracy, the robust accuracy after each attack
 * of the ensemble, the images each attack ran on, its forward-backward passes and seconds, and per image
 * which attack broke it. As a text table, CSV (one row per attack), JSON (everything, per image
 * included) and a bar chart.
 *
 * @param model the network's layer spec
 * @param epsilon the L&infin; budget
 * @param samples the images evaluated
 * @param attacks the attacks' names in the order they ran
 * @param accuracyAfter [a]: the fraction of all images still classified right after attacks 0..a
 * @param attacked [a]: the images attack a ran on (those unbroken before it)
 * @param passes [a]: attack a's forward-backward passes, in images
 * @param seconds [a]: attack a's time
 * @param brokenBy [image]: -1 robust, 0 misclassified without an attack, a + 1 broken by attack a
 * @param adversarial every image's x' (x itself where no attack ran or none succeeded), (samples &times; input size)
 */
public record StandardReport(String model, float epsilon, int samples, double cleanAccuracy, List<String> attacks,
                             double[] accuracyAfter, int[] attacked, long[] passes, double[] seconds, int[] brokenBy,
                             float[] adversarial) {
    /** The robust accuracy of the whole ensemble. */
    public double robustAccuracy() {
        return accuracyAfter.length == 0 ? cleanAccuracy : accuracyAfter[accuracyAfter.length - 1];
    }

    /** The name of what broke image i: "robust", "clean" (misclassified without an attack) or the attack's name. */
    public String brokenByName(int i) {
        int b = brokenBy[i];
        return b < 0 ? "robust" : b == 0 ? "clean" : attacks.get(b - 1);
    }

    /** All attacks' passes. */
    public long totalPasses() {
        long total = 0;
        for (long p : passes) {
            total += p;
        }
        return total;
    }

    /** All attacks' seconds. */
    public double totalSeconds() {
        double total = 0;
        for (double s : seconds) {
            total += s;
        }
        return total;
    }

    /** A fixed-width table: the clean accuracy, then per attack the images it ran on, the images it broke and the accuracy after it. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-10s %9s %8s %10s %12s %9s%n", "attack", "attacked", "broke",
                "accuracy", "passes", "seconds"));
        s.append(String.format(Locale.ROOT, "%-10s %9d %8d %9.2f%% %12s %9s%n", "clean", samples,
                samples - Math.round(cleanAccuracy * samples), 100 * cleanAccuracy, "-", "-"));
        for (int a = 0; a < attacks.size(); a++) {
            int broke = 0;
            for (int b : brokenBy) {
                broke += b == a + 1 ? 1 : 0;
            }
            s.append(String.format(Locale.ROOT, "%-10s %9d %8d %9.2f%% %12d %9.1f%n", attacks.get(a), attacked[a],
                    broke, 100 * accuracyAfter[a], passes[a], seconds[a]));
        }
        return s.toString();
    }

    /** Writes {@code model,epsilon,attack,attacked,broken,accuracy,passes,seconds,samples} rows (the clean row first). */
    public void writeCsv(Path path) throws IOException {
        try (Writer out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(out, CSVFormat.DEFAULT.builder()
                     .setHeader("model", "epsilon", "attack", "attacked", "broken", "accuracy", "passes", "seconds",
                             "samples").get())) {
            csv.printRecord(model, RobustnessReport.trim(epsilon), "clean", samples,
                    samples - Math.round(cleanAccuracy * samples), cleanAccuracy, 0, 0, samples);
            for (int a = 0; a < attacks.size(); a++) {
                int broke = 0;
                for (int b : brokenBy) {
                    broke += b == a + 1 ? 1 : 0;
                }
                csv.printRecord(model, RobustnessReport.trim(epsilon), attacks.get(a), attacked[a], broke,
                        accuracyAfter[a], passes[a], String.format(Locale.ROOT, "%.3f", seconds[a]), samples);
            }
        }
    }

    /** Writes the report as one JSON object, with each image's "brokenBy" (robust, clean or the attack's name). */
    public void writeJson(Path path) throws IOException {
        try (JsonGenerator json = new JsonFactory().createGenerator(path.toFile(), JsonEncoding.UTF8)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeStringField("model", model);
            json.writeNumberField("epsilon", epsilon);
            json.writeNumberField("samples", samples);
            json.writeNumberField("cleanAccuracy", cleanAccuracy);
            json.writeNumberField("robustAccuracy", robustAccuracy());
            json.writeArrayFieldStart("attacks");
            for (int a = 0; a < attacks.size(); a++) {
                json.writeStartObject();
                json.writeStringField("name", attacks.get(a));
                json.writeNumberField("attacked", attacked[a]);
                json.writeNumberField("accuracyAfter", accuracyAfter[a]);
                json.writeNumberField("passes", passes[a]);
                json.writeNumberField("seconds", seconds[a]);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("brokenBy");
            for (int i = 0; i < samples; i++) {
                json.writeString(brokenByName(i));
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    /** Writes a bar chart of the accuracy: clean, then after each attack. */
    public void writePlot(Path png, int width, int height) throws IOException {
        String title = "Standard evaluation at eps " + RobustnessReport.trim(epsilon) + ", " + model + " (" + samples
                + " samples)";
        CategoryChart chart = new CategoryChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("after").yAxisTitle("accuracy (%)").build();
        float titleSize = (float) Math.max(8, Math.min(14, 0.9 * width / (0.6 * title.length())));
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(titleSize));
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<String> x = new java.util.ArrayList<>();
        List<Double> y = new java.util.ArrayList<>();
        x.add("clean");
        y.add(100 * cleanAccuracy);
        for (int a = 0; a < attacks.size(); a++) {
            x.add(attacks.get(a));
            y.add(100 * accuracyAfter[a]);
        }
        chart.addSeries("accuracy", x, y);
        try (java.io.OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}

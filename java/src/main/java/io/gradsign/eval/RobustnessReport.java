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

/**
 * The outcome of {@link RobustnessEvaluation#sweep}: the model's clean accuracy, its robust
 * accuracy per attack and &epsilon;, and per sample the smallest &epsilon; of the sweep that broke it (NaN
 * where none did). As a text table, CSV (one row per attack and &epsilon;) or JSON (everything, the
 * per-sample &epsilon;s included), and a plot ({@link RobustnessPlot}).
 *
 * @param model the network's layer spec
 * @param attacks the attacks' names, in the order of the rows of accuracy
 * @param epsilons the sweep
 * @param accuracy accuracy[a][e]: the fraction of samples attack a at epsilons[e] left correctly classified
 * @param smallestBreakingEpsilon [a][sample]: the smallest epsilon at which attack a made the sample wrong, or NaN
 * @param samples the number of samples
 */
public record RobustnessReport(String model, List<String> attacks, float[] epsilons, double cleanAccuracy,
                               double[][] accuracy, float[][] smallestBreakingEpsilon, int samples) {
    /** A fixed-width table: one row per attack, one column per &epsilon;, accuracies in percent. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-10s", "attack"));
        for (float e : epsilons) {
            s.append(String.format(Locale.ROOT, " %8s", "eps " + trim(e)));
        }
        s.append('\n');
        s.append(String.format(Locale.ROOT, "%-10s", "clean"));
        for (int e = 0; e < epsilons.length; e++) {
            s.append(String.format(Locale.ROOT, " %7.2f%%", 100 * cleanAccuracy));
        }
        s.append('\n');
        for (int a = 0; a < attacks.size(); a++) {
            s.append(String.format(Locale.ROOT, "%-10s", attacks.get(a)));
            for (int e = 0; e < epsilons.length; e++) {
                s.append(String.format(Locale.ROOT, " %7.2f%%", 100 * accuracy[a][e]));
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** Writes {@code attack,epsilon,accuracy} rows (the clean accuracy as attack "clean" at epsilon 0). */
    public void writeCsv(Path path) throws IOException {
        try (Writer out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(out, CSVFormat.DEFAULT.builder()
                     .setHeader("model", "attack", "epsilon", "accuracy", "samples").get())) {
            csv.printRecord(model, "clean", 0, cleanAccuracy, samples);
            for (int a = 0; a < attacks.size(); a++) {
                for (int e = 0; e < epsilons.length; e++) {
                    csv.printRecord(model, attacks.get(a), trim(epsilons[e]), accuracy[a][e], samples);
                }
            }
        }
    }

    /** Writes the whole report as one JSON object, the per-sample smallest breaking &epsilon;s included (null for none). */
    public void writeJson(Path path) throws IOException {
        try (JsonGenerator json = new JsonFactory().createGenerator(path.toFile(), JsonEncoding.UTF8)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeStringField("model", model);
            json.writeNumberField("samples", samples);
            json.writeNumberField("cleanAccuracy", cleanAccuracy);
            json.writeArrayFieldStart("epsilons");
            for (float e : epsilons) {
                json.writeNumber(e);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("attacks");
            for (int a = 0; a < attacks.size(); a++) {
                json.writeStartObject();
                json.writeStringField("name", attacks.get(a));
                json.writeArrayFieldStart("accuracy");
                for (double v : accuracy[a]) {
                    json.writeNumber(v);
                }
                json.writeEndArray();
                json.writeArrayFieldStart("smallestBreakingEpsilon");
                for (float v : smallestBreakingEpsilon[a]) {
                    if (Float.isNaN(v)) {
                        json.writeNull();
                    } else {
                        json.writeNumber(v);
                    }
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    /** A float as its shortest decimal form (0.1, not 0.10000000149). */
    static String trim(float value) {
        return Float.toString(value).replaceAll("\\.0$", "");
    }
}

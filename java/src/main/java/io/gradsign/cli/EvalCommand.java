package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.attack.Apgd;
import io.gradsign.attack.Attack;
import io.gradsign.attack.AttackSession;
import io.gradsign.attack.Attacks;
import io.gradsign.attack.GradientAttack;
import io.gradsign.data.Dataset;
import io.gradsign.eval.LinearCertificate;
import io.gradsign.eval.RobustnessEvaluation;
import io.gradsign.eval.RobustnessPlot;
import io.gradsign.eval.RobustnessReport;
import io.gradsign.eval.StandardEvaluation;
import io.gradsign.eval.StandardReport;
import io.gradsign.model.Evaluation;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code gradsign eval}: a model's accuracy on the test set; with {@code --attacks}, its robust accuracy
 * per attack and &epsilon; ({@link RobustnessEvaluation}) as a table, CSV, JSON and a plot; with
 * {@code --certify}, a softmax regression's certified accuracy ({@link LinearCertificate}) beside FGSM's.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a model's accuracy on the Fashion-MNIST test set; with --attacks, its robust accuracy"
                + " under each attack over an epsilon sweep.")
final class EvalCommand implements Callable<Integer> {
    /** The epsilons of a sweep when --epsilons is not given. */
    static final String DEFAULT_EPSILONS = "0:0.3:0.05";

    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--attacks", paramLabel = "LIST", split = ",", description = "attacks to sweep, comma-separated:"
            + " fgsm, fgm, bim, pgd, pgd-l2, rfgsm, mifgsm, apgd-ce, apgd-dlr, apgd-t, each optionally with settings"
            + " after colons, e.g. pgd:steps=20:restarts=2 (keys steps, step-size, restarts, decay, seed,"
            + " target-classes)")
    List<String> attackSpecs;

    @Option(names = "--standard", description = "the standard evaluation at --epsilon: APGD-CE, then APGD-T on the"
            + " images still unbroken (AutoAttack's protocol without FAB-T and Square); the robust accuracy after each"
            + " attack and which attack broke each image")
    boolean standard;

    @Option(names = "--epsilon", description = "the L-inf budget of --standard (default: 0.1)")
    Float epsilon;

    @Option(names = "--steps", paramLabel = "N", description = "iterations of each APGD run of --standard (default:"
            + " 100)")
    Integer steps;

    @Option(names = "--seed", description = "the seed of --standard's random starts (default: 0)")
    Long seed;

    @Option(names = "--compaction", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "--standard: broken images leave the batch during each run (default: on; the accuracy does"
                    + " not depend on it, the passes do)")
    boolean compaction;

    @Option(names = "--epsilons", paramLabel = "SPEC", description = "a comma list (0,0.1,0.2) or an inclusive range"
            + " FROM:TO:STEP (default: " + DEFAULT_EPSILONS + ")")
    String epsilonSpec;

    @Option(names = "--early-stop", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "stop each image once it is wrong (default: on; the robust accuracy counts an image once"
                    + " broken as broken)")
    boolean earlyStop;

    @Option(names = "--certify", description = "for a softmax regression: the certified accuracy per epsilon (exact"
            + " worst case in L-inf) beside FGSM's robust accuracy")
    boolean certify;

    @Option(names = "--count", paramLabel = "N", description = "the first N test images (default: all)")
    Integer count;

    @Option(names = "--csv", paramLabel = "FILE", description = "write model,attack,epsilon,accuracy,samples rows")
    Path csv;

    @Option(names = "--json", paramLabel = "FILE", description = "write the report as JSON, with each image's"
            + " smallest breaking epsilon")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE", description = "write robust accuracy against epsilon as a PNG")
    Path plot;

    @Option(names = "--batch", description = "images per pass (default: ${DEFAULT-VALUE})")
    int batch = 500;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        check(batch >= 1, "--batch must be at least 1, got " + batch);
        check(count == null || count >= 1, "--count must be at least 1, got " + count);
        boolean sweep = attackSpecs != null || certify;
        check(!(standard && sweep), "--standard runs its own attacks: it takes neither --attacks nor --certify");
        check(standard || (epsilon == null && steps == null && seed == null),
                "--epsilon, --steps and --seed are for --standard (a sweep takes --epsilons and settings in --attacks)");
        check(!standard || epsilonSpec == null, "--standard takes one --epsilon, not --epsilons");
        check(epsilon == null || (Float.isFinite(epsilon) && epsilon >= 0), "--epsilon must be finite and >= 0, got "
                + epsilon);
        check(steps == null || steps >= 1, "--steps must be at least 1, got " + steps);
        check(sweep || standard || (epsilonSpec == null && csv == null && json == null && plot == null),
                "--epsilons, --csv, --json and --plot need --attacks LIST, --certify or --standard");
        float[] epsilons = null;
        List<Attack> attacks = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        if (sweep) {
            try {
                epsilons = EpsilonSpec.parse(epsilonSpec == null ? DEFAULT_EPSILONS : epsilonSpec);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--epsilons: " + e.getMessage());
            }
            for (String attackSpec : attackSpecs == null ? List.of("fgsm") : attackSpecs) {
                Attack attack = parseAttack(attackSpec);
                if (attack instanceof GradientAttack g) {
                    attack = g.withEarlyStop(earlyStop);
                }
                attacks.add(attack);
                labels.add(label(attackSpec));
            }
            if (certify && attacks.stream().noneMatch(a -> a.name().equals("fgsm"))) {
                attacks.add(0, Attacks.fgsm(0f));
                labels.add(0, "fgsm");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        AttackCommand.checkOutputPath(csv, "--csv", "robust.csv");
        AttackCommand.checkOutputPath(json, "--json", "robust.json");
        AttackCommand.checkOutputPath(plot, "--plot", "robust.png");
        try (Backend backend = main.backendChoice.open(out)) {
            Dataset test = data.load(out).test();
            try (Network network = model.load(backend, out, test)) {
                int n = count == null ? test.count() : Math.min(count, test.count());
                float[] images = test.images(0, n);
                int[] truth = test.labels(0, n);
                if (standard) {
                    standardEvaluation(network, images, truth, out);
                } else if (!sweep) {
                    accuracy(network, images, truth, out);
                } else {
                    LinearCertificate certificate = null;
                    if (certify) {
                        try {
                            certificate = LinearCertificate.of(network);
                        } catch (IllegalArgumentException e) {
                            throw new CommandLine.ParameterException(spec.commandLine(), "--certify: "
                                    + e.getMessage());
                        }
                    }
                    robustness(network, attacks, labels, epsilons, images, truth, certificate, out);
                }
            }
        }
        return 0;
    }

    private void accuracy(Network network, float[] images, int[] truth, PrintWriter out) {
        int[] predicted = Evaluation.predict(network, images, Math.min(batch, truth.length));
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            if (predicted[i] == truth[i]) {
                right++;
            }
        }
        out.printf(Locale.ROOT, "test accuracy: %.2f%% (%d of %d)%n", 100.0 * right / truth.length, right,
                truth.length);
    }

    private void standardEvaluation(Network network, float[] images, int[] truth, PrintWriter out) throws IOException {
        int n = truth.length;
        float eps = epsilon == null ? 0.1f : epsilon;
        List<Attack> ensemble = new ArrayList<>();
        for (Attack attack : StandardEvaluation.ensemble(eps, steps == null ? 100 : steps, seed == null ? 0 : seed)) {
            ensemble.add(((Apgd) attack).withCompaction(compaction));
        }
        out.printf(Locale.ROOT, "standard evaluation of %d test images at L-inf epsilon %s:%n", n, trim(eps));
        for (Attack attack : ensemble) {
            out.println("  " + attack);
        }
        out.flush();
        StandardReport report;
        try (AttackSession session = new AttackSession(network, Math.min(batch, n));
             Progress progress = Progress.start("eval", (long) ensemble.size() * n, "images",
                     spec.commandLine().getErr())) {
            // each attack reports its batches through the session; an attack runs on the unbroken images
            // only, so the rest of its share of the bar comes at its end
            long[] sinceReport = {0};
            session.onProgress(k -> {
                sinceReport[0] += k;
                progress.step(k);
            });
            report = StandardEvaluation.run(session, ensemble, images, truth, k -> {
                progress.step(Math.max(0, k - sinceReport[0]));
                sinceReport[0] = 0;
            });
            session.onProgress(null);
        }
        out.print(report.table());
        out.printf(Locale.ROOT, "robust accuracy: %.2f%% (%d of %d)%n", 100 * report.robustAccuracy(),
                Math.round(report.robustAccuracy() * n), n);
        write(csv, "csv", report::writeCsv, out);
        write(json, "json", report::writeJson, out);
        StandardReport standardReport = report;
        write(plot, "plot", path -> standardReport.writePlot(path, 800, 500), out);
        double seconds = report.totalSeconds();
        out.printf(Locale.ROOT, "time: %.2f s, %d forward-backward passes (%.0f/s)%n", seconds, report.totalPasses(),
                report.totalPasses() / Math.max(seconds, 1e-9));
        out.flush();
    }

    private void robustness(Network network, List<Attack> attacks, List<String> labels, float[] epsilons,
                            float[] images, int[] truth, LinearCertificate certificate, PrintWriter out)
            throws IOException {
        int n = truth.length;
        float largest = 0;
        for (float e : epsilons) {
            largest = Math.max(largest, e);
        }
        out.printf(Locale.ROOT, "robust accuracy of %d test images, untargeted, early stop %s; the attacks at"
                + " epsilon %s:%n", n, earlyStop ? "on" : "off", trim(largest));
        for (Attack attack : attacks) {
            out.println("  " + attack.withEpsilon(largest));
        }
        out.flush();
        RobustnessReport report;
        long total = (long) attacks.size() * epsilons.length * n;
        try (AttackSession session = new AttackSession(network, Math.min(batch, n));
             Progress progress = Progress.start("eval", total, "images", spec.commandLine().getErr())) {
            // the attacks report each batch through the session, the sweep each attack and epsilon it
            // finishes (FGSM's whole sweep at once): the bar takes the batches and the rest of each report
            long[] sinceReport = {0};
            session.onProgress(k -> {
                sinceReport[0] += k;
                progress.step(k);
            });
            report = RobustnessEvaluation.sweep(session, attacks, epsilons, images, truth, k -> {
                progress.step(Math.max(0, k - sinceReport[0]));
                sinceReport[0] = 0;
            });
            session.onProgress(null);
        }
        report = relabelled(report, labels);
        if (certificate != null) {
            report = withCertificate(report, certificate.radii(images, truth));
        }
        out.print(report.table());
        if (certificate != null) {
            int fgsm = report.attacks().indexOf("fgsm");
            int certified = report.attacks().indexOf("certified");
            out.println("epsilon   certified   fgsm");
            for (int e = 0; e < epsilons.length; e++) {
                out.printf(Locale.ROOT, "%-8s %8.2f%%  %6.2f%%%n", trim(epsilons[e]),
                        100 * report.accuracy()[certified][e], 100 * report.accuracy()[fgsm][e]);
            }
        }
        write(csv, "csv", report::writeCsv, out);
        write(json, "json", report::writeJson, out);
        RobustnessReport robustnessReport = report;
        write(plot, "plot", path -> RobustnessPlot.write(robustnessReport, path, 800, 500), out);
        out.flush();
    }

    /** Something that writes one output file. */
    private interface Output {
        void write(Path path) throws IOException;
    }

    /** Writes {@code path} (its folder created) unless it is null, and says so. */
    private static void write(Path path, String what, Output output, PrintWriter out) throws IOException {
        if (path != null) {
            createFolder(path);
            output.write(path);
            out.println(what + ": " + path);
        }
    }

    private static void createFolder(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
    }

    /** The attack of one item of --attacks: a name, then optional :key=value settings. */
    private Attack parseAttack(String item) {
        String[] parts = item.strip().split(":");
        Attack attack;
        try {
            attack = Attacks.named(parts[0], 0f);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attacks: " + e.getMessage());
        }
        if (!(attack instanceof GradientAttack) && !(attack instanceof Apgd)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attacks: " + parts[0] + " looks for the"
                    + " smallest perturbation, not for one within each epsilon: run it with gradsign attack --attack "
                    + parts[0]);
        }
        for (int i = 1; i < parts.length; i++) {
            String[] setting = parts[i].split("=", 2);
            String key = setting[0];
            String value = setting.length == 2 ? setting[1] : "";
            try {
                attack = attack instanceof Apgd a ? apgdSetting(a, key, value) : gradientSetting((GradientAttack) attack,
                        key, value);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--attacks " + item + ": '" + value
                        + "' is not a number for " + key);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--attacks " + item + ": "
                        + e.getMessage());
            }
        }
        return attack;
    }

    private static GradientAttack gradientSetting(GradientAttack attack, String key, String value) {
        return switch (key) {
            case "steps" -> attack.withSteps(Integer.parseInt(value));
            case "step-size" -> attack.withStepSize(Float.parseFloat(value));
            case "restarts" -> attack.withRestarts(Integer.parseInt(value));
            case "decay" -> attack.withDecay(Float.parseFloat(value));
            case "seed" -> attack.withSeed(Long.parseLong(value));
            default -> throw new IllegalArgumentException("no setting '" + key + "': the settings are steps,"
                    + " step-size, restarts, decay, seed");
        };
    }

    private static Apgd apgdSetting(Apgd attack, String key, String value) {
        return switch (key) {
            case "steps" -> attack.withSteps(Integer.parseInt(value));
            case "restarts" -> attack.withRestarts(Integer.parseInt(value));
            case "target-classes" -> attack.withTargetClasses(Integer.parseInt(value));
            case "seed" -> attack.withSeed(Long.parseLong(value));
            default -> throw new IllegalArgumentException("no setting '" + key + "' for " + attack.name()
                    + ": its settings are steps, restarts, target-classes (apgd-t), seed");
        };
    }

    /** The row name of one item of --attacks: its attack's name, with the steps where set (pgd-20 for pgd:steps=20). */
    static String label(String item) {
        String[] parts = item.strip().toLowerCase(Locale.ROOT).split(":");
        String label = parts[0];
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].startsWith("steps=")) {
                label += "-" + parts[i].substring("steps=".length());
            }
        }
        return label;
    }

    /** The report with the row names the command line was given (pgd-20 for pgd:steps=20). */
    private static RobustnessReport relabelled(RobustnessReport report, List<String> labels) {
        return new RobustnessReport(report.model(), List.copyOf(labels), report.epsilons(), report.cleanAccuracy(),
                report.accuracy(), report.smallestBreakingEpsilon(), report.samples());
    }

    /** The report with a row "certified": the fraction of radii above each epsilon, first. */
    private static RobustnessReport withCertificate(RobustnessReport report, double[] radii) {
        float[] epsilons = report.epsilons();
        List<String> names = new ArrayList<>(report.attacks());
        names.add(0, "certified");
        double[][] accuracy = new double[names.size()][];
        float[][] smallest = new float[names.size()][];
        accuracy[0] = new double[epsilons.length];
        smallest[0] = new float[radii.length];
        java.util.Arrays.fill(smallest[0], Float.NaN);
        for (int e = 0; e < epsilons.length; e++) {
            accuracy[0][e] = LinearCertificate.certifiedAccuracy(radii, epsilons[e]);
            for (int i = 0; i < radii.length; i++) {
                // not certified at epsilons[e]: some perturbation of that size may break it
                if (!(radii[i] > epsilons[e]) && (Float.isNaN(smallest[0][i]) || epsilons[e] < smallest[0][i])) {
                    smallest[0][i] = epsilons[e];
                }
            }
        }
        for (int a = 0; a < report.attacks().size(); a++) {
            accuracy[a + 1] = report.accuracy()[a];
            smallest[a + 1] = report.smallestBreakingEpsilon()[a];
        }
        return new RobustnessReport(report.model(), names, epsilons, report.cleanAccuracy(), accuracy, smallest,
                report.samples());
    }

    private static String trim(float value) {
        return Float.toString(value).replaceAll("\\.0$", "");
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}

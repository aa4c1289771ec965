package io.gradsign.benchmarks;

import io.gradsign.Backends;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks (the CUDA ones only where a device is present) and prints each figure
 * beside its ceiling from the same run: the sign step in GB/s beside a copy of the same bytes, and
 * FGSM in images/s and GFLOP/s beside OpenBLAS's sgemm rate, one image's fused step beside the same
 * step as separate operations. JMH's own options pass through, for
 * example {@code FgsmBenchmark -p batch=256 -wi 2 -i 3} (a benchmark name or regex selects).
 */
public final class BenchmarkReport {
    private BenchmarkReport() {}

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions commandLine = new CommandLineOptions(args);
        String cudaReason = Backends.cudaUnavailableReason();
        OptionsBuilder options = new OptionsBuilder();
        options.parent(commandLine);
        if (commandLine.getIncludes().isEmpty()) {
            options.include(SgemmBenchmark.class.getSimpleName());
            options.include(SignStepBenchmark.class.getSimpleName());
            options.include(FgsmBenchmark.class.getSimpleName());
            options.include(FusedStepBenchmark.class.getSimpleName());
            options.include(TrainingBenchmark.class.getSimpleName());
            if (cudaReason == null) {
                options.include(SignStepCudaBenchmark.class.getSimpleName());
            }
        }
        if (cudaReason == null) {
            options.param("backend", "cpu", "cuda");
        } else {
            System.out.println("CUDA benchmarks skipped: " + cudaReason);
            options.param("backend", "cpu");
            options.exclude(SignStepCudaBenchmark.class.getSimpleName());
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version()
                + ", OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE"));
        Double sgemm = printSgemm(results);
        printSignStep(results);
        printFgsm(results, sgemm);
        printFusedStep(results);
        printTraining(results);
    }

    private static String name(RunResult result) {
        String name = result.getParams().getBenchmark();
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static Double printSgemm(Collection<RunResult> results) {
        Double rate = null;
        for (RunResult result : results) {
            if (name(result).equals("sgemm")) {
                double n = Double.parseDouble(result.getParams().getParam("n"));
                rate = result.getPrimaryResult().getScore() * 2 * n * n * n / 1e9;
                System.out.printf("%nsgemm %s^3 (OpenBLAS): %.1f GFLOP/s%n", result.getParams().getParam("n"), rate);
            }
        }
        return rate;
    }

    private static void printSignStep(Collection<RunResult> results) {
        // size -> benchmark name -> GB/s
        Map<Integer, Map<String, Double>> table = new TreeMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getParam("size") == null ? null : name(result);
            if (name == null) {
                continue;
            }
            int size = Integer.parseInt(result.getParams().getParam("size"));
            double gigabytesPerSecond = result.getPrimaryResult().getScore() * size
                    * (double) SignStepBenchmark.BYTES_PER_ELEMENT / 1e9;
            table.computeIfAbsent(size, k -> new TreeMap<>()).put(name, gigabytesPerSecond);
        }
        if (table.isEmpty()) {
            return;
        }
        System.out.printf("%n%-12s %-8s %12s %12s %8s%n", "floats", "backend", "step GB/s", "copy GB/s", "ratio");
        for (Map.Entry<Integer, Map<String, Double>> row : table.entrySet()) {
            printPair(row.getKey(), "cpu", row.getValue().get("signStepCpu"), row.getValue().get("copyBaseline"));
            printPair(row.getKey(), "cuda", row.getValue().get("signStepCuda"), row.getValue().get("copyBaselineCuda"));
        }
    }

    private static void printPair(int size, String backend, Double step, Double copy) {
        if (step != null && copy != null) {
            System.out.printf("%-12d %-8s %12.2f %12.2f %7.0f%%%n", size, backend, step, copy, 100 * step / copy);
        }
    }

    private static void printFgsm(Collection<RunResult> results, Double sgemm) {
        List<RunResult> rows = new ArrayList<>();
        for (RunResult result : results) {
            if (name(result).equals("fgsm")) {
                rows.add(result);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        System.out.printf("%n%-8s %-8s %6s %6s %14s %10s %10s%n", "model", "backend", "batch", "steps", "images/s",
                "GFLOP/s", "of sgemm");
        for (RunResult result : rows) {
            String model = result.getParams().getParam("model");
            int batch = Integer.parseInt(result.getParams().getParam("batch"));
            int steps = Integer.parseInt(result.getParams().getParam("steps"));
            double imagesPerSecond = result.getPrimaryResult().getScore() * batch;
            // forward + backward to the input: 2 x 2 x the multiply-adds, per step
            double gflops = imagesPerSecond * steps * 4.0 * Models.multiplyAdds(model) / 1e9;
            System.out.printf("%-8s %-8s %6d %6d %14.0f %10.1f %10s%n", model, result.getParams().getParam("backend"),
                    batch, steps, imagesPerSecond, gflops, sgemm == null ? "-" : String.format("%.0f%%", 100 * gflops / sgemm));
        }
    }

    private static void printFusedStep(Collection<RunResult> results) {
        // model -> path -> steps/s
        Map<String, Map<String, Double>> table = new TreeMap<>();
        for (RunResult result : results) {
            if (name(result).equals("step")) {
                table.computeIfAbsent(result.getParams().getParam("model"), k -> new TreeMap<>())
                        .put(result.getParams().getParam("path"), result.getPrimaryResult().getScore());
            }
        }
        if (table.isEmpty()) {
            return;
        }
        System.out.printf("%n%-8s %16s %16s %8s%n", "model", "fused steps/s", "operations", "ratio");
        for (Map.Entry<String, Map<String, Double>> row : table.entrySet()) {
            Double fused = row.getValue().get("fused");
            Double operations = row.getValue().get("operations");
            if (fused != null && operations != null) {
                System.out.printf("%-8s %16.0f %16.0f %8.2f%n", row.getKey(), fused, operations, fused / operations);
            }
        }
    }

    private static void printTraining(Collection<RunResult> results) {
        for (RunResult result : results) {
            if (name(result).equals("epoch")) {
                double seconds = result.getPrimaryResult().getScore();
                int images = Integer.parseInt(result.getParams().getParam("images"));
                System.out.printf("%ntraining epoch (%s, %s, %d images, batch %s): %.2f s, %.0f images/s%n",
                        result.getParams().getParam("model"), result.getParams().getParam("backend"), images,
                        result.getParams().getParam("batch"), seconds, images / seconds);
            }
        }
    }
}

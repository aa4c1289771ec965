package io.gradsign.benchmarks;

import io.gradsign.Backends;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the sign-step benchmarks (the CUDA ones only where a device is present) and prints GB/s at
 * 12 bytes per element beside the copy ceiling of the same run. JMH's own command-line options
 * pass through, for example {@code -p size=1000000 -f 1 -wi 2 -i 3}.
 */
public final class BenchmarkReport {
    private BenchmarkReport() {}

    public static void main(String[] args) throws RunnerException, org.openjdk.jmh.runner.options.CommandLineOptionException {
        String cudaReason = Backends.cudaUnavailableReason();
        OptionsBuilder options = new OptionsBuilder();
        options.parent(new CommandLineOptions(args));
        options.include(SignStepBenchmark.class.getSimpleName());
        if (cudaReason == null) {
            options.include(SignStepCudaBenchmark.class.getSimpleName());
        } else {
            System.out.println("CUDA benchmarks skipped: " + cudaReason);
        }
        Collection<RunResult> results = new Runner(options.build()).run();

        // size -> benchmark name -> GB/s
        Map<Integer, Map<String, Double>> table = new TreeMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            int size = Integer.parseInt(result.getParams().getParam("size"));
            double opsPerSecond = result.getPrimaryResult().getScore();
            double gigabytesPerSecond = opsPerSecond * size * (double) SignStepBenchmark.BYTES_PER_ELEMENT / 1e9;
            table.computeIfAbsent(size, k -> new TreeMap<>()).put(name, gigabytesPerSecond);
        }
        System.out.println();
        System.out.printf("%-12s %-18s %12s %12s %8s%n", "size", "pair", "step GB/s", "copy GB/s", "ratio");
        for (Map.Entry<Integer, Map<String, Double>> row : table.entrySet()) {
            printPair(row.getKey(), "cpu", row.getValue().get("signStepCpu"), row.getValue().get("copyBaseline"));
            printPair(row.getKey(), "cuda", row.getValue().get("signStepCuda"), row.getValue().get("copyBaselineCuda"));
        }
    }

    private static void printPair(int size, String pair, Double step, Double copy) {
        if (step == null || copy == null) {
            return;
        }
        System.out.printf("%-12d %-18s %12.2f %12.2f %7.0f%%%n", size, pair, step, copy, 100 * step / copy);
    }
}

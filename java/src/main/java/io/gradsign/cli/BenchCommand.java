package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.data.Dataset;
import io.gradsign.data.FashionMnist;
import io.gradsign.model.Fgsm;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code gradsign bench}: a rough wall-clock throughput of FGSM, in images per second. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A rough wall-clock figure of untargeted FGSM's throughput (images/s) for a model at a batch"
                + " size. For real measurements use the JMH benchmarks (README, Benchmarks).")
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    BatchOptions batching;

    /** --batch, checked at the start of call(). */
    private int batch;

    @Option(names = "--seconds", description = "measured time, after as long again of warm-up (default:"
            + " ${DEFAULT-VALUE})")
    double seconds = 3;

    @Override
    public Integer call() throws IOException {
        batch = batching.checked(spec);
        if (!(seconds > 0 && seconds <= 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be in (0, 3600], got "
                    + seconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        // the embedded sample's test images, repeated to fill the batch: the data do not change the work
        Dataset test = FashionMnist.embeddedSample().test();
        try (Backend backend = main.backendChoice.open(out);
             Network network = model.load(backend, out, test);
             Fgsm fgsm = new Fgsm(network, batch)) {
            int features = test.features();
            float[] images = new float[batch * features];
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                int source = i % test.count();
                System.arraycopy(test.image(source), 0, images, i * features, features);
                labels[i] = test.label(source);
            }
            out.printf(Locale.ROOT, "bench: untargeted FGSM (forward, backward to the input, sign step, forward"
                    + " again), batch %d, %.1f s warm-up, %.1f s measured%n", batch, seconds, seconds);
            out.flush();
            run(fgsm, images, labels, seconds);
            long start = System.nanoTime();
            long batches = run(fgsm, images, labels, seconds);
            backend.synchronize();
            double elapsed = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "rough wall-clock figure: %.0f images/s (%d batches of %d in %.2f s, backend %s)%n",
                    batches * batch / elapsed, batches, batch, elapsed, backend.kind());
            out.println("This is a rough wall-clock figure from one run: no forks, no statistics, other work on the"
                    + " machine counts. For real measurements use the JMH benchmarks: mvn -B -q -DskipTests package &&"
                    + " java -jar benchmarks/target/benchmarks.jar FgsmBenchmark");
        }
        return 0;
    }

    // whole batches until the time is up; returns how many
    private static long run(Fgsm fgsm, float[] images, int[] labels, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long batches = 0;
        do {
            fgsm.untargeted(images, labels, 0.1f);
            batches++;
        } while (System.nanoTime() < end);
        return batches;
    }
}

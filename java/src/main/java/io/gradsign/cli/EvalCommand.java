package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.data.Dataset;
import io.gradsign.model.Evaluation;
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

/** {@code gradsign eval}: a model's accuracy on the test set. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print a model's accuracy on the Fashion-MNIST test set.")
final class EvalCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--batch", description = "images per forward pass (default: ${DEFAULT-VALUE})")
    int batch = 500;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be at least 1, got " + batch);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Backend backend = main.backendChoice.open(out)) {
            Dataset test = data.load(out).test();
            try (Network network = model.load(backend, out, test)) {
                int[] labels = test.labels();
                int[] predicted = Evaluation.predict(network, test.images(), Math.min(batch, test.count()));
                int right = 0;
                for (int i = 0; i < labels.length; i++) {
                    if (predicted[i] == labels[i]) {
                        right++;
                    }
                }
                out.printf(Locale.ROOT, "test accuracy: %.2f%% (%d of %d)%n", 100.0 * right / labels.length, right,
                        labels.length);
            }
        }
        return 0;
    }
}

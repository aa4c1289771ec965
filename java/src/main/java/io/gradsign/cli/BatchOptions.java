package io.gradsign.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --batch N}: images per FGSM step, shared by the commands that attack (attack, bench, demo). */
final class BatchOptions {
    @Option(names = "--batch", description = "images per FGSM step (default: ${DEFAULT-VALUE})")
    int batch = 256;

    /** The batch size, after refusing one below 1 as a usage error of {@code spec}'s command. */
    int checked(CommandSpec spec) {
        if (batch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be at least 1, got " + batch);
        }
        return batch;
    }
}

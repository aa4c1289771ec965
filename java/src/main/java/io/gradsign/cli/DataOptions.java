package io.gradsign.cli;

import io.gradsign.data.FashionMnist;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --data DIR} and {@code --sample}: where Fashion-MNIST comes from. */
final class DataOptions {
    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    @Option(names = "--data", paramLabel = "DIR",
            description = "folder with the four Fashion-MNIST IDX files, plain or gzipped (default: Debian's "
                    + "/usr/share/datasets/fashion-mnist where installed, else the sample embedded in the jar)")
    Path directory;

    @Option(names = "--sample", description = "use the sample embedded in the jar (2000 training, 1000 test images)"
            + " even where the full data set is installed")
    boolean sample;

    /** Whether the data will come from the embedded sample. */
    boolean usesSample() {
        return sample || (directory == null && !FashionMnist.isInstalled(FashionMnist.DEFAULT_DIRECTORY));
    }

    /** Loads the data and says which it is. */
    FashionMnist load(PrintWriter out) throws IOException {
        if (sample && directory != null) {
            throw new CommandLine.ParameterException(command.commandLine(), "--data and --sample exclude each other");
        }
        FashionMnist data;
        String source;
        if (directory != null) {
            data = FashionMnist.load(directory);
            source = "Fashion-MNIST from " + directory;
        } else if (usesSample()) {
            data = FashionMnist.embeddedSample();
            source = "the Fashion-MNIST sample embedded in the jar (" + (sample ? "--sample"
                    : "Debian's dataset-fashion-mnist is not installed in " + FashionMnist.DEFAULT_DIRECTORY) + ")";
        } else {
            data = FashionMnist.load();
            source = "Debian's Fashion-MNIST in " + FashionMnist.DEFAULT_DIRECTORY;
        }
        out.println("data: " + source + ": " + data.train().count() + " training, " + data.test().count()
                + " test images");
        out.flush();
        return data;
    }
}

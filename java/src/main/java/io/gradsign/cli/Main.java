package io.gradsign.cli;

import io.gradsign.cuda.CudaException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * gradsign's command-line program ({@code bin/gradsign}). Without a subcommand it runs the demo. Exit
 * codes: 0 success; 2 bad arguments; 1 files and runtime failures: an input that cannot be read
 * (missing, corrupt, a directory), an output that cannot be written, a model and data that do not fit
 * each other, a training that diverged, a backend that cannot run here, a CUDA error, memory. Each is
 * one line on stderr (docs/CLI.md lists them).
 */
@Command(name = "gradsign", mixinStandardHelpOptions = true, version = "gradsign 0.1.0-SNAPSHOT",
        description = "FGSM adversarial examples on Fashion-MNIST, on CUDA kernels or the CPU."
                + " Without a command, runs the demo.",
        subcommands = {DemoCommand.class, TrainCommand.class, AttackCommand.class, EvalCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit code of files and runtime failures (see the class comment). */
    public static final int EXIT_FAILURE = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    // inherited: accepted before or after the subcommand's name ("gradsign --backend cpu eval", "gradsign eval --backend cpu")
    @Option(names = "--backend", scope = ScopeType.INHERIT, paramLabel = "KIND",
            description = "cpu, cuda, cuda-emulated or auto (default: -Dgradsign.backend if set, else CUDA when a"
                    + " device is present, else cpu)")
    void setBackend(String value) {
        backendChoice = BackendChoice.parse(value, spec.commandLine());
    }

    // shared by every subcommand through @ParentCommand; null means auto
    BackendChoice backendChoice = BackendChoice.AUTO;

    // held so that the level set in main sticks (java.util.logging keeps loggers weakly)
    private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("io.gradsign");

    public static void main(String[] args) {
        // every command prints the backend choice itself; the library's INFO line would say it twice
        LIBRARY_LOG.setLevel(java.util.logging.Level.WARNING);
        int exitCode;
        try {
            exitCode = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            // a model or batch too large for the heap: one line, not a trace; GRADSIGN_JAVA_OPTS is bin/gradsign's
            System.err.printf("gradsign: error: out of memory (%s): the model or the batch is too large for this Java"
                    + " heap of %d MB (GRADSIGN_JAVA_OPTS=-Xmx... sets it)%n", e.getMessage(),
                    Runtime.getRuntime().maxMemory() >> 20);
            exitCode = EXIT_FAILURE;
        }
        // exit only to report a failure: under 'mvn exec:java' a System.exit(0) would cut Maven short
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /** The program's command line, with its error handling; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        // the figure is drawn off screen, also where a display is present
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler(Main::onBadArguments);
        commandLine.setExecutionExceptionHandler(Main::onFailure);
        return commandLine;
    }

    /** No subcommand: the demo with its defaults. */
    @Override
    public Integer call() throws Exception {
        // the demo subcommand's object, built by picocli with its defaults and mixins
        DemoCommand demo = spec.subcommands().get("demo").getCommand();
        demo.main = this;
        return demo.call();
    }

    // bad arguments: one line naming the problem, one pointing to the help, exit code 2
    private static int onBadArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    // unreadable inputs, backends that cannot run here, CUDA errors: one clear line, exit code 1; anything else is
    // a bug and keeps its stack trace
    private static int onFailure(Exception e, CommandLine command, CommandLine.ParseResult parseResult) throws Exception {
        String message = failureMessage(e);
        if (message == null) {
            throw e;
        }
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": error: " + message);
        err.flush();
        return EXIT_FAILURE;
    }

    /** The one-line message of an expected failure, or null for an unexpected one (a bug, reported with its trace). */
    static String failureMessage(Throwable e) {
        if (e instanceof UncheckedIOException && e.getCause() != null) {
            return failureMessage(e.getCause());
        }
        if (e instanceof NoSuchFileException missing) {
            return missing.getReason() != null ? missing.getMessage() : "no such file: " + missing.getFile();
        }
        if (e instanceof AccessDeniedException denied) {
            return denied.getReason() != null ? "permission denied: " + denied.getMessage()
                    : "permission denied: " + denied.getFile();
        }
        if (e instanceof IOException) {
            return e.getMessage() != null ? e.getMessage() : e.toString();
        }
        if (e instanceof CudaException) {
            return "CUDA: " + e.getMessage();
        }
        if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        return null;
    }
}

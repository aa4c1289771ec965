package io.gradsign.cli;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import java.io.PrintWriter;
import picocli.CommandLine;

/** The value of {@code --backend}: a kind, or auto (null kind: {@link Backends#open()} decides). */
record BackendChoice(BackendKind kind) {
    static final BackendChoice AUTO = new BackendChoice(null);

    static BackendChoice parse(String value, CommandLine commandLine) {
        if (value.trim().equalsIgnoreCase("auto")) {
            return AUTO;
        }
        try {
            return new BackendChoice(BackendKind.fromId(value));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandLine, "--backend: unknown backend '" + value
                    + "', expected cpu, cuda, cuda-emulated or auto");
        }
    }

    /** Opens the backend and prints which one was chosen and why. */
    Backend open(PrintWriter out) {
        Backend backend = kind == null ? Backends.open() : Backends.open(kind);
        out.println("backend: " + Backends.lastChoice() + (kind == null ? "" : " (--backend " + kind + ")"));
        out.flush();
        return backend;
    }
}

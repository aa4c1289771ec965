package io.gradsign.cli;

import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work. On a terminal, a progress bar (me.tongfei:progressbar) on stderr. Elsewhere
 * (CI logs, pipes, tests) that library writes carriage-return redraws into one long line, so instead a
 * plain line every 10 seconds, and nothing for work that ends sooner.
 */
final class Progress implements AutoCloseable {
    private static final long PLAIN_INTERVAL_NANOS = 10_000_000_000L;

    private final String task;
    private final long total;
    private final PrintWriter err;
    private final ProgressBar bar;
    private final long startNanos = System.nanoTime();
    private long lastPrintNanos = startNanos;
    private long done;

    private Progress(String task, long total, PrintWriter err, ProgressBar bar) {
        this.task = task;
        this.total = total;
        this.err = err;
        this.bar = bar;
    }

    /** Progress of {@code total} units of {@code task}; plain lines go to {@code err}. */
    static Progress start(String task, long total, String unit, PrintWriter err) {
        ProgressBar bar = null;
        if (System.console() != null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).clearDisplayOnFinish().build();
        }
        return new Progress(task, total, err, bar);
    }

    /** {@code units} more are done. */
    void step(long units) {
        step(units, null);
    }

    /** {@code units} more are done; {@code status} (running figures such as a loss), if not null, is shown beside. */
    void step(long units, String status) {
        done += units;
        if (bar != null) {
            if (status != null) {
                bar.setExtraMessage(" " + status);
            }
            bar.stepBy(units);
            return;
        }
        long now = System.nanoTime();
        if (now - lastPrintNanos >= PLAIN_INTERVAL_NANOS && done < total) {
            lastPrintNanos = now;
            err.printf("  %s: %d/%d (%.0f%%), %.0f s%s%n", task, done, total, 100.0 * done / total,
                    (now - startNanos) / 1e9, status == null ? "" : ", " + status);
            err.flush();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}

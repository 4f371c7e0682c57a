package io.swapgate.gateway.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on a terminal stream, redrawn in place. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private int drawn = -1;

    ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        if (filled != drawn) {
            drawn = filled;
            out.printf(Locale.ROOT, "\r[%s%s] %3d%% of %s", "#".repeat(filled), " ".repeat(WIDTH - filled),
                    100 * Math.min(done, total) / total, AdaptersCommand.bytes(total));
            out.flush();
        }
    }

    void done() {
        update(total);
        out.println();
    }
}

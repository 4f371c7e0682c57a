package io.swapgate.gateway.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on a terminal stream, redrawn in place. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final long total;
    private int drawn = -1;

    ProgressBar(PrintWriter out, long total) {
        this.out = out;
        this.total = Math.max(1, total);
    }

    /** Bytes done of the total. */
    void update(long done) {
        update(done, "of " + AdaptersCommand.bytes(total), false);
    }

    /** Units done of the total, with a detail that changes as they go (drawn at every call). */
    void update(long done, String detail) {
        update(done, detail, true);
    }

    private void update(long done, String detail, boolean always) {
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        if (filled != drawn || always) {
            drawn = filled;
            out.printf(
                    Locale.ROOT,
                    "\r[%s%s] %3d%% %s\u001b[K",
                    "#".repeat(filled),
                    " ".repeat(WIDTH - filled),
                    100 * Math.min(done, total) / total,
                    detail);
            out.flush();
        }
    }

    void done() {
        update(total);
        out.println();
    }
}

package io.swapgate.gateway.tenancy;

import java.time.Duration;

/** A tenant's quota refused a call: names the quota and how long to wait before retrying. */
public final class QuotaExceededException extends RuntimeException {

    private final String quota;
    private final Duration retryAfter;

    public QuotaExceededException(String quota, String message, Duration retryAfter) {
        super("quota " + quota + " exceeded: " + message
                + (retryAfter.isZero()
                        ? " (retrying the same request will not help)"
                        : "; retry after " + describe(retryAfter)));
        this.quota = quota;
        this.retryAfter = retryAfter;
    }

    public String quota() {
        return quota;
    }

    /** How long until the call may succeed (a hint: other calls may take the room first); zero when it never will. */
    public Duration retryAfter() {
        return retryAfter;
    }

    private static String describe(Duration d) {
        return d.toMillis() < 1000
                ? d.toMillis() + " ms"
                : String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}

package io.swapgate.e2e;

import java.time.Duration;

/**
 * Which variant of the reliability suite runs: the CI subset by default, the long one (60 s overload, the soak test)
 * with {@code -Dreliability=full} ({@code ./swapgate reliability}).
 */
final class Reliability {

    private Reliability() {}

    static boolean full() {
        return "full".equals(System.getProperty("reliability"));
    }

    /** {@code ci} in the CI subset, {@code full} in the long variant. */
    static Duration pick(Duration ci, Duration full) {
        return full() ? full : ci;
    }

    /** {@code ci} in the CI subset, {@code full} in the long variant: a count of requests, kills or promotions. */
    static int pick(int ci, int full) {
        return full() ? full : ci;
    }
}

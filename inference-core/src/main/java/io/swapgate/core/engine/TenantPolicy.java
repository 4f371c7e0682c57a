package io.swapgate.core.engine;

/**
 * How the engine shares batch slots between tenants: each tenant's weight, and how many of its requests may wait.
 * Called from any thread; implementations must be thread-safe and fast (they are asked on every admission).
 */
public interface TenantPolicy {

    /** A tenant's share of the batch relative to the others' (positive). */
    double weight(String tenant);

    /** Requests of this tenant that may wait for a slot at once. */
    int maxQueued(String tenant);

    /** Every tenant weighs the same and may fill the whole queue. */
    TenantPolicy EQUAL = new TenantPolicy() {
        @Override
        public double weight(String tenant) {
            return 1;
        }

        @Override
        public int maxQueued(String tenant) {
            return Integer.MAX_VALUE;
        }
    };
}

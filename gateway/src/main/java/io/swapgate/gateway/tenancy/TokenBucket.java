package io.swapgate.gateway.tenancy;

/**
 * A token bucket: holds up to {@code capacity} tokens, refilled at a steady rate. Taking is all or nothing; settling
 * afterwards may leave the bucket in debt (a request used more than it reserved), which later takes wait out.
 */
final class TokenBucket {

    private final double capacity;
    private final double perNano;
    private double level;
    private long updated;

    TokenBucket(double capacity, double perSecond, long now) {
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.level = capacity;
        this.updated = now;
    }

    double capacity() {
        return capacity;
    }

    /** Takes {@code amount} if the bucket holds it and returns 0; else takes nothing and returns the nanos to wait. */
    synchronized long take(double amount, long now) {
        refill(now);
        if (level >= amount) {
            level -= amount;
            return 0;
        }
        return (long) Math.ceil((amount - level) / perNano);
    }

    /** Charges {@code amount} more (or refunds, when negative) after the fact. */
    synchronized void settle(double amount, long now) {
        refill(now);
        level = Math.min(capacity, level - amount);
    }

    private void refill(long now) {
        level = Math.min(capacity, level + (now - updated) * perNano);
        updated = now;
    }
}

package io.swapgate.retraining;

import java.time.Duration;
import java.time.Instant;

/**
 * When new examples make a retraining job: once {@code minNewExamples} have arrived, or the first of them has waited
 * {@code maxWait}; never sooner than {@code cooldown} after the adapter's previous job ended.
 */
public record RetrainingPolicy(int minNewExamples, Duration maxWait, Duration cooldown) {

    public RetrainingPolicy {
        if (minNewExamples <= 0 || maxWait.isNegative() || cooldown.isNegative()) {
            throw new IllegalArgumentException(
                    "invalid retraining policy: " + minNewExamples + ", " + maxWait + ", " + cooldown);
        }
    }

    /**
     * @param firstPendingAt when the oldest example not yet trained on arrived
     * @param lastEndedAt when the adapter's last job ended, or null
     */
    public boolean due(int pending, Instant firstPendingAt, Instant lastEndedAt, Instant now) {
        if (pending == 0 || (lastEndedAt != null && now.isBefore(lastEndedAt.plus(cooldown)))) {
            return false;
        }
        return pending >= minNewExamples || !now.isBefore(firstPendingAt.plus(maxWait));
    }
}

package io.swapgate.gateway.tenancy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A generation admitted under its tenant's quotas: holds one of the tenant's concurrent requests and a reservation of
 * max_new_tokens from its tokens-per-minute bucket, until the generation ends.
 */
public final class QuotaPermit {

    private final AtomicInteger inFlight;
    private final TokenBucket tokens;
    private final int reserved;
    private final LongSupplier clock;
    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    QuotaPermit(AtomicInteger inFlight, TokenBucket tokens, int reserved, LongSupplier clock) {
        this.inFlight = inFlight;
        this.tokens = tokens;
        this.reserved = reserved;
        this.clock = clock;
    }

    /** Charges the tokens the generation really used (prompt and output) in place of its reservation. Once. */
    public void settle(int promptTokens, int generatedTokens) {
        if (settled.compareAndSet(false, true)) {
            tokens.settle(promptTokens + generatedTokens - reserved, clock.getAsLong());
        }
    }

    /** Frees the concurrent-request slot. A generation that never settled keeps its whole reservation charged. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            inFlight.decrementAndGet();
        }
    }
}

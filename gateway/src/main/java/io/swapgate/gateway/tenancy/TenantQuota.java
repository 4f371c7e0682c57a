package io.swapgate.gateway.tenancy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/** One tenant's generation quotas at run time: its request and token buckets and its requests in flight. */
final class TenantQuota {

    /** A refused request may retry when a concurrent one ends; when that is cannot be known, so this is a hint. */
    private static final Duration CONCURRENCY_RETRY = Duration.ofSeconds(1);

    private final String tenant;
    private final QuotaLimits limits;
    private final LongSupplier clock;
    private final TokenBucket requests;
    private final TokenBucket tokens;
    private final AtomicInteger inFlight = new AtomicInteger();

    TenantQuota(String tenant, QuotaLimits limits, LongSupplier clock) {
        this.tenant = tenant;
        this.limits = limits;
        this.clock = clock;
        long now = clock.getAsLong();
        this.requests = new TokenBucket(Math.max(1, limits.requestsPerSecond()), limits.requestsPerSecond(), now);
        this.tokens = new TokenBucket(limits.tokensPerMinute(), limits.tokensPerMinute() / 60.0, now);
    }

    QuotaLimits limits() {
        return limits;
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Admits one generation, or refuses it naming the first quota it would exceed; a refusal takes nothing. */
    QuotaPermit admit(int maxNewTokens) {
        if (maxNewTokens > limits.maxNewTokens()) {
            throw new QuotaExceededException(
                    QuotaLimits.MAX_NEW_TOKENS,
                    "tenant '" + tenant + "' may ask for at most " + limits.maxNewTokens()
                            + " new tokens per request, not " + maxNewTokens,
                    Duration.ZERO);
        }
        if (maxNewTokens > tokens.capacity()) {
            throw new QuotaExceededException(
                    QuotaLimits.TOKENS_PER_MINUTE,
                    "max_new_tokens " + maxNewTokens + " exceeds tenant '" + tenant + "''s " + limits.tokensPerMinute()
                            + " tokens per minute",
                    Duration.ZERO);
        }
        if (inFlight.incrementAndGet() > limits.concurrentRequests()) {
            inFlight.decrementAndGet();
            throw new QuotaExceededException(
                    QuotaLimits.CONCURRENT_REQUESTS,
                    "tenant '" + tenant + "' already has " + limits.concurrentRequests() + " requests in flight",
                    CONCURRENCY_RETRY);
        }
        long now = clock.getAsLong();
        long wait = requests.take(1, now);
        if (wait > 0) {
            inFlight.decrementAndGet();
            throw new QuotaExceededException(
                    QuotaLimits.REQUESTS_PER_SECOND,
                    "tenant '" + tenant + "' may start " + limits.requestsPerSecond() + " requests per second",
                    Duration.ofNanos(wait));
        }
        wait = tokens.take(maxNewTokens, now);
        if (wait > 0) {
            inFlight.decrementAndGet();
            requests.settle(-1, now);
            throw new QuotaExceededException(
                    QuotaLimits.TOKENS_PER_MINUTE,
                    "tenant '" + tenant + "' may use " + limits.tokensPerMinute()
                            + " tokens per minute and cannot reserve " + maxNewTokens + " now",
                    Duration.ofNanos(wait));
        }
        return new QuotaPermit(inFlight, tokens, maxNewTokens, clock);
    }
}

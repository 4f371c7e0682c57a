package io.swapgate.core.engine;

/**
 * What the {@link Scheduler} needs to know of a request to place it: whose it is, what its next step feeds, what its
 * cache holds, and whether anyone still wants it. Each object is one request (identity, not equality, tells them apart).
 */
interface Schedulable {

    String tenant();

    /** Tokens still to feed: what is left of the prompt (and virtual tokens) while prefilling, then one. */
    int pendingTokens();

    /** Positions in the KV cache: the work a preemption would throw away. */
    int cachedTokens();

    /** Whether the next step is this request's prefill. */
    boolean isPrefill();

    /** Whether it was cancelled or its deadline passed by {@code now} (System.nanoTime). */
    boolean abandoned(long now);

    /** Gives up the cache; on readmission the request recomputes it by prefilling again. */
    void preempt();
}

package io.swapgate.core.engine;

/**
 * A snapshot of the engine.
 *
 * @param running sequences holding a batch slot
 * @param queued requests waiting for a slot
 * @param freeSlots batch (and KV-cache) slots not in use
 * @param cachedTokens KV-cache positions in use across all slots
 * @param steps forward steps run so far
 * @param generatedTokens tokens sampled so far
 * @param loraUploads LoRA adapters copied into the device slot table so far (a resident one reused costs none)
 * @param preemptions sequences that gave their slot to a less served tenant so far (each recomputes its cache later)
 */
public record EngineStats(
        int running,
        int queued,
        int freeSlots,
        long cachedTokens,
        long steps,
        long generatedTokens,
        long loraUploads,
        long preemptions) {}

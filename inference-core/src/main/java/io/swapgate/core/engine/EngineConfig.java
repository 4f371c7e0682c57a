package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterLimits;

/**
 * Engine limits.
 *
 * @param maxBatchSize sequences decoded together; also the number of KV-cache slots
 * @param queueCapacity requests that may wait for a slot; more are refused at once
 * @param maxContext positions per sequence (prompt and output), at most the model's context length
 * @param prefillTokenBudget prompt tokens admitted per step, so long prompts do not stall running streams
 * @param maxLoraRank the widest LoRA the device slot table holds (one slot per batch row)
 * @param backgroundShare the most of the engine thread's time background work (training) takes while requests run
 */
public record EngineConfig(int maxBatchSize, int queueCapacity, int maxContext, int prefillTokenBudget, int maxLoraRank,
                           double backgroundShare) {

    public static final double DEFAULT_BACKGROUND_SHARE = 0.25;

    public EngineConfig {
        if (maxBatchSize <= 0 || queueCapacity < 0 || maxContext <= 1 || prefillTokenBudget <= 0 || maxLoraRank <= 0
                || !(backgroundShare > 0 && backgroundShare < 1)) {
            throw new IllegalArgumentException("invalid engine config: " + maxBatchSize + ", " + queueCapacity + ", "
                    + maxContext + ", " + prefillTokenBudget + ", " + maxLoraRank + ", " + backgroundShare);
        }
    }

    /** A config with the default background share. */
    public EngineConfig(int maxBatchSize, int queueCapacity, int maxContext, int prefillTokenBudget, int maxLoraRank) {
        this(maxBatchSize, queueCapacity, maxContext, prefillTokenBudget, maxLoraRank, DEFAULT_BACKGROUND_SHARE);
    }

    /** A config with the default LoRA rank limit. */
    public EngineConfig(int maxBatchSize, int queueCapacity, int maxContext, int prefillTokenBudget) {
        this(maxBatchSize, queueCapacity, maxContext, prefillTokenBudget, AdapterLimits.DEFAULT_MAX_LORA_RANK);
    }
}

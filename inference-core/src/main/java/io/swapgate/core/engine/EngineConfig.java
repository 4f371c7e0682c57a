package io.swapgate.core.engine;

/**
 * Engine limits.
 *
 * @param maxBatchSize sequences decoded together; also the number of KV-cache slots
 * @param queueCapacity requests that may wait for a slot; more are refused at once
 * @param maxContext positions per sequence (prompt and output), at most the model's context length
 * @param prefillTokenBudget prompt tokens admitted per step, so long prompts do not stall running streams
 */
public record EngineConfig(int maxBatchSize, int queueCapacity, int maxContext, int prefillTokenBudget) {

    public EngineConfig {
        if (maxBatchSize <= 0 || queueCapacity < 0 || maxContext <= 1 || prefillTokenBudget <= 0) {
            throw new IllegalArgumentException("invalid engine config: " + maxBatchSize + ", " + queueCapacity + ", "
                    + maxContext + ", " + prefillTokenBudget);
        }
    }
}

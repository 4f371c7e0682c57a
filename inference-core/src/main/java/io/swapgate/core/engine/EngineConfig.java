package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterLimits;

/**
 * Engine limits.
 *
 * @param maxBatchSize sequences decoded together; also the number of KV-cache slots
 * @param queueCapacity requests that may wait for a slot; more are refused at once
 * @param maxContext positions per sequence (prompt and output), at most the model's context length
 * @param prefillTokenBudget prompt tokens fed per step (a longer prompt is fed in chunks), so long prompts do not stall
 *     running streams
 * @param prefillStretch how much longer than a decode-only step of the running streams and the requests waiting for a
 *     free slot a step carrying prompt tokens may take, by measured step times ({@link PrefillPacing}): it sets how
 *     many of the budget's tokens a step carries beside decode rows; 0 turns pacing off (every step gets the whole
 *     budget)
 * @param maxLoraRank the widest LoRA the device slot table holds (one slot per batch row)
 * @param backgroundShare the most of the engine thread's time background work (training) takes while requests run
 */
public record EngineConfig(
        int maxBatchSize,
        int queueCapacity,
        int maxContext,
        int prefillTokenBudget,
        double prefillStretch,
        int maxLoraRank,
        double backgroundShare) {

    public static final double DEFAULT_BACKGROUND_SHARE = 0.25;
    /** Chosen by measurement: docs/benchmarks.md, prefill. */
    public static final double DEFAULT_PREFILL_STRETCH = 3;

    public EngineConfig {
        if (maxBatchSize <= 0
                || queueCapacity < 0
                || maxContext <= 1
                || prefillTokenBudget <= 0
                || !(prefillStretch == 0 || prefillStretch >= 1)
                || maxLoraRank <= 0
                || !(backgroundShare > 0 && backgroundShare < 1)) {
            throw new IllegalArgumentException("invalid engine config: " + maxBatchSize + ", " + queueCapacity + ", "
                    + maxContext + ", " + prefillTokenBudget + ", " + prefillStretch + ", " + maxLoraRank + ", "
                    + backgroundShare);
        }
    }

    /** The same limits with another context length. */
    public EngineConfig withMaxContext(int positions) {
        return new EngineConfig(
                maxBatchSize,
                queueCapacity,
                positions,
                prefillTokenBudget,
                prefillStretch,
                maxLoraRank,
                backgroundShare);
    }

    /** Defaults that suit a small model on a CPU; name what differs. */
    public static Builder builder() {
        return new Builder();
    }

    /** Names each limit, so a config reads as what it sets rather than as a row of numbers. */
    public static final class Builder {
        private int maxBatchSize = 8;
        private int queueCapacity = 64;
        private int maxContext = 512;
        private int prefillTokenBudget = 64;
        private double prefillStretch = DEFAULT_PREFILL_STRETCH;
        private int maxLoraRank = AdapterLimits.DEFAULT_MAX_LORA_RANK;
        private double backgroundShare = DEFAULT_BACKGROUND_SHARE;

        private Builder() {}

        public Builder maxBatchSize(int value) {
            maxBatchSize = value;
            return this;
        }

        public Builder queueCapacity(int value) {
            queueCapacity = value;
            return this;
        }

        public Builder maxContext(int value) {
            maxContext = value;
            return this;
        }

        public Builder prefillTokenBudget(int value) {
            prefillTokenBudget = value;
            return this;
        }

        public Builder prefillStretch(double value) {
            prefillStretch = value;
            return this;
        }

        public Builder maxLoraRank(int value) {
            maxLoraRank = value;
            return this;
        }

        public Builder backgroundShare(double value) {
            backgroundShare = value;
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(
                    maxBatchSize,
                    queueCapacity,
                    maxContext,
                    prefillTokenBudget,
                    prefillStretch,
                    maxLoraRank,
                    backgroundShare);
        }
    }
}

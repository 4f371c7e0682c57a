package io.swapgate.core.adapter;

/**
 * What this server accepts in an adapter.
 *
 * @param maxFileBytes largest {@code adapter_model.safetensors}
 * @param maxLoraRank largest LoRA rank (the width of the device slot table)
 * @param maxVirtualTokens most prompt or prefix virtual tokens
 */
public record AdapterLimits(long maxFileBytes, int maxLoraRank, int maxVirtualTokens) {

    public static final int DEFAULT_MAX_LORA_RANK = 64;

    public AdapterLimits {
        if (maxFileBytes <= 0 || maxLoraRank <= 0 || maxVirtualTokens <= 0) {
            throw new IllegalArgumentException("adapter limits must be positive");
        }
    }

    /** Defaults for a model with the given context: 512 MiB files, rank 64, a quarter of the context as virtual tokens. */
    public static AdapterLimits defaults(int maxContext) {
        return new AdapterLimits(512L << 20, DEFAULT_MAX_LORA_RANK, Math.max(1, maxContext / 4));
    }
}

package io.swapgate.core.adapter;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The adapters one request composes, at most one per kind: prompt and prefix change its inputs and cache,
 * the LoRA its linear layers, the TempNet its sampling temperature. Any of them may be null.
 *
 * @param loraRank the rank the LoRA is served at (its full rank unless a DyLoRA is truncated)
 */
public record AdapterSelection(
        LoraAdapter lora, int loraRank, PromptAdapter prompt, PrefixAdapter prefix, TempNetAdapter tempNet) {

    public static final AdapterSelection NONE = new AdapterSelection(null, 0, null, null, null);

    /**
     * Composes the adapters; {@code requestedLoraRank} 0 serves the LoRA at its full rank.
     *
     * @throws IllegalArgumentException for two adapters of one kind, or a rank the LoRA cannot be served at
     */
    public static AdapterSelection of(List<Adapter> adapters, int requestedLoraRank) {
        Map<AdapterKind, Adapter> byKind = new EnumMap<>(AdapterKind.class);
        for (Adapter adapter : adapters) {
            Adapter previous = byKind.put(adapter.kind(), adapter);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "at most one " + adapter.kind().wireName() + " adapter per request, got "
                                + previous.identity().name() + " and "
                                + adapter.identity().name());
            }
        }
        LoraAdapter lora = (LoraAdapter) byKind.get(AdapterKind.LORA);
        if (lora == null && requestedLoraRank != 0) {
            throw new IllegalArgumentException("lora_rank " + requestedLoraRank + " given without a LoRA adapter");
        }
        if (requestedLoraRank < 0) {
            throw new IllegalArgumentException("lora_rank must be positive, got " + requestedLoraRank);
        }
        return new AdapterSelection(
                lora,
                lora == null ? 0 : lora.servedRank(requestedLoraRank),
                (PromptAdapter) byKind.get(AdapterKind.PROMPT),
                (PrefixAdapter) byKind.get(AdapterKind.PREFIX),
                (TempNetAdapter) byKind.get(AdapterKind.TEMPNET));
    }

    /** The composed adapters, in kind order. */
    public List<Adapter> adapters() {
        List<Adapter> all = new ArrayList<>(4);
        for (Adapter a : new Adapter[] {lora, prompt, prefix, tempNet}) {
            if (a != null) {
                all.add(a);
            }
        }
        return all;
    }

    /** Cache positions taken before the prompt: the prefix's, then the prompt adapter's virtual tokens. */
    public int virtualPositions() {
        return (prefix == null ? 0 : prefix.virtualTokens()) + (prompt == null ? 0 : prompt.virtualTokens());
    }
}

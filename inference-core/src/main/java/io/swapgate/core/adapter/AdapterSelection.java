package io.swapgate.core.adapter;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The adapters one request composes, at most one per kind: prompt and prefix change its inputs and cache,
 * the LoRA its linear layers, the TempNet its sampling temperature. Any of them may be null. The LoRA may be a
 * weighted blend of several ({@link LoraMixture}).
 *
 * @param loraRank the rank the LoRA is served at (its full rank unless a DyLoRA is truncated)
 * @param mixture the blended LoRAs and their weights when {@code lora} is a mixture; otherwise empty
 */
public record AdapterSelection(
        LoraAdapter lora,
        int loraRank,
        PromptAdapter prompt,
        PrefixAdapter prefix,
        TempNetAdapter tempNet,
        List<LoraMixture.Part> mixture) {

    public static final AdapterSelection NONE = new AdapterSelection(null, 0, null, null, null);

    public AdapterSelection {
        mixture = List.copyOf(mixture);
    }

    /** A selection without a mixture. */
    public AdapterSelection(
            LoraAdapter lora, int loraRank, PromptAdapter prompt, PrefixAdapter prefix, TempNetAdapter tempNet) {
        this(lora, loraRank, prompt, prefix, tempNet, List.of());
    }

    /**
     * Composes the adapters; {@code requestedLoraRank} 0 serves the LoRA at its full rank.
     *
     * @throws IllegalArgumentException for two adapters of one kind, or a rank the LoRA cannot be served at
     */
    public static AdapterSelection of(List<Adapter> adapters, int requestedLoraRank) {
        return of(adapters, java.util.Collections.nCopies(adapters.size(), null), requestedLoraRank);
    }

    /**
     * Composes the adapters, blending LoRAs given weights ({@code weights} parallel to {@code adapters}, null where the
     * reference gave none): several LoRAs must each have a weight, and only LoRAs take one.
     *
     * @throws IllegalArgumentException for two unweighted adapters of one kind, a weight on another kind, or a rank
     *     the LoRA cannot be served at
     */
    public static AdapterSelection of(List<Adapter> adapters, List<Float> weights, int requestedLoraRank) {
        return of(adapters, weights, requestedLoraRank, LoraMixture::of);
    }

    /** {@link #of(List, List, int)} with blends built (or found) by {@code blender}. */
    public static AdapterSelection of(
            List<Adapter> adapters,
            List<Float> weights,
            int requestedLoraRank,
            java.util.function.Function<List<LoraMixture.Part>, LoraAdapter> blender) {
        Map<AdapterKind, Adapter> byKind = new EnumMap<>(AdapterKind.class);
        List<LoraMixture.Part> parts = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            Adapter adapter = adapters.get(i);
            Float weight = weights.get(i);
            if (weight != null) {
                if (!(adapter instanceof LoraAdapter lora)) {
                    throw new IllegalArgumentException("only LoRA adapters take a weight; "
                            + adapter.identity().name() + " is a "
                            + adapter.kind().wireName() + " adapter");
                }
                parts.add(new LoraMixture.Part(lora, weight));
                continue;
            }
            Adapter previous = byKind.put(adapter.kind(), adapter);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "at most one " + adapter.kind().wireName() + " adapter per request, got "
                                + previous.identity().name() + " and "
                                + adapter.identity().name());
            }
        }
        if (!parts.isEmpty()) {
            if (byKind.containsKey(AdapterKind.LORA)) {
                throw new IllegalArgumentException("to blend LoRAs give each a weight, as in a:0.7+b:0.3; "
                        + byKind.get(AdapterKind.LORA).identity().name() + " has none");
            }
            if (requestedLoraRank != 0) {
                throw new IllegalArgumentException("lora_rank cannot be given for a blend of LoRAs");
            }
            LoraAdapter blend = blender.apply(parts);
            return new AdapterSelection(
                    blend,
                    blend.rank(),
                    (PromptAdapter) byKind.get(AdapterKind.PROMPT),
                    (PrefixAdapter) byKind.get(AdapterKind.PREFIX),
                    (TempNetAdapter) byKind.get(AdapterKind.TEMPNET),
                    parts);
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

    /** The composed adapters as the registry holds them, in kind order: a blend's parts in place of the blend. */
    public List<Adapter> adapters() {
        List<Adapter> all = new ArrayList<>(4);
        if (mixture.isEmpty()) {
            if (lora != null) {
                all.add(lora);
            }
        } else {
            mixture.forEach(part -> all.add(part.lora()));
        }
        for (Adapter a : new Adapter[] {prompt, prefix, tempNet}) {
            if (a != null) {
                all.add(a);
            }
        }
        return all;
    }

    /** The weight of {@code adapter} in the blend, or 0 when it is not blended. */
    public float weightOf(Adapter adapter) {
        for (LoraMixture.Part part : mixture) {
            if (part.lora() == adapter) {
                return part.weight();
            }
        }
        return 0f;
    }

    /** Cache positions taken before the prompt: the prefix's, then the prompt adapter's virtual tokens. */
    public int virtualPositions() {
        return (prefix == null ? 0 : prefix.virtualTokens()) + (prompt == null ? 0 : prompt.virtualTokens());
    }
}

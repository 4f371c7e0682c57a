package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Several LoRAs blended with weights, as one LoRA the batched path serves like any other: the update
 * {@code sum_i w_i s_i B_i A_i x} equals {@code B A x} with A the parts' A matrices stacked (rank {@code sum_i r_i})
 * and B their B matrices side by side, each scaled by {@code w_i s_i}, so nothing is merged into the base and a
 * mixture shares steps with every other request. A module only some parts adapt gets zero blocks from the others.
 */
public final class LoraMixture {

    /** The most LoRAs one request may blend. */
    public static final int MAX_PARTS = 4;

    /** A LoRA and its weight in the blend (negative weights subtract, as in task arithmetic). */
    public record Part(LoraAdapter lora, float weight) {

        public Part {
            if (lora.dora()) {
                throw new IllegalArgumentException(
                        "DoRA adapter " + lora.identity().name()
                                + " cannot be blended: its magnitudes renormalise its own merged weight only");
            }
            if (lora.ia3()) {
                throw new IllegalArgumentException(
                        "IA3 adapter " + lora.identity().name()
                                + " cannot be blended: it scales the base's weights rather than adding to them");
            }
            if (!Float.isFinite(weight) || weight == 0 || Math.abs(weight) > MAX_WEIGHT) {
                throw new IllegalArgumentException(
                        "the weight of " + lora.identity().name() + " must be non-zero and at most " + MAX_WEIGHT
                                + " in magnitude, got " + weight);
            }
        }
    }

    public static final float MAX_WEIGHT = 10f;

    private LoraMixture() {}

    /**
     * The blend of {@code parts}, each served at its full rank (a DyLoRA's too). Its identity names the parts with
     * their weights, and its version is a digest of their versions and weights, so equal blends share a device slot.
     */
    public static LoraAdapter of(List<Part> parts) {
        if (parts.size() < 1 || parts.size() > MAX_PARTS) {
            throw new IllegalArgumentException("a mixture blends 1 to " + MAX_PARTS + " LoRAs, got " + parts.size());
        }
        int rank = parts.stream().mapToInt(p -> p.lora().rank()).sum();
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        for (LoraModule module : LoraModule.values()) {
            LoraAdapter.LayerFactors[] blended = blend(parts, module, rank);
            if (blended != null) {
                modules.put(module, blended);
            }
        }
        // alpha = rank makes the mixture's own scale 1: every part's scale is already inside its B block.
        return new LoraAdapter(identityOf(parts), rank, rank, false, null, modules);
    }

    private static LoraAdapter.LayerFactors[] blend(List<Part> parts, LoraModule module, int rank) {
        int layers = -1;
        for (Part part : parts) {
            LoraAdapter.LayerFactors[] factors = part.lora().modules().get(module);
            if (factors != null) {
                layers = Math.max(layers, factors.length);
            }
        }
        if (layers < 0) {
            return null;
        }
        LoraAdapter.LayerFactors[] out = new LoraAdapter.LayerFactors[layers];
        for (int layer = 0; layer < layers; layer++) {
            out[layer] = blendLayer(parts, module, layer, rank);
        }
        return out;
    }

    private static LoraAdapter.LayerFactors blendLayer(List<Part> parts, LoraModule module, int layer, int rank) {
        int in = -1;
        int out = -1;
        for (Part part : parts) {
            LoraAdapter.LayerFactors f = factors(part, module, layer);
            if (f != null) {
                in = f.a().shape()[1];
                out = f.b().shape()[0];
            }
        }
        if (in < 0) {
            return null;
        }
        float[] a = new float[rank * in];
        float[] b = new float[out * rank];
        int offset = 0;
        for (Part part : parts) {
            int r = part.lora().rank();
            LoraAdapter.LayerFactors f = factors(part, module, layer);
            if (f != null) {
                System.arraycopy(f.a().data(), 0, a, offset * in, r * in);
                float scale = part.weight() * part.lora().scale(r);
                for (int o = 0; o < out; o++) {
                    for (int j = 0; j < r; j++) {
                        b[o * rank + offset + j] = scale * f.b().data()[o * r + j];
                    }
                }
            }
            offset += r;
        }
        return new LoraAdapter.LayerFactors(
                new FloatTensor("lora_A", new int[] {rank, in}, a),
                new FloatTensor("lora_B", new int[] {out, rank}, b));
    }

    private static LoraAdapter.LayerFactors factors(Part part, LoraModule module, int layer) {
        LoraAdapter.LayerFactors[] factors = part.lora().modules().get(module);
        return factors == null || layer >= factors.length ? null : factors[layer];
    }

    /** The identity {@link #of} gives the blend of {@code parts}: equal for equal parts, versions and weights. */
    public static AdapterIdentity identityOf(List<Part> parts) {
        String name = parts.stream()
                .map(p -> p.lora().identity().name() + ":" + p.weight())
                .collect(Collectors.joining("+"));
        MessageDigest sha = BaseModelIdentity.sha256();
        for (Part part : parts) {
            sha.update((part.lora().identity().version() + ":" + Float.floatToIntBits(part.weight()) + ";")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return new AdapterIdentity(name, "mix-" + HexFormat.of().formatHex(sha.digest()));
    }
}

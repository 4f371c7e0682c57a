package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import java.util.Locale;
import java.util.Optional;

/** The linear layers a LoRA can target, under their Hugging Face, llama2.c and GGUF names. */
public enum LoraModule {
    Q("q_proj", "wq", "attn_q"),
    K("k_proj", "wk", "attn_k"),
    V("v_proj", "wv", "attn_v"),
    O("o_proj", "wo", "attn_output"),
    GATE("gate_proj", "w1", "ffn_gate"),
    UP("up_proj", "w3", "ffn_up"),
    DOWN("down_proj", "w2", "ffn_down");

    private final String huggingFace;
    private final String llama2c;
    private final String gguf;

    LoraModule(String huggingFace, String llama2c, String gguf) {
        this.huggingFace = huggingFace;
        this.llama2c = llama2c;
        this.gguf = gguf;
    }

    public String huggingFaceName() {
        return huggingFace;
    }

    /** The name llama.cpp gives the module's weight in GGUF files ({@code blk.N.NAME.weight}). */
    public String ggufName() {
        return gguf;
    }

    /** Resolves a module name in any of the three naming schemes. */
    public static Optional<LoraModule> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (LoraModule m : values()) {
            if (m.huggingFace.equals(n) || m.llama2c.equals(n) || m.gguf.equals(n)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    public int inputs(LlamaConfig c) {
        return switch (this) {
            case O -> c.queryDim();
            case DOWN -> c.hiddenDim();
            default -> c.dim();
        };
    }

    public int outputs(LlamaConfig c) {
        return switch (this) {
            case Q -> c.queryDim();
            case O, DOWN -> c.dim();
            case K, V -> c.kvDim();
            case GATE, UP -> c.hiddenDim();
        };
    }

    /** The base weight this module adapts in {@code layer}: [outputs, inputs]. */
    public FloatTensor weightIn(LayerWeights layer) {
        return switch (this) {
            case Q -> layer.query();
            case K -> layer.key();
            case V -> layer.value();
            case O -> layer.output();
            case GATE -> layer.gate();
            case UP -> layer.up();
            case DOWN -> layer.down();
        };
    }

    /** {@code layer} with the given modules' weights in place of its own; its norms, biases and head norms kept. */
    public static LayerWeights replaced(LayerWeights layer, java.util.Map<LoraModule, FloatTensor> weights) {
        java.util.function.Function<LoraModule, FloatTensor> pick = m -> weights.getOrDefault(m, m.weightIn(layer));
        return new LayerWeights(
                layer.attentionNorm(),
                pick.apply(Q),
                pick.apply(K),
                pick.apply(V),
                pick.apply(O),
                layer.ffnNorm(),
                pick.apply(GATE),
                pick.apply(UP),
                pick.apply(DOWN),
                layer.qkvBias(),
                layer.queryNorm(),
                layer.keyNorm(),
                layer.postAttentionNorm(),
                layer.postFeedForwardNorm());
    }

    /** The parent module in Hugging Face's Llama naming ({@code self_attn} or {@code mlp}). */
    public String huggingFaceParent() {
        return switch (this) {
            case Q, K, V, O -> "self_attn";
            case GATE, UP, DOWN -> "mlp";
        };
    }
}

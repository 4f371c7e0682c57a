package io.swapgate.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.format.SafetensorsWriter;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One seeded Gemma-shaped model written twice, as its publishers ship it: a Hugging Face folder ({@code model_type}
 * "gemma2", or "gemma3_text" with per-head q/k norms and {@code layer_types}) whose norms hold w for Gemma's (1 + w),
 * and a GGUF file as llama.cpp's converter writes it ({@code gemma2.*} / {@code gemma3.*} keys, the 1 added into every
 * norm, {@code post_attention_norm} and {@code post_ffw_norm}). The weights are Swapgate's folded form. The vocabulary
 * is {@link QwenFiles}'s byte-level BPE (Gemma's own is SentencePiece, which these files do not check).
 */
final class GemmaFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The two generations. */
    enum Family {
        GEMMA2("gemma2", "gemma2"),
        GEMMA3("gemma3_text", "gemma3");

        final String modelType;
        final String arch;

        Family(String modelType, String arch) {
            this.modelType = modelType;
            this.arch = arch;
        }
    }

    private GemmaFiles() {}

    /** Seeded weights: matrices uniform in +-1/sqrt(in), every norm (folded) in 0.7 to 1.3, the end token's row zero. */
    static LlamaWeights weights(LlamaConfig config, Family family, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int d = config.dim();
        int q = config.queryDim();
        int kv = config.kvDim();
        int h = config.hiddenDim();
        boolean headNorms = family == Family.GEMMA3;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            layers.add(new LayerWeights(
                    norm(random, d),
                    matrix(random, q, d),
                    matrix(random, kv, d),
                    matrix(random, kv, d),
                    matrix(random, d, q),
                    norm(random, d),
                    matrix(random, h, d),
                    matrix(random, h, d),
                    matrix(random, d, h),
                    null,
                    headNorms ? norm(random, config.headDim()) : null,
                    headNorms ? norm(random, config.headDim()) : null,
                    norm(random, d),
                    norm(random, d)));
        }
        float[] embedding = matrix(random, config.vocabSize(), d).data();
        java.util.Arrays.fill(embedding, QwenFiles.END * d, (QwenFiles.END + 1) * d, 0f);
        FloatTensor tied = new FloatTensor("embedding", new int[] {config.vocabSize(), d}, embedding);
        return new LlamaWeights(tied, layers, norm(random, d), tied).validate(config);
    }

    static Path folder(Path folder, Family family, LlamaConfig config, LlamaWeights weights) throws IOException {
        Files.createDirectories(folder);
        LlamaConfig.Gemma gemma = config.gemma();
        ObjectNode json = QwenFiles.configJson(family.modelType, config)
                .put("hidden_activation", "gelu_pytorch_tanh")
                .put("query_pre_attn_scalar", gemma.queryPreAttentionScalar())
                .put("sliding_window", gemma.slidingWindow())
                .put("tie_word_embeddings", true);
        if (family == Family.GEMMA2) {
            json.put("attn_logit_softcapping", gemma.attentionSoftCap())
                    .put("final_logit_softcapping", gemma.finalSoftCap());
        } else {
            json.putNull("attn_logit_softcapping").putNull("final_logit_softcapping");
            json.put("rope_local_base_freq", gemma.localRopeTheta());
            json.putObject("rope_scaling").put("rope_type", "linear").put("factor", gemma.ropeLinearFactor());
            ArrayNode types = json.putArray("layer_types");
            for (int l = 0; l < config.layers(); l++) {
                types.add(config.slidingLayer(l) ? "sliding_attention" : "full_attention");
            }
        }
        JSON.writeValue(folder.resolve("config.json").toFile(), json);
        QwenFiles.writeTokenizer(folder);

        List<FloatTensor> tensors = new ArrayList<>();
        tensors.add(weights.embedding()
                .withShape("model.embed_tokens.weight", weights.embedding().shape()));
        for (int l = 0; l < config.layers(); l++) {
            LayerWeights layer = weights.layers().get(l);
            String p = "model.layers." + l + ".";
            tensors.add(unfolded(layer.attentionNorm(), p + "input_layernorm.weight"));
            tensors.add(named(layer.query(), p + "self_attn.q_proj.weight"));
            tensors.add(named(layer.key(), p + "self_attn.k_proj.weight"));
            tensors.add(named(layer.value(), p + "self_attn.v_proj.weight"));
            tensors.add(named(layer.output(), p + "self_attn.o_proj.weight"));
            if (layer.queryNorm() != null) {
                tensors.add(unfolded(layer.queryNorm(), p + "self_attn.q_norm.weight"));
                tensors.add(unfolded(layer.keyNorm(), p + "self_attn.k_norm.weight"));
            }
            tensors.add(unfolded(layer.postAttentionNorm(), p + "post_attention_layernorm.weight"));
            tensors.add(unfolded(layer.ffnNorm(), p + "pre_feedforward_layernorm.weight"));
            tensors.add(named(layer.gate(), p + "mlp.gate_proj.weight"));
            tensors.add(named(layer.up(), p + "mlp.up_proj.weight"));
            tensors.add(named(layer.down(), p + "mlp.down_proj.weight"));
            tensors.add(unfolded(layer.postFeedForwardNorm(), p + "post_feedforward_layernorm.weight"));
        }
        tensors.add(unfolded(weights.finalNorm(), "model.norm.weight"));
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return folder;
    }

    /** The GGUF llama.cpp reads: norms folded as its converter folds them, rope over head halves (no permutation). */
    static Path gguf(Path file, Family family, LlamaConfig config, LlamaWeights weights) throws IOException {
        Files.createDirectories(file.getParent());
        LlamaConfig.Gemma gemma = config.gemma();
        String arch = family.arch;
        GgufWriter gguf = QwenFiles.ggufHeader(arch, config)
                .put(arch + ".attention.sliding_window", gemma.slidingWindow())
                .put(arch + ".attention.sliding_window_pattern", gemma.slidingPattern());
        if (family == Family.GEMMA2) {
            gguf.put(arch + ".attn_logit_softcapping", gemma.attentionSoftCap())
                    .put(arch + ".final_logit_softcapping", gemma.finalSoftCap());
        } else {
            // The sliding layers' base is left to llama.cpp's default for Gemma 3 (10000), which the reader shares.
            gguf.put(arch + ".rope.scaling.type", "linear")
                    .put(arch + ".rope.scaling.factor", gemma.ropeLinearFactor());
        }
        QwenFiles.withHalvesTensors(gguf, config, weights);
        gguf.write(file);
        return file;
    }

    /** A norm as Hugging Face stores it: w where Gemma multiplies by (1 + w). Exact, the weights being 0.7 to 1.3. */
    private static FloatTensor unfolded(FloatTensor folded, String name) {
        float[] values = folded.data().clone();
        for (int i = 0; i < values.length; i++) {
            values[i] -= 1f;
        }
        return new FloatTensor(name, folded.shape(), values);
    }

    private static FloatTensor named(FloatTensor tensor, String name) {
        return tensor.withShape(name, tensor.shape());
    }

    private static FloatTensor matrix(SplittableRandom random, int out, int in) {
        float bound = (float) (1 / Math.sqrt(in));
        float[] data = new float[out * in];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new FloatTensor("w", new int[] {out, in}, data);
    }

    private static FloatTensor norm(SplittableRandom random, int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) (0.7 + random.nextDouble() * 0.6);
        }
        return new FloatTensor("norm", new int[] {n}, data);
    }
}

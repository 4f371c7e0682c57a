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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One Qwen-shaped model written twice, as its publishers ship it: a Hugging Face folder ({@code model_type} "qwen2"
 * with q/k/v biases or "qwen3" with per-head q/k norms, a byte-level BPE {@code tokenizer.json}, no BOS) and a GGUF file
 * as llama.cpp's converter writes it ({@code qwen2.*} or {@code qwen3.*} keys, {@code *.bias} or {@code attn_q_norm} /
 * {@code attn_k_norm} tensors, a "gpt2" vocabulary with merges and the "qwen2" pre-tokenizer). The
 * vocabulary: the 256 byte tokens in GPT-2's printable form, 255 merges (a space before each letter, then letter
 * pairs), and {@code <|endoftext|>} last, the end of sequence.
 */
final class QwenFiles {

    static final int VOCAB = 512;
    static final int END = VOCAB - 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The two generations: Qwen2's q/k/v biases, Qwen3's per-head q/k norms. */
    enum Family {
        QWEN2,
        QWEN3;

        String modelType() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private QwenFiles() {}

    /** The tokens by id. */
    static List<String> tokens() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(byteChar(b)));
        }
        for (String merge : merges()) {
            tokens.add(merge.replace(" ", ""));
        }
        tokens.add("<|endoftext|>");
        return tokens;
    }

    /** BPE merges, highest priority first: " x" for every letter, then letter pairs. */
    static List<String> merges() {
        List<String> merges = new ArrayList<>();
        for (char c = 'a'; c <= 'z'; c++) {
            merges.add(byteChar(' ') + " " + c);
        }
        for (char a = 'a'; a <= 'z'; a++) {
            for (char b = 'a'; b <= 'z'; b++) {
                if (merges.size() < VOCAB - 257) {
                    merges.add(a + " " + b);
                }
            }
        }
        return merges;
    }

    /** GPT-2's printable stand-in for a byte: printable Latin-1 bytes themselves, the rest U+0100 on. */
    static char byteChar(int b) {
        int next = 256;
        for (int x = 0; x < 256; x++) {
            boolean printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            if (x == b) {
                return (char) (printable ? x : next);
            }
            if (!printable) {
                next++;
            }
        }
        throw new IllegalArgumentException("not a byte: " + b);
    }

    static Path folder(Path folder, Family family, LlamaConfig config, LlamaWeights weights) throws IOException {
        Files.createDirectories(folder);
        ObjectNode json = configJson(family.modelType(), config)
                .put("tie_word_embeddings", config.sharedClassifier())
                .put("use_sliding_window", false)
                .put("sliding_window", 64); // named but off, as Qwen2.5's files have it
        JSON.writeValue(folder.resolve("config.json").toFile(), json);
        writeTokenizer(folder);
        List<FloatTensor> tensors = new ArrayList<>();
        tensors.add(named(weights.embedding(), "model.embed_tokens.weight"));
        for (int l = 0; l < config.layers(); l++) {
            LayerWeights layer = weights.layers().get(l);
            String p = "model.layers." + l + ".";
            tensors.add(named(layer.attentionNorm(), p + "input_layernorm.weight"));
            tensors.add(named(layer.query(), p + "self_attn.q_proj.weight"));
            tensors.add(named(layer.key(), p + "self_attn.k_proj.weight"));
            tensors.add(named(layer.value(), p + "self_attn.v_proj.weight"));
            if (family == Family.QWEN2) {
                float[][] biases = biases(layer, config);
                tensors.add(new FloatTensor(p + "self_attn.q_proj.bias", new int[] {config.queryDim()}, biases[0]));
                tensors.add(new FloatTensor(p + "self_attn.k_proj.bias", new int[] {config.kvDim()}, biases[1]));
                tensors.add(new FloatTensor(p + "self_attn.v_proj.bias", new int[] {config.kvDim()}, biases[2]));
            } else {
                tensors.add(named(layer.queryNorm(), p + "self_attn.q_norm.weight"));
                tensors.add(named(layer.keyNorm(), p + "self_attn.k_norm.weight"));
            }
            tensors.add(named(layer.output(), p + "self_attn.o_proj.weight"));
            tensors.add(named(layer.ffnNorm(), p + "post_attention_layernorm.weight"));
            tensors.add(named(layer.gate(), p + "mlp.gate_proj.weight"));
            tensors.add(named(layer.up(), p + "mlp.up_proj.weight"));
            tensors.add(named(layer.down(), p + "mlp.down_proj.weight"));
        }
        tensors.add(named(weights.finalNorm(), "model.norm.weight"));
        if (!config.sharedClassifier()) {
            tensors.add(named(weights.classifier(), "lm_head.weight"));
        }
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return folder;
    }

    /** The config.json keys every decoder's folder states, the end token as BOS and EOS. */
    static ObjectNode configJson(String modelType, LlamaConfig config) {
        return JSON.createObjectNode()
                .put("model_type", modelType)
                .put("head_dim", config.headDim())
                .put("hidden_size", config.dim())
                .put("intermediate_size", config.hiddenDim())
                .put("num_hidden_layers", config.layers())
                .put("num_attention_heads", config.heads())
                .put("num_key_value_heads", config.kvHeads())
                .put("vocab_size", config.vocabSize())
                .put("max_position_embeddings", config.contextLength())
                .put("rms_norm_eps", config.normEps())
                .put("rope_theta", config.ropeTheta())
                .put("bos_token_id", END)
                .put("eos_token_id", END);
    }

    /** The GGUF keys both families' files state: shape, head sizes, rope base, norm epsilon and the vocabulary. */
    static GgufWriter ggufHeader(String arch, LlamaConfig config) {
        return withVocabulary(GgufWriter.hyperParameters(arch, arch + "-synthetic", config, 0)
                .put(arch + ".rope.freq_base", config.ropeTheta())
                .put(arch + ".attention.layer_norm_rms_epsilon", config.normEps())
                .put(arch + ".attention.key_length", config.headDim())
                .put(arch + ".attention.value_length", config.headDim()));
    }

    /** The vocabulary as a Hugging Face folder holds it: {@code tokenizer.json}, and no BOS in tokenizer_config.json. */
    static void writeTokenizer(Path folder) throws IOException {
        JSON.writeValue(
                folder.resolve("tokenizer_config.json").toFile(),
                JSON.createObjectNode().putNull("bos_token").put("eos_token", "<|endoftext|>"));
        ObjectNode tokenizer = JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = tokenizer.putArray("added_tokens");
        added.addObject()
                .put("id", END)
                .put("content", "<|endoftext|>")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
        tokenizer.putNull("normalizer");
        tokenizer
                .putObject("pre_tokenizer")
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", true);
        tokenizer.putNull("post_processor");
        tokenizer
                .putObject("decoder")
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = tokenizer.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        List<String> tokens = tokens();
        for (int id = 0; id < END; id++) {
            vocab.put(tokens.get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        merges().forEach(merges::add);
        JSON.writeValue(folder.resolve("tokenizer.json").toFile(), tokenizer);
    }

    /** The vocabulary as llama.cpp's converter writes it into a GGUF file. */
    static GgufWriter withVocabulary(GgufWriter gguf) {
        int[] types = new int[VOCAB];
        Arrays.fill(types, 1);
        types[END] = 3;
        return gguf.put("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.pre", "qwen2")
                .put("tokenizer.ggml.tokens", tokens())
                .put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.merges", merges())
                .put("tokenizer.ggml.eos_token_id", END)
                .put("tokenizer.ggml.bos_token_id", END)
                .put("tokenizer.ggml.add_bos_token", false);
    }

    /** The GGUF llama.cpp reads: rope over head halves (its NEOX mode for Qwen), so no rows are permuted. */
    static Path gguf(Path file, Family family, LlamaConfig config, LlamaWeights weights) throws IOException {
        Files.createDirectories(file.getParent());
        String arch = family.modelType();
        GgufWriter gguf = ggufHeader(arch, config);
        withHalvesTensors(gguf, config, weights);
        gguf.write(file);
        return file;
    }

    /**
     * The tensors of a model whose rope rotates head halves, as llama.cpp's converter names them: Llama's, and the
     * query/key/value biases, head norms and norms after attention and feed-forward where the blocks have them.
     */
    static GgufWriter withHalvesTensors(GgufWriter gguf, LlamaConfig config, LlamaWeights weights) {
        gguf.tensor("token_embd.weight", weights.embedding());
        for (int l = 0; l < config.layers(); l++) {
            LayerWeights layer = weights.layers().get(l);
            String p = "blk." + l + ".";
            gguf.tensor(p + "attn_norm.weight", layer.attentionNorm());
            gguf.tensor(p + "attn_q.weight", layer.query());
            gguf.tensor(p + "attn_k.weight", layer.key());
            gguf.tensor(p + "attn_v.weight", layer.value());
            if (layer.qkvBias() != null) {
                float[][] biases = biases(layer, config);
                gguf.tensor(p + "attn_q.bias", biases[0], config.queryDim());
                gguf.tensor(p + "attn_k.bias", biases[1], config.kvDim());
                gguf.tensor(p + "attn_v.bias", biases[2], config.kvDim());
            }
            if (layer.queryNorm() != null) {
                gguf.tensor(p + "attn_q_norm.weight", layer.queryNorm());
                gguf.tensor(p + "attn_k_norm.weight", layer.keyNorm());
            }
            gguf.tensor(p + "attn_output.weight", layer.output());
            if (layer.postAttentionNorm() != null) {
                gguf.tensor(p + "post_attention_norm.weight", layer.postAttentionNorm());
            }
            gguf.tensor(p + "ffn_norm.weight", layer.ffnNorm());
            gguf.tensor(p + "ffn_gate.weight", layer.gate());
            gguf.tensor(p + "ffn_up.weight", layer.up());
            gguf.tensor(p + "ffn_down.weight", layer.down());
            if (layer.postFeedForwardNorm() != null) {
                gguf.tensor(p + "post_ffw_norm.weight", layer.postFeedForwardNorm());
            }
        }
        gguf.tensor("output_norm.weight", weights.finalNorm());
        if (!config.sharedClassifier()) {
            gguf.tensor("output.weight", weights.classifier());
        }
        return gguf;
    }

    private static float[][] biases(LayerWeights layer, LlamaConfig config) {
        float[] all = layer.qkvBias().data();
        int d = config.queryDim();
        int kv = config.kvDim();
        return new float[][] {
            Arrays.copyOfRange(all, 0, d),
            Arrays.copyOfRange(all, d, d + kv),
            Arrays.copyOfRange(all, d + kv, d + 2 * kv)
        };
    }

    private static FloatTensor named(FloatTensor tensor, String name) {
        return tensor.withShape(name, tensor.shape());
    }
}

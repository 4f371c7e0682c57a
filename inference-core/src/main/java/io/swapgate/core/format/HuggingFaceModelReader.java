package io.swapgate.core.format;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.model.ChatTemplate;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.tokenizer.HuggingFaceTokenizerAdapter;
import io.swapgate.core.tokenizer.TokenBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Hugging Face model folders: {@code config.json}, one or more {@code *.safetensors} files and
 * {@code tokenizer.json} (TinyLlama, SmolLM, Llama 3.x and other LlamaForCausalLM checkpoints, Mistral, Phi-3, Qwen2,
 * Qwen3, Gemma 2 and Gemma 3's text models).
 */
public final class HuggingFaceModelReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code model_type} values read. */
    private static final List<String> SUPPORTED =
            List.of("llama", "mistral", "phi3", "qwen2", "qwen3", "gemma2", "gemma3_text");

    private static final List<String> GEMMA = List.of("gemma2", "gemma3_text");

    private HuggingFaceModelReader() {}

    public static LoadedModel read(Path folder) {
        JsonNode json = readJson(folder.resolve("config.json"));
        LlamaConfig config = config(folder.resolve("config.json"), json);
        Map<String, SafetensorsFile> tensorFiles = indexTensors(folder);
        String type = json.path("model_type").asText();
        LlamaWeights weights = weights(folder, config, tensorFiles, type);
        HuggingFaceTokenizerAdapter tokenizer = tokenizer(folder, json, config.vocabSize());
        return new LoadedModel(
                folder.getFileName().toString(),
                folder,
                "huggingface",
                config,
                weights,
                tokenizer,
                chatTemplate(folder));
    }

    /**
     * The config of a {@code llama}, {@code mistral}, {@code phi3}, {@code qwen2} or {@code qwen3} folder. A sliding attention window
     * shorter than the context (Mistral 7B v0.1's, Phi-3's) becomes the context served: within it, full attention is
     * the window's. Qwen files name a window but switch it off ({@code use_sliding_window: false}).
     */
    static LlamaConfig config(Path file, JsonNode json) {
        String type = json.path("model_type").asText("");
        if (!SUPPORTED.contains(type)) {
            throw new ModelFormatException(
                    file,
                    "model_type '" + type + "' is not supported (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        if (json.path("partial_rotary_factor").asDouble(1) != 1) {
            throw new ModelFormatException(
                    file,
                    "partial rotary embeddings (partial_rotary_factor " + json.get("partial_rotary_factor")
                            + ") are not supported");
        }
        if (json.path("attention_bias").asBoolean(false)
                || json.path("mlp_bias").asBoolean(false)) {
            throw new ModelFormatException(file, "projection biases are not supported");
        }
        int dim = required(file, json, "hidden_size");
        int heads = required(file, json, "num_attention_heads");
        if (heads <= 0) {
            throw new ModelFormatException(file, "num_attention_heads must be positive");
        }
        int headDim = json.path("head_dim").isNull()
                ? dim / heads
                : json.path("head_dim").asInt(dim / heads);
        int context = required(file, json, "max_position_embeddings");
        boolean gemma = GEMMA.contains(type);
        int window = json.path("use_sliding_window").asBoolean(true)
                ? json.path("sliding_window").asInt(0)
                : 0;
        try {
            return new LlamaConfig(
                    dim,
                    required(file, json, "intermediate_size"),
                    required(file, json, "num_hidden_layers"),
                    heads,
                    json.path("num_key_value_heads").asInt(heads),
                    headDim,
                    required(file, json, "vocab_size"),
                    window > 0 && !gemma ? Math.min(context, window) : context,
                    (float) json.path("rms_norm_eps").asDouble(1e-6),
                    (float) json.path("rope_theta").asDouble(10000),
                    gemma ? null : ropeScaling(file, json.path("rope_scaling")),
                    json.path("tie_word_embeddings").asBoolean(gemma),
                    gemma ? GemmaConfig.traits(file, json, headDim) : null,
                    null);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    private static LlamaConfig.RopeScaling ropeScaling(Path file, JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        String type = node.path("rope_type").asText(node.path("type").asText(""));
        if (!type.equals("llama3")) {
            throw new ModelFormatException(
                    file, "rope_scaling type '" + type + "' is not supported (supported: llama3)");
        }
        return new LlamaConfig.RopeScaling(
                (float) node.path("factor").asDouble(8),
                (float) node.path("low_freq_factor").asDouble(1),
                (float) node.path("high_freq_factor").asDouble(4),
                node.path("original_max_position_embeddings").asInt(8192));
    }

    private static Map<String, SafetensorsFile> indexTensors(Path folder) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(folder)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new ModelFormatException(folder, "cannot list: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new ModelFormatException(
                    folder,
                    "has config.json but no *.safetensors weights"
                            + " (PyTorch .bin weights are not loaded: they can run code)");
        }
        Map<String, SafetensorsFile> byTensor = new HashMap<>();
        for (Path file : files) {
            SafetensorsFile st = SafetensorsFile.open(file);
            st.tensors().keySet().forEach(name -> byTensor.put(name, st));
        }
        return byTensor;
    }

    /**
     * The weights, from Llama's separate projections or Phi-3's fused {@code qkv_proj} (query, key, value rows) and
     * {@code gate_up_proj} (gate rows, then up rows), with Qwen2's q/k/v biases or Qwen3's per-head q/k norms.
     */
    private static LlamaWeights weights(
            Path folder, LlamaConfig config, Map<String, SafetensorsFile> files, String type) {
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".";
            if (type.equals("phi3")) {
                FloatTensor qkv = tensor(folder, files, p + "self_attn.qkv_proj.weight");
                FloatTensor gateUp = tensor(folder, files, p + "mlp.gate_up_proj.weight");
                int queries = config.queryDim();
                int kv = config.kvDim();
                int hidden = config.hiddenDim();
                try {
                    layers.add(new LayerWeights(
                            tensor(folder, files, p + "input_layernorm.weight"),
                            qkv.rows(p + "q", 0, queries),
                            qkv.rows(p + "k", queries, kv),
                            qkv.rows(p + "v", queries + kv, kv),
                            tensor(folder, files, p + "self_attn.o_proj.weight"),
                            tensor(folder, files, p + "post_attention_layernorm.weight"),
                            gateUp.rows(p + "gate", 0, hidden),
                            gateUp.rows(p + "up", hidden, hidden),
                            tensor(folder, files, p + "mlp.down_proj.weight")));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(folder, e.getMessage());
                }
                continue;
            }
            if (config.gemma() != null) {
                layers.add(gemmaLayer(folder, files, p, type.equals("gemma3_text")));
                continue;
            }
            layers.add(new LayerWeights(
                    tensor(folder, files, p + "input_layernorm.weight"),
                    tensor(folder, files, p + "self_attn.q_proj.weight"),
                    tensor(folder, files, p + "self_attn.k_proj.weight"),
                    tensor(folder, files, p + "self_attn.v_proj.weight"),
                    tensor(folder, files, p + "self_attn.o_proj.weight"),
                    tensor(folder, files, p + "post_attention_layernorm.weight"),
                    tensor(folder, files, p + "mlp.gate_proj.weight"),
                    tensor(folder, files, p + "mlp.up_proj.weight"),
                    tensor(folder, files, p + "mlp.down_proj.weight"),
                    type.equals("qwen2") ? qkvBias(folder, files, p, config) : null,
                    type.equals("qwen3") ? tensor(folder, files, p + "self_attn.q_norm.weight") : null,
                    type.equals("qwen3") ? tensor(folder, files, p + "self_attn.k_norm.weight") : null,
                    null,
                    null));
        }
        FloatTensor embedding = tensor(folder, files, "model.embed_tokens.weight");
        FloatTensor classifier = config.sharedClassifier() || !files.containsKey("lm_head.weight")
                ? embedding
                : tensor(folder, files, "lm_head.weight");
        FloatTensor finalNorm = tensor(folder, files, "model.norm.weight");
        try {
            return new LlamaWeights(
                            embedding, layers, config.gemma() == null ? finalNorm : plusOne(finalNorm), classifier)
                    .validate(config);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(folder, e.getMessage());
        }
    }

    /**
     * A Gemma 2 or 3 layer. Its {@code post_attention_layernorm} normalises the attention's output (Llama's name for the
     * feed-forward's input norm, which Gemma calls {@code pre_feedforward_layernorm}). Gemma's norms multiply by
     * (1 + w); the 1 is added here, once, so the forward pass is Llama's.
     */
    private static LayerWeights gemmaLayer(
            Path folder, Map<String, SafetensorsFile> files, String p, boolean headNorms) {
        return new LayerWeights(
                plusOne(tensor(folder, files, p + "input_layernorm.weight")),
                tensor(folder, files, p + "self_attn.q_proj.weight"),
                tensor(folder, files, p + "self_attn.k_proj.weight"),
                tensor(folder, files, p + "self_attn.v_proj.weight"),
                tensor(folder, files, p + "self_attn.o_proj.weight"),
                plusOne(tensor(folder, files, p + "pre_feedforward_layernorm.weight")),
                tensor(folder, files, p + "mlp.gate_proj.weight"),
                tensor(folder, files, p + "mlp.up_proj.weight"),
                tensor(folder, files, p + "mlp.down_proj.weight"),
                null,
                headNorms ? plusOne(tensor(folder, files, p + "self_attn.q_norm.weight")) : null,
                headNorms ? plusOne(tensor(folder, files, p + "self_attn.k_norm.weight")) : null,
                plusOne(tensor(folder, files, p + "post_attention_layernorm.weight")),
                plusOne(tensor(folder, files, p + "post_feedforward_layernorm.weight")));
    }

    private static FloatTensor plusOne(FloatTensor norm) {
        float[] values = norm.data().clone();
        for (int i = 0; i < values.length; i++) {
            values[i] += 1f;
        }
        return new FloatTensor(norm.name(), norm.shape(), values);
    }

    /** Qwen2's query, key and value biases, end to end, after their shapes are checked. */
    private static FloatTensor qkvBias(Path folder, Map<String, SafetensorsFile> files, String p, LlamaConfig config) {
        float[] joined = new float[config.queryDim() + 2 * config.kvDim()];
        int at = 0;
        for (String name : List.of("q_proj", "k_proj", "v_proj")) {
            FloatTensor bias = tensor(folder, files, p + "self_attn." + name + ".bias");
            int expected = name.equals("q_proj") ? config.queryDim() : config.kvDim();
            if (bias.shape().length != 1 || bias.shape()[0] != expected) {
                throw new ModelFormatException(
                        folder,
                        "tensor " + bias.name() + " has " + bias.data().length + " values, expected " + expected);
            }
            System.arraycopy(bias.data(), 0, joined, at, expected);
            at += expected;
        }
        return new FloatTensor(p + "self_attn.qkv_bias", new int[] {joined.length}, joined);
    }

    private static FloatTensor tensor(Path folder, Map<String, SafetensorsFile> files, String name) {
        SafetensorsFile file = files.get(name);
        if (file == null) {
            throw new ModelFormatException(folder, "no safetensors file holds tensor " + name);
        }
        return file.read(name);
    }

    private static HuggingFaceTokenizerAdapter tokenizer(Path folder, JsonNode config, int vocabSize) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(folder, "missing tokenizer.json");
        }
        JsonNode tokenizerConfig = Files.isRegularFile(folder.resolve("tokenizer_config.json"))
                ? readJson(folder.resolve("tokenizer_config.json"))
                : JSON.createObjectNode();
        JsonNode generation = Files.isRegularFile(folder.resolve("generation_config.json"))
                ? readJson(folder.resolve("generation_config.json"))
                : JSON.createObjectNode();
        int bos = config.path("bos_token_id").asInt(-1);
        // Qwen's files name a BOS id in config.json but set "bos_token": null: they never prepend one.
        boolean addBos = tokenizerConfig
                .path("add_bos_token")
                .asBoolean(bos >= 0 && !tokenizerConfig.path("bos_token").isNull());
        Set<Integer> stops = new HashSet<>();
        collectIds(config.path("eos_token_id"), stops);
        collectIds(generation.path("eos_token_id"), stops);
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .build();
            return new HuggingFaceTokenizerAdapter(
                    hf, addBos ? bos : -1, stops, vocabSize, TokenBytes.of(readJson(file), vocabSize));
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(file, "cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /** The {@code chat_template} of tokenizer_config.json (a string, or the "default" of a named list), or null. */
    static ChatTemplate chatTemplate(Path folder) {
        Path file = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode config = readJson(file);
        JsonNode template = config.get("chat_template");
        String source = null;
        if (template != null && template.isTextual()) {
            source = template.asText();
        } else if (template != null && template.isArray()) {
            for (JsonNode named : template) {
                if (named.path("name").asText().equals("default")) {
                    source = named.path("template").asText(null);
                }
            }
        }
        return source == null
                ? null
                : new ChatTemplate(
                        source, specialToken(config.get("bos_token")), specialToken(config.get("eos_token")));
    }

    /** A special token given as a string or as {@code {"content": ...}}. */
    private static String specialToken(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        return node.isTextual() ? node.asText() : node.path("content").asText("");
    }

    private static void collectIds(JsonNode node, Set<Integer> into) {
        if (node.isInt()) {
            into.add(node.asInt());
        } else if (node.isArray()) {
            node.forEach(n -> into.add(n.asInt()));
        }
    }

    private static int required(Path file, JsonNode json, String key) {
        if (!json.path(key).canConvertToInt()) {
            throw new ModelFormatException(file, "missing or invalid " + key);
        }
        return json.get(key).asInt();
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new ModelFormatException(file, "is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot parse JSON: " + e.getMessage(), e);
        }
    }
}

package io.swapgate.core.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model with a SentencePiece-style vocabulary (llama2.c or GGUF) as a Hugging Face Llama folder:
 * {@code config.json}, {@code model.safetensors} and a BPE {@code tokenizer.json} whose merges are ranked by
 * the merged piece's score, which reproduces score-based merging.
 */
public final class HuggingFaceExporter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPACE_MARK = "\u2581";

    private HuggingFaceExporter() {}

    public static void export(LoadedModel model, Path folder) throws IOException {
        if (!(model.tokenizer() instanceof SentencePieceBpeTokenizer tokenizer)) {
            throw new IllegalArgumentException("only models with a SentencePiece vocabulary can be exported");
        }
        boolean llamaShaped = model.config().gemma() == null
                && model.weights().layers().stream().allMatch(l -> l.qkvBias() == null && l.queryNorm() == null);
        if (!llamaShaped) {
            throw new IllegalArgumentException(
                    "only Llama-shaped models (no biases, head norms or Gemma traits) export");
        }
        Files.createDirectories(folder);
        writeConfig(model.config(), tokenizer, folder.resolve("config.json"));
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors(model), Map.of("format", "pt"));
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(folder.resolve("tokenizer.json").toFile(), tokenizerJson(tokenizer));
        ObjectNode tokenizerConfig =
                JSON.createObjectNode().put("add_bos_token", true).put("add_eos_token", false);
        JSON.writeValue(folder.resolve("tokenizer_config.json").toFile(), tokenizerConfig);
    }

    private static void writeConfig(LlamaConfig c, SentencePieceBpeTokenizer tokenizer, Path file) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama")
                .put("hidden_size", c.dim())
                .put("intermediate_size", c.hiddenDim())
                .put("num_hidden_layers", c.layers())
                .put("num_attention_heads", c.heads())
                .put("num_key_value_heads", c.kvHeads())
                .put("head_dim", c.headDim())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.contextLength())
                .put("rms_norm_eps", c.normEps())
                .put("rope_theta", c.ropeTheta())
                .put("tie_word_embeddings", c.sharedClassifier())
                .put("bos_token_id", tokenizer.bosId())
                .put("eos_token_id", tokenizer.eosId())
                .put("hidden_act", "silu")
                .put("torch_dtype", "float32");
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), config);
    }

    private static List<FloatTensor> tensors(LoadedModel model) {
        var w = model.weights();
        List<FloatTensor> out = new ArrayList<>();
        out.add(rename(w.embedding(), "model.embed_tokens.weight"));
        for (int l = 0; l < w.layers().size(); l++) {
            LayerWeights layer = w.layers().get(l);
            if (layer.qkvBias() != null || layer.queryNorm() != null) {
                throw new IllegalArgumentException(
                        "exporting a model with projection biases or head norms is not supported");
            }
            String p = "model.layers." + l + ".";
            out.add(rename(layer.attentionNorm(), p + "input_layernorm.weight"));
            out.add(rename(layer.query(), p + "self_attn.q_proj.weight"));
            out.add(rename(layer.key(), p + "self_attn.k_proj.weight"));
            out.add(rename(layer.value(), p + "self_attn.v_proj.weight"));
            out.add(rename(layer.output(), p + "self_attn.o_proj.weight"));
            out.add(rename(layer.ffnNorm(), p + "post_attention_layernorm.weight"));
            out.add(rename(layer.gate(), p + "mlp.gate_proj.weight"));
            out.add(rename(layer.up(), p + "mlp.up_proj.weight"));
            out.add(rename(layer.down(), p + "mlp.down_proj.weight"));
        }
        out.add(rename(w.finalNorm(), "model.norm.weight"));
        if (!model.config().sharedClassifier()) {
            out.add(rename(w.classifier(), "lm_head.weight"));
        }
        return out;
    }

    private static FloatTensor rename(FloatTensor tensor, String name) {
        return tensor.withShape(name, tensor.shape());
    }

    static ObjectNode tokenizerJson(SentencePieceBpeTokenizer tokenizer) {
        Map<String, Integer> vocab = new HashMap<>();
        List<String> pieces = new ArrayList<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            String piece = new String(tokenizer.piece(id), StandardCharsets.UTF_8).replace(" ", SPACE_MARK);
            pieces.add(piece);
            vocab.putIfAbsent(piece, id);
        }
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int id : new int[] {0, tokenizer.bosId(), tokenizer.eosId()}) {
            added.addObject()
                    .put("id", id)
                    .put("content", pieces.get(id))
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", SPACE_MARK);
        normalizers
                .addObject()
                .put("type", "Replace")
                .put("content", SPACE_MARK)
                .putObject("pattern")
                .put("String", " ");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        decoders.addObject()
                .put("type", "Replace")
                .put("content", " ")
                .putObject("pattern")
                .put("String", SPACE_MARK);
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject()
                .put("type", "Strip")
                .put("content", " ")
                .put("start", 1)
                .put("stop", 0);
        ObjectNode model = root.putObject("model")
                .put("type", "BPE")
                .put("unk_token", pieces.get(0))
                .put("fuse_unk", true)
                .put("byte_fallback", true);
        ObjectNode vocabNode = model.putObject("vocab");
        for (int id = 0; id < pieces.size(); id++) {
            if (vocab.get(pieces.get(id)) == id) {
                vocabNode.put(pieces.get(id), id);
            }
        }
        ArrayNode merges = model.putArray("merges");
        merges(pieces, vocab, tokenizer).forEach(merges::add);
        return root;
    }

    /** Every split of a piece into two vocabulary pieces, most valuable merged piece first. */
    private static List<String> merges(
            List<String> pieces, Map<String, Integer> vocab, SentencePieceBpeTokenizer tokenizer) {
        record Merge(String left, String right, int merged) {}
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            String piece = pieces.get(id);
            if (vocab.get(piece) != id) {
                continue;
            }
            for (int cut = 1; cut < piece.length(); cut++) {
                String left = piece.substring(0, cut);
                String right = piece.substring(cut);
                if (vocab.containsKey(left) && vocab.containsKey(right)) {
                    merges.add(new Merge(left, right, id));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -tokenizer.score(m.merged()))
                .thenComparingInt(m -> vocab.get(m.left()))
                .thenComparingInt(m -> vocab.get(m.right())));
        return merges.stream().map(m -> m.left() + " " + m.right()).toList();
    }
}

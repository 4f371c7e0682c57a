package io.swapgate.core.format;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.tokenizer.HuggingFaceTokenizerAdapter;
import io.swapgate.core.tokenizer.TokenBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF file's byte-level BPE vocabulary ({@code tokenizer.ggml.model} "gpt2": Qwen, Llama 3 and others) served by
 * the same Hugging Face tokenizers library as model folders: the tokens, merges and the pre-tokenizer the file names
 * ({@code tokenizer.ggml.pre}) are written into the {@code tokenizer.json} the model's publisher shipped, and loaded
 * from memory. Only pre-tokenizers whose split rule is known are accepted.
 */
final class GgufBpeTokenizer {

    /** The split rules of the pre-tokenizers llama.cpp names, as their tokenizer.json files write them. */
    private static final Map<String, String> SPLITS = Map.of(
            "qwen2",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+"
                    + "|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufBpeTokenizer() {}

    static HuggingFaceTokenizerAdapter of(GgufFile gguf, List<?> tokens, List<?> types, List<?> merges, String pre) {
        String split = SPLITS.get(pre);
        if (split == null) {
            throw new ModelFormatException(
                    gguf.path(),
                    "BPE pre-tokenizer '" + pre + "' is not supported (supported: " + String.join(", ", SPLITS.keySet())
                            + ")");
        }
        ObjectNode json = JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = json.putArray("added_tokens");
        ObjectNode vocab = JSON.createObjectNode();
        for (int id = 0; id < tokens.size(); id++) {
            String token = String.valueOf(tokens.get(id));
            int type = id < types.size() && types.get(id) instanceof Number n ? n.intValue() : 1;
            if (type == CONTROL || type == USER_DEFINED) {
                added.addObject()
                        .put("id", id)
                        .put("content", token)
                        .put("single_word", false)
                        .put("lstrip", false)
                        .put("rstrip", false)
                        .put("normalized", false)
                        .put("special", type == CONTROL);
            } else {
                vocab.put(token, id);
            }
        }
        json.putNull("normalizer");
        ObjectNode preTokenizer = json.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = preTokenizer.putArray("pretokenizers");
        ObjectNode splitStep = steps.addObject().put("type", "Split");
        splitStep.putObject("pattern").put("Regex", split);
        splitStep.put("behavior", "Isolated").put("invert", false);
        steps.addObject()
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", false)
                .put("use_regex", false);
        json.putNull("post_processor");
        json.putObject("decoder")
                .put("type", "ByteLevel")
                .put("add_prefix_space", true)
                .put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = json.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        model.set("vocab", vocab);
        ArrayNode mergeList = model.putArray("merges");
        merges.forEach(m -> mergeList.add(String.valueOf(m)));
        int bos = integer(gguf, "tokenizer.ggml.bos_token_id", -1);
        boolean addBos = gguf.metadata().get("tokenizer.ggml.add_bos_token") instanceof Boolean b && b;
        Set<Integer> stops = new java.util.HashSet<>();
        for (String key : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id")) {
            int id = integer(gguf, key, -1);
            if (id >= 0) {
                stops.add(id);
            }
        }
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8)),
                    Map.of("addSpecialTokens", "false"));
            return new HuggingFaceTokenizerAdapter(
                    hf, addBos ? bos : -1, stops, tokens.size(), TokenBytes.of(json, tokens.size()));
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(gguf.path(), "cannot build its BPE tokenizer: " + e.getMessage(), e);
        }
    }

    private static int integer(GgufFile gguf, String key, int fallback) {
        return gguf.metadata().get(key) instanceof Number n ? n.intValue() : fallback;
    }
}

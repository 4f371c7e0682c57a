package io.swapgate.core.format;

import io.swapgate.core.model.ChatTemplate;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import io.swapgate.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Llama-shaped models in one GGUF file (architectures {@code llama} and {@code phi3}), tokenizer included ("llama"
 * SentencePiece vocabulary), with float or quantized tensors ({@link GgmlType}), all decoded to float32.
 */
public final class GgufModelReader {

    /** {@code general.architecture} values read: Llama (Mistral's files use it too), Phi-3, Qwen2, Qwen3, Gemma 2 and 3. */
    private static final List<String> SUPPORTED = List.of("llama", "phi3", "qwen2", "qwen3", "gemma2", "gemma3");

    /** Gemma's 27B models, which llama.cpp recognises by depth, scale attention by dim / heads, not the head size. */
    private static final java.util.Map<String, Integer> GEMMA_27B_LAYERS = java.util.Map.of("gemma2", 46, "gemma3", 62);

    private GgufModelReader() {}

    public static LoadedModel read(Path file) {
        GgufFile gguf = GgufFile.open(file);
        String architecture = text(gguf, "general.architecture");
        if (!SUPPORTED.contains(architecture)) {
            throw new ModelFormatException(
                    file,
                    "architecture '" + architecture + "' is not supported (supported: " + String.join(", ", SUPPORTED)
                            + ")");
        }
        Tokenizer tokenizer = tokenizer(gguf);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            TensorSource source = new TensorSource(gguf, channel);
            LlamaConfig config = config(gguf, architecture, tokenizer.vocabSize(), ropeFrequencyFactors(source));
            List<LayerWeights> layers = new ArrayList<>();
            int dim = config.dim();
            int queries = config.queryDim();
            int kv = config.kvDim();
            int hidden = config.hiddenDim();
            for (int l = 0; l < config.layers(); l++) {
                String p = "blk." + l + ".";
                if (architecture.equals("phi3")) {
                    layers.add(phi3Layer(source, p, config));
                    continue;
                }
                if (!architecture.equals("llama")) {
                    boolean headNorms = architecture.equals("qwen3") || architecture.equals("gemma3");
                    layers.add(halvesLayer(source, p, config, architecture.equals("qwen2"), headNorms));
                    continue;
                }
                layers.add(new LayerWeights(
                        source.read(p + "attn_norm.weight", dim),
                        Llama2cModelReader.toHalves(
                                source.read(p + "attn_q.weight", queries, dim), config.heads(), config),
                        Llama2cModelReader.toHalves(
                                source.read(p + "attn_k.weight", kv, dim), config.kvHeads(), config),
                        source.read(p + "attn_v.weight", kv, dim),
                        source.read(p + "attn_output.weight", dim, queries),
                        source.read(p + "ffn_norm.weight", dim),
                        source.read(p + "ffn_gate.weight", hidden, dim),
                        source.read(p + "ffn_up.weight", hidden, dim),
                        source.read(p + "ffn_down.weight", dim, hidden)));
            }
            FloatTensor embedding = source.read("token_embd.weight", config.vocabSize(), dim);
            FloatTensor classifier = gguf.tensors().containsKey("output.weight")
                    ? source.read("output.weight", config.vocabSize(), dim)
                    : embedding;
            LlamaWeights weights =
                    new LlamaWeights(embedding, layers, source.read("output_norm.weight", dim), classifier);
            try {
                weights.validate(config);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, e.getMessage());
            }
            String name = file.getFileName().toString().replaceFirst("\\.gguf$", "");
            return new LoadedModel(name, file, format(gguf), config, weights, tokenizer, chatTemplate(gguf));
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Llama 3.1's rope scaling as llama.cpp's converter stores it: a {@code rope_freqs} tensor of per-frequency divisors
     * (its {@code llama.rope.scaling.*} keys are not written), or null when the file has none. The config checks that
     * there is one per frequency.
     */
    private static List<Float> ropeFrequencyFactors(TensorSource source) throws IOException {
        GgufFile.TensorInfo info = source.gguf().tensors().get("rope_freqs.weight");
        if (info == null) {
            return null;
        }
        if (info.dims().length != 1 || info.dims()[0] > 1 << 16) {
            throw new ModelFormatException(
                    source.gguf().path(), "rope_freqs.weight has dimensions " + Arrays.toString(info.dims()));
        }
        List<Float> factors = new ArrayList<>();
        for (float factor :
                source.read("rope_freqs.weight", (int) info.dims()[0]).data()) {
            factors.add(factor);
        }
        return factors;
    }

    /**
     * "gguf", and for a quantized file the block types it holds: they are decoded to float32 at load, so the model
     * takes 4 bytes a parameter in memory whatever the file's size, and the startup log should say so.
     */
    private static String format(GgufFile gguf) {
        String quantized = gguf.tensors().values().stream()
                .map(GgufFile.TensorInfo::type)
                .filter(type -> type.blockValues() > 1)
                .distinct()
                .sorted()
                .map(Enum::name)
                .collect(Collectors.joining(", "));
        return quantized.isEmpty() ? "gguf" : "gguf, " + quantized + " decoded to float32";
    }

    /**
     * A layer whose rope rotates head halves (llama.cpp's NEOX mode), Swapgate's own order, so no rows are permuted:
     * Llama's projections, and as the architecture has them query, key and value biases (Qwen2), per-head query and key
     * norms (Qwen3, Gemma 3) and norms after attention and after the feed-forward (Gemma; llama.cpp's converter has
     * already folded Gemma's (1 + w) into w, so its norms are read as they are).
     */
    private static LayerWeights halvesLayer(
            TensorSource source, String p, LlamaConfig config, boolean biases, boolean headNorms) throws IOException {
        int dim = config.dim();
        int queries = config.queryDim();
        int kv = config.kvDim();
        int hidden = config.hiddenDim();
        FloatTensor bias = null;
        if (biases) {
            float[] joined = new float[queries + 2 * kv];
            System.arraycopy(source.read(p + "attn_q.bias", queries).data(), 0, joined, 0, queries);
            System.arraycopy(source.read(p + "attn_k.bias", kv).data(), 0, joined, queries, kv);
            System.arraycopy(source.read(p + "attn_v.bias", kv).data(), 0, joined, queries + kv, kv);
            bias = new FloatTensor(p + "attn_qkv.bias", new int[] {joined.length}, joined);
        }
        boolean postNorms = config.gemma() != null;
        return new LayerWeights(
                source.read(p + "attn_norm.weight", dim),
                source.read(p + "attn_q.weight", queries, dim),
                source.read(p + "attn_k.weight", kv, dim),
                source.read(p + "attn_v.weight", kv, dim),
                source.read(p + "attn_output.weight", dim, queries),
                source.read(p + "ffn_norm.weight", dim),
                source.read(p + "ffn_gate.weight", hidden, dim),
                source.read(p + "ffn_up.weight", hidden, dim),
                source.read(p + "ffn_down.weight", dim, hidden),
                bias,
                headNorms ? source.read(p + "attn_q_norm.weight", config.headDim()) : null,
                headNorms ? source.read(p + "attn_k_norm.weight", config.headDim()) : null,
                postNorms ? source.read(p + "post_attention_norm.weight", dim) : null,
                postNorms ? source.read(p + "post_ffw_norm.weight", dim) : null);
    }

    /**
     * Phi-3's layer: one fused query/key/value matrix and one fused gate/up matrix (gate rows first), split here. Its
     * rope rotates the two halves of each head (llama.cpp's NEOX mode), Swapgate's own order, so no rows are permuted.
     */
    private static LayerWeights phi3Layer(TensorSource source, String p, LlamaConfig config) throws IOException {
        int dim = config.dim();
        int queries = config.queryDim();
        int kv = config.kvDim();
        int hidden = config.hiddenDim();
        FloatTensor qkv = source.read(p + "attn_qkv.weight", queries + 2 * kv, dim);
        FloatTensor gateUp = source.read(p + "ffn_up.weight", 2 * hidden, dim);
        return new LayerWeights(
                source.read(p + "attn_norm.weight", dim),
                qkv.rows(p + "attn_q", 0, queries),
                qkv.rows(p + "attn_k", queries, kv),
                qkv.rows(p + "attn_v", queries + kv, kv),
                source.read(p + "attn_output.weight", dim, queries),
                source.read(p + "ffn_norm.weight", dim),
                gateUp.rows(p + "ffn_gate", 0, hidden),
                gateUp.rows(p + "ffn_up", hidden, hidden),
                source.read(p + "ffn_down.weight", dim, hidden));
    }

    /**
     * The config under the architecture's own keys ({@code llama.*}, {@code phi3.*}). A sliding attention window
     * shorter than the context ({@code *.attention.sliding_window}, Phi-3's and Mistral's) becomes the context served:
     * within it, full attention is the window's attention, so answers stay exact rather than silently diverge. Gemma's
     * window applies to some layers only and is served as such.
     */
    private static LlamaConfig config(GgufFile gguf, String arch, int vocabSize, List<Float> ropeFrequencyFactors) {
        int heads = integer(gguf, arch + ".attention.head_count", null);
        int dim = integer(gguf, arch + ".embedding_length", null);
        if (heads <= 0 || dim <= 0) {
            throw new ModelFormatException(
                    gguf.path(),
                    arch + ".attention.head_count (" + heads + ") and " + arch + ".embedding_length (" + dim
                            + ") must be positive");
        }
        int headDim = integer(gguf, arch + ".attention.key_length", dim / heads);
        int valueLength = integer(gguf, arch + ".attention.value_length", headDim);
        if (valueLength != headDim) {
            throw new ModelFormatException(
                    gguf.path(),
                    "value heads of " + valueLength + " beside key heads of " + headDim + " are not supported");
        }
        int ropeDims = integer(gguf, arch + ".rope.dimension_count", headDim);
        if (ropeDims != headDim) {
            throw new ModelFormatException(
                    gguf.path(),
                    "partial rotary embeddings (" + ropeDims + " of " + headDim + " dimensions) are not supported");
        }
        if (gguf.tensors().containsKey("rope_factors_long.weight")) {
            throw new ModelFormatException(
                    gguf.path(), "LongRoPE scaling (rope_factors_long, Phi-3's 128k models) is not supported");
        }
        int context = integer(gguf, arch + ".context_length", null);
        int window = integer(gguf, arch + ".attention.sliding_window", 0);
        int layers = integer(gguf, arch + ".block_count", null);
        boolean gemma = arch.startsWith("gemma");
        try {
            return new LlamaConfig(
                    dim,
                    integer(gguf, arch + ".feed_forward_length", null),
                    layers,
                    heads,
                    integer(gguf, arch + ".attention.head_count_kv", heads),
                    headDim,
                    vocabSize,
                    window > 0 && !gemma ? Math.min(context, window) : context,
                    real(gguf, arch + ".attention.layer_norm_rms_epsilon", 1e-5f),
                    real(gguf, arch + ".rope.freq_base", 10000f),
                    null,
                    !gguf.tensors().containsKey("output.weight"),
                    gemma ? gemmaTraits(gguf, arch, dim / heads, headDim, layers, window) : null,
                    ropeFrequencyFactors);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(gguf.path(), e.getMessage());
        }
    }

    /**
     * Gemma's traits with llama.cpp's defaults for keys a file leaves out: Gemma 2 caps attention scores at 50 and
     * logits at 30 and slides over 4096 positions in every second layer; Gemma 3 caps nothing, slides (only where the
     * file names a window) in five layers of six on a rope base of 10000, and scales its global layers' rope linearly
     * by {@code rope.scaling.factor}. Attention is scaled by the head size except in the 27B models.
     */
    private static LlamaConfig.Gemma gemmaTraits(
            GgufFile gguf, String arch, int evenSplit, int headDim, int layers, int window) {
        boolean gemma2 = arch.equals("gemma2");
        String scaling = text(gguf, arch + ".rope.scaling.type");
        if (!scaling.isEmpty() && !scaling.equals("none") && !scaling.equals("linear")) {
            throw new ModelFormatException(gguf.path(), "rope scaling '" + scaling + "' is not supported for " + arch);
        }
        float factor = real(gguf, arch + ".rope.scaling.factor", real(gguf, arch + ".rope.scale_linear", 0f));
        if (gemma2 && factor > 0 && factor != 1) {
            throw new ModelFormatException(gguf.path(), "rope scaling of a gemma2 model is not supported");
        }
        float globalBase = real(gguf, arch + ".rope.freq_base", 10000f);
        return new LlamaConfig.Gemma(
                GEMMA_27B_LAYERS.get(arch) == layers ? evenSplit : headDim,
                gemma2 ? real(gguf, arch + ".attn_logit_softcapping", 50f) : 0f,
                real(gguf, arch + ".final_logit_softcapping", gemma2 ? 30f : 0f),
                gemma2 && window == 0 ? 4096 : window,
                integer(gguf, arch + ".attention.sliding_window_pattern", gemma2 ? 2 : 6),
                real(gguf, arch + ".rope.freq_base_swa", gemma2 ? globalBase : 10000f),
                factor > 0 ? factor : 1f);
    }

    /** The file's vocabulary: SentencePiece ("llama") or byte-level BPE ("gpt2"). */
    private static Tokenizer tokenizer(GgufFile gguf) {
        String model = text(gguf, "tokenizer.ggml.model");
        if ("gpt2".equals(model)) {
            return GgufBpeTokenizer.of(
                    gguf,
                    list(gguf, "tokenizer.ggml.tokens"),
                    gguf.metadata().get("tokenizer.ggml.token_type") instanceof List<?> types ? types : List.of(),
                    list(gguf, "tokenizer.ggml.merges"),
                    text(gguf, "tokenizer.ggml.pre"));
        }
        if (!"llama".equals(model)) {
            throw new ModelFormatException(
                    gguf.path(), "tokenizer model '" + model + "' is not supported (supported: llama, gpt2)");
        }
        List<?> tokens = list(gguf, "tokenizer.ggml.tokens");
        List<?> scores = list(gguf, "tokenizer.ggml.scores");
        if (scores.size() != tokens.size()) {
            throw new ModelFormatException(gguf.path(), tokens.size() + " tokens but " + scores.size() + " scores");
        }
        byte[][] pieces = new byte[tokens.size()][];
        float[] scoreValues = new float[tokens.size()];
        for (int i = 0; i < pieces.length; i++) {
            // GGUF writes SentencePiece's visible space; llama2.c-style pieces use a real space.
            pieces[i] = String.valueOf(tokens.get(i)).replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            scoreValues[i] = scores.get(i) instanceof Number n ? n.floatValue() : 0f;
        }
        // Gemma's vocabularies prepend no space to the text (its converter writes add_space_prefix false).
        boolean spacePrefix = !(gguf.metadata().get("tokenizer.ggml.add_space_prefix") instanceof Boolean b) || b;
        return new SentencePieceBpeTokenizer(
                pieces,
                scoreValues,
                integer(gguf, "tokenizer.ggml.bos_token_id", 1),
                integer(gguf, "tokenizer.ggml.eos_token_id", 2),
                spacePrefix,
                specialIds(gguf, tokens.size()));
    }

    /** Tokens whose type (unknown 2, control 3, user-defined 4) makes llama.cpp match them literally in text. */
    private static int[] specialIds(GgufFile gguf, int count) {
        if (!(gguf.metadata().get("tokenizer.ggml.token_type") instanceof List<?> types)) {
            return new int[0];
        }
        return java.util.stream.IntStream.range(0, Math.min(count, types.size()))
                .filter(id -> types.get(id) instanceof Number n && n.intValue() >= 2 && n.intValue() <= 4)
                .toArray();
    }

    /** {@code tokenizer.chat_template}, with the BOS and EOS pieces it may refer to, or null when absent. */
    private static ChatTemplate chatTemplate(GgufFile gguf) {
        String source = text(gguf, "tokenizer.chat_template");
        if (source.isEmpty()) {
            return null;
        }
        List<?> tokens = list(gguf, "tokenizer.ggml.tokens");
        return new ChatTemplate(
                source,
                piece(tokens, integer(gguf, "tokenizer.ggml.bos_token_id", 1)),
                piece(tokens, integer(gguf, "tokenizer.ggml.eos_token_id", 2)));
    }

    private static String piece(List<?> tokens, int id) {
        return id >= 0 && id < tokens.size() ? String.valueOf(tokens.get(id)) : "";
    }

    private static String text(GgufFile gguf, String key) {
        return gguf.metadata().get(key) instanceof String s ? s : "";
    }

    private static List<?> list(GgufFile gguf, String key) {
        if (gguf.metadata().get(key) instanceof List<?> values) {
            return values;
        }
        throw new ModelFormatException(gguf.path(), "missing metadata " + key);
    }

    private static int integer(GgufFile gguf, String key, Integer fallback) {
        Object value = gguf.metadata().get(key);
        if (value instanceof Number n) {
            if (n.longValue() < Integer.MIN_VALUE || n.longValue() > Integer.MAX_VALUE) {
                throw new ModelFormatException(gguf.path(), "metadata " + key + " = " + n + " is out of range");
            }
            return n.intValue();
        }
        if (fallback == null) {
            throw new ModelFormatException(gguf.path(), "missing metadata " + key);
        }
        return fallback;
    }

    private static float real(GgufFile gguf, String key, float fallback) {
        return gguf.metadata().get(key) instanceof Number n ? n.floatValue() : fallback;
    }

    /** Reads GGUF tensors as row-major float32 [rows, cols]. */
    private record TensorSource(GgufFile gguf, FileChannel channel) {

        /** Reads {@code name}, which must have the {@code shape} the config implies (checked before any data is read). */
        FloatTensor read(String name, int... shape) throws IOException {
            GgufFile.TensorInfo info = gguf.tensors().get(name);
            if (info == null) {
                throw new ModelFormatException(gguf.path(), "missing tensor " + name);
            }
            long[] expected = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                expected[i] = shape[shape.length - 1 - i]; // GGUF lists dimensions fastest-varying first
            }
            if (!Arrays.equals(expected, info.dims())) {
                throw new ModelFormatException(
                        gguf.path(),
                        "tensor " + name + " has GGUF dimensions " + Arrays.toString(info.dims())
                                + "; the model's metadata implies " + Arrays.toString(expected));
            }
            ByteBuffer bytes = FileRegion.read(channel, gguf.path(), gguf.dataOffset(info), info.byteSize());
            return new FloatTensor(name, shape, info.type().decode(bytes, Math.toIntExact(info.elementCount())));
        }
    }
}

package io.swapgate.e2e;

import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.format.GgmlType;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.RotaryLayout;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files (little-endian) for tests: metadata of the value types below and float32 or quantized
 * tensors ({@link GgmlQuantizer}), each tensor's data aligned to {@value #ALIGNMENT} bytes. {@link #llama} lays out a Llama the way llama.cpp's converter
 * does, so that llama.cpp and Swapgate's own GGUF reader load the same file.
 *
 * <p>Metadata values: {@link String} (STRING), {@link Integer} (UINT32), {@link Float} (FLOAT32), {@link Boolean}
 * (BOOL), a {@link List} of strings (ARRAY of STRING), {@code float[]} (ARRAY of FLOAT32) and {@code int[]} (ARRAY of
 * INT32, what llama.cpp reads token types as).
 */
public final class GgufWriter {

    /** The GGUF default, which {@link #llama} also states as {@code general.alignment}. */
    public static final int ALIGNMENT = 32;

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int VERSION = 3;
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_BOOL = 7;
    private static final int TYPE_STRING = 8;
    private static final int TYPE_ARRAY = 9;

    /** llama.cpp's token types (llama_token_type): what each vocabulary entry is. */
    private static final int TOKEN_NORMAL = 1;

    private static final int TOKEN_UNKNOWN = 2;
    private static final int TOKEN_CONTROL = 3;
    private static final int TOKEN_BYTE = 6;

    private record Tensor(long[] dims, float[] data, GgmlType type) {}

    /**
     * How a Llama's matrices are stored (vectors such as norms are always F32, as llama.cpp stores them). The mixes
     * follow llama.cpp's own for the file types people download: {@code Q4_K_M} and {@code Q5_K_M} keep the value
     * projection, the down projection and the classifier at Q6_K.
     */
    public enum Quantization {
        F32(0, GgmlType.F32, GgmlType.F32),
        F16(1, GgmlType.F16, GgmlType.F16),
        BF16(32, GgmlType.BF16, GgmlType.BF16),
        Q4_K_M(15, GgmlType.Q4_K, GgmlType.Q6_K),
        Q5_K_M(17, GgmlType.Q5_K, GgmlType.Q6_K),
        /** Every legacy block type in one file: Q4_0 mostly, Q4_1, Q5_0, Q5_1 and Q8_0 on the sensitive matrices. */
        LEGACY(2, GgmlType.Q4_0, GgmlType.Q8_0);

        private final int fileType;
        private final GgmlType bulk;
        private final GgmlType sensitive;

        Quantization(int fileType, GgmlType bulk, GgmlType sensitive) {
            this.fileType = fileType;
            this.bulk = bulk;
            this.sensitive = sensitive;
        }

        GgmlType typeOf(String tensor) {
            if (this == LEGACY) {
                if (tensor.endsWith("attn_k.weight")) {
                    return GgmlType.Q4_1;
                }
                if (tensor.endsWith("ffn_up.weight")) {
                    return GgmlType.Q5_0;
                }
                if (tensor.endsWith("ffn_gate.weight")) {
                    return GgmlType.Q5_1;
                }
            }
            boolean sensitiveTensor = tensor.equals("output.weight")
                    || tensor.endsWith("attn_v.weight")
                    || tensor.endsWith("ffn_down.weight");
            return sensitiveTensor ? sensitive : bulk;
        }
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** Adds a metadata key (in the order of the calls); see the class comment for the value types. */
    public GgufWriter put(String key, Object value) {
        boolean known = value instanceof String
                || value instanceof Integer
                || value instanceof Float
                || value instanceof Boolean
                || value instanceof float[]
                || value instanceof int[]
                || (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance));
        if (!known) {
            throw new IllegalArgumentException("no GGUF type for " + key + " = " + value);
        }
        metadata.put(key, value);
        return this;
    }

    /** Adds a float32 tensor; {@code dims} in GGUF order (fastest-varying first), so [cols, rows] for a matrix. */
    public GgufWriter tensor(String name, float[] data, long... dims) {
        return tensor(name, GgmlType.F32, data, dims);
    }

    /** Adds a tensor stored as {@code type} (rows must be whole blocks of it); dims as for the float32 form. */
    public GgufWriter tensor(String name, GgmlType type, float[] data, long... dims) {
        long elements = 1;
        for (long dim : dims) {
            elements *= dim;
        }
        if (elements != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for " + elements + " elements");
        }
        if (dims[0] % type.blockValues() != 0) {
            throw new IllegalArgumentException(name + ": rows of " + dims[0] + " are not whole " + type + " blocks");
        }
        tensors.put(name, new Tensor(dims.clone(), data, type));
        return this;
    }

    /** Adds a row-major tensor ([rows, cols] becomes GGUF dims [cols, rows]; a vector stays [n]). */
    public GgufWriter tensor(String name, FloatTensor tensor) {
        return tensor(name, GgmlType.F32, tensor);
    }

    private GgufWriter tensor(String name, GgmlType type, FloatTensor tensor) {
        int[] shape = tensor.shape();
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[shape.length - 1 - i];
        }
        return tensor(name, shape.length == 1 ? GgmlType.F32 : type, tensor.data(), dims);
    }

    /**
     * A Llama as llama.cpp's converter writes it: {@code llama.*} hyper-parameters, a "llama" (SentencePiece) vocabulary
     * with scores and token types, and the tensors under llama.cpp's names, with {@code output.weight} left out when the
     * classifier is the embedding. Swapgate keeps query and key rows in Hugging Face's rotate-half order; GGUF (like
     * llama.cpp's rope for this architecture) rotates adjacent pairs, so those rows are permuted back to interleaved
     * order here, which Swapgate's reader undoes.
     */
    public static GgufWriter llama(
            String name, LlamaConfig config, LlamaWeights weights, SentencePieceBpeTokenizer tokenizer) {
        return llama(name, config, weights, tokenizer, Quantization.F32);
    }

    /** {@link #llama} with the matrices stored as {@code quantization} says. */
    public static GgufWriter llama(
            String name,
            LlamaConfig config,
            LlamaWeights weights,
            SentencePieceBpeTokenizer tokenizer,
            Quantization quantization) {
        GgufWriter gguf = decoder("llama", name, config, weights, tokenizer, quantization.fileType, List.of());
        gguf.tensor("token_embd.weight", quantization, weights.embedding());
        for (int l = 0; l < config.layers(); l++) {
            LayerWeights layer = weights.layers().get(l);
            String p = "blk." + l + ".";
            gguf.tensor(p + "attn_norm.weight", quantization, layer.attentionNorm());
            gguf.tensor(p + "attn_q.weight", quantization, interleaved(layer.query(), config.heads(), config));
            gguf.tensor(p + "attn_k.weight", quantization, interleaved(layer.key(), config.kvHeads(), config));
            gguf.tensor(p + "attn_v.weight", quantization, layer.value());
            gguf.tensor(p + "attn_output.weight", quantization, layer.output());
            gguf.tensor(p + "ffn_norm.weight", quantization, layer.ffnNorm());
            gguf.tensor(p + "ffn_gate.weight", quantization, layer.gate());
            gguf.tensor(p + "ffn_up.weight", quantization, layer.up());
            gguf.tensor(p + "ffn_down.weight", quantization, layer.down());
        }
        return gguf.classifier(config, weights, quantization);
    }

    /**
     * A Phi-3 as llama.cpp's converter writes it ({@code phi3.*} keys): per layer one fused {@code attn_qkv} (query,
     * key then value rows) and one fused {@code ffn_up} (gate rows, then up rows), an {@code output.weight} always
     * (llama.cpp requires it for this architecture), the end-of-turn pieces its vocabulary loader looks up, and, when
     * given, {@code phi3.attention.sliding_window}. Its rope
     * rotates halves of each head (NEOX), Swapgate's own order, so no rows are permuted.
     */
    public static GgufWriter phi3(
            String name,
            LlamaConfig config,
            LlamaWeights weights,
            SentencePieceBpeTokenizer tokenizer,
            int slidingWindow) {
        if (config.sharedClassifier()) {
            throw new IllegalArgumentException("llama.cpp's Phi-3 has its own output.weight: use an untied config");
        }
        GgufWriter gguf = decoder("phi3", name, config, weights, tokenizer, 0, PHI3_CONTROL_PIECES);
        if (slidingWindow > 0) {
            gguf.put("phi3.attention.sliding_window", slidingWindow);
        }
        gguf.tensor("token_embd.weight", weights.embedding());
        for (int l = 0; l < config.layers(); l++) {
            LayerWeights layer = weights.layers().get(l);
            String p = "blk." + l + ".";
            gguf.tensor(p + "attn_norm.weight", layer.attentionNorm());
            gguf.tensor(p + "attn_qkv.weight", stacked("attn_qkv", layer.query(), layer.key(), layer.value()));
            gguf.tensor(p + "attn_output.weight", layer.output());
            gguf.tensor(p + "ffn_norm.weight", layer.ffnNorm());
            gguf.tensor(p + "ffn_up.weight", stacked("ffn_up", layer.gate(), layer.up()));
            gguf.tensor(p + "ffn_down.weight", layer.down());
        }
        return gguf.classifier(config, weights, Quantization.F32);
    }

    /**
     * Pieces llama.cpp's vocabulary loader looks up by text for Phi-3 (its end-of-turn markers); they replace the last
     * pieces of the vocabulary, which the tests' prompts never use.
     */
    private static final List<String> PHI3_CONTROL_PIECES = List.of("<|endoftext|>", "<|end|>");

    /** Row-major matrices of equal width, one under the other (a fused matrix), named {@code name}. */
    static FloatTensor stacked(String name, FloatTensor... parts) {
        int cols = parts[0].shape()[1];
        int rows = 0;
        for (FloatTensor part : parts) {
            rows += part.shape()[0];
        }
        float[] data = new float[rows * cols];
        int at = 0;
        for (FloatTensor part : parts) {
            System.arraycopy(part.data(), 0, data, at, part.data().length);
            at += part.data().length;
        }
        return new FloatTensor(name, new int[] {rows, cols}, data);
    }

    /**
     * The file's general keys, the architecture's hyper-parameters under {@code arch.*}, and a "llama" (SentencePiece)
     * vocabulary with scores and token types.
     */
    private static GgufWriter decoder(
            String arch,
            String name,
            LlamaConfig config,
            LlamaWeights weights,
            SentencePieceBpeTokenizer tokenizer,
            int fileType,
            List<String> controlPieces) {
        if (config.ropeScaling() != null) {
            throw new IllegalArgumentException("RoPE scaling is not written");
        }
        weights.validate(config);
        int vocab = tokenizer.vocabSize();
        if (vocab != config.vocabSize()) {
            throw new IllegalArgumentException(
                    "the tokenizer has " + vocab + " pieces, the model " + config.vocabSize());
        }
        List<String> pieces = new java.util.ArrayList<>(vocab);
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        for (int id = 0; id < vocab; id++) {
            String piece = new String(tokenizer.piece(id), StandardCharsets.UTF_8);
            pieces.add(piece.replace(' ', '\u2581')); // SentencePiece's visible space
            scores[id] = tokenizer.score(id);
            types[id] = id == 0
                    ? TOKEN_UNKNOWN
                    : id == tokenizer.bosId() || id == tokenizer.eosId()
                            ? TOKEN_CONTROL
                            : piece.matches("<0x[0-9A-F]{2}>") ? TOKEN_BYTE : TOKEN_NORMAL;
        }
        for (int i = 0; i < controlPieces.size(); i++) {
            int id = vocab - controlPieces.size() + i;
            pieces.set(id, controlPieces.get(i));
            types[id] = TOKEN_CONTROL;
        }
        return hyperParameters(arch, name, config, fileType)
                .put(arch + ".rope.dimension_count", config.headDim())
                .put(arch + ".attention.layer_norm_rms_epsilon", config.normEps())
                .put(arch + ".rope.freq_base", config.ropeTheta())
                .put(arch + ".vocab_size", vocab)
                .put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", pieces)
                .put("tokenizer.ggml.scores", scores)
                .put("tokenizer.ggml.token_type", types)
                .put("tokenizer.ggml.unknown_token_id", 0)
                .put("tokenizer.ggml.bos_token_id", tokenizer.bosId())
                .put("tokenizer.ggml.eos_token_id", tokenizer.eosId())
                .put("tokenizer.ggml.add_bos_token", true)
                .put("tokenizer.ggml.add_eos_token", false);
    }

    /** A new file's general keys and the architecture's shape under {@code arch.*}: what every decoder states. */
    static GgufWriter hyperParameters(String arch, String name, LlamaConfig config, int fileType) {
        return new GgufWriter()
                .put("general.architecture", arch)
                .put("general.name", name)
                .put("general.alignment", ALIGNMENT)
                .put("general.file_type", fileType)
                .put(arch + ".context_length", config.contextLength())
                .put(arch + ".embedding_length", config.dim())
                .put(arch + ".block_count", config.layers())
                .put(arch + ".feed_forward_length", config.hiddenDim())
                .put(arch + ".attention.head_count", config.heads())
                .put(arch + ".attention.head_count_kv", config.kvHeads());
    }

    /** The final norm, and {@code output.weight} unless the classifier is the embedding. */
    private GgufWriter classifier(LlamaConfig config, LlamaWeights weights, Quantization quantization) {
        tensor("output_norm.weight", weights.finalNorm());
        if (!config.sharedClassifier()) {
            tensor("output.weight", quantization, weights.classifier());
        }
        return this;
    }

    /**
     * A LoRA adapter as llama.cpp's {@code convert_lora_to_gguf.py} writes it: {@code general.type} "adapter",
     * {@code adapter.lora.alpha}, and per adapted matrix {@code NAME.lora_a} ([rank, in] row-major, as PEFT's A) and
     * {@code NAME.lora_b} ([out, rank]), float32. llama.cpp scales B A by alpha / rank, as Swapgate does for a plain
     * LoRA; B's query and key rows are permuted for llama.cpp's rope like the base's.
     */
    public static GgufWriter lora(LlamaConfig config, LoraAdapter adapter) {
        if (adapter.rsLora() || adapter.dyLora() != null) {
            throw new IllegalArgumentException("llama.cpp's LoRA format has no rsLoRA or DyLoRA scale");
        }
        GgufWriter gguf = new GgufWriter()
                .put("general.architecture", "llama")
                .put("general.type", "adapter")
                .put("general.name", adapter.identity().name())
                .put("general.alignment", ALIGNMENT)
                .put("adapter.type", "lora")
                .put("adapter.lora.alpha", adapter.alpha());
        for (Map.Entry<LoraModule, LoraAdapter.LayerFactors[]> module :
                adapter.modules().entrySet()) {
            LoraAdapter.LayerFactors[] layers = module.getValue();
            for (int l = 0; l < layers.length; l++) {
                if (layers[l] == null) {
                    continue;
                }
                String name = "blk." + l + "." + module.getKey().ggufName() + ".weight";
                FloatTensor b = layers[l].b();
                FloatTensor ropeOrderB = switch (module.getKey()) {
                    case Q ->
                        rows(
                                b,
                                RotaryLayout.halvesToInterleaved(
                                        b.data(), config.heads(), config.headDim(), adapter.rank()));
                    case K ->
                        rows(
                                b,
                                RotaryLayout.halvesToInterleaved(
                                        b.data(), config.kvHeads(), config.headDim(), adapter.rank()));
                    default -> b;
                };
                gguf.tensor(name + ".lora_a", layers[l].a());
                gguf.tensor(name + ".lora_b", ropeOrderB);
            }
        }
        return gguf;
    }

    private static FloatTensor rows(FloatTensor like, float[] data) {
        return new FloatTensor(like.name(), like.shape(), data);
    }

    private GgufWriter tensor(String name, Quantization quantization, FloatTensor tensor) {
        return tensor(name, quantization.typeOf(name), tensor);
    }

    private static FloatTensor interleaved(FloatTensor halves, int heads, LlamaConfig config) {
        return rows(halves, RotaryLayout.halvesToInterleaved(halves.data(), heads, config.headDim(), config.dim()));
    }

    /** The whole file in memory (small models: fuzz seeds). */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the file (to a temporary sibling first, then moved into place, so a reader never sees half of it). */
    public void write(Path file) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".writing");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
            writeTo(out);
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void writeTo(OutputStream sink) throws IOException {
        Header out = new Header();
        out.u32(MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, Object> entry : metadata.entrySet()) {
            out.string(entry.getKey());
            out.value(entry.getValue());
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> tensor : tensors.entrySet()) {
            out.string(tensor.getKey());
            out.u32(tensor.getValue().dims().length);
            for (long dim : tensor.getValue().dims()) {
                out.u64(dim);
            }
            out.u32(tensor.getValue().type().id());
            out.u64(offset);
            offset += align(tensor.getValue().type().byteSize(tensor.getValue().data().length));
        }
        while (out.size() % ALIGNMENT != 0) {
            out.write(0);
        }
        out.writeTo(sink);
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor tensor : tensors.values()) {
            float[] data = tensor.data();
            if (tensor.type() != GgmlType.F32) {
                byte[] encoded = GgmlQuantizer.encode(tensor.type(), data);
                sink.write(encoded);
                sink.write(new byte[(int) (align(encoded.length) - encoded.length)]);
                continue;
            }
            for (int from = 0; from < data.length; from += chunk.capacity() / 4) {
                int count = Math.min(chunk.capacity() / 4, data.length - from);
                chunk.clear();
                chunk.asFloatBuffer().put(data, from, count);
                sink.write(chunk.array(), 0, count * 4);
            }
            long bytes = 4L * data.length;
            sink.write(new byte[(int) (align(bytes) - bytes)]);
        }
    }

    private static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** The header, built in memory. */
    private static final class Header extends ByteArrayOutputStream {

        void value(Object value) {
            if (value instanceof String s) {
                u32(TYPE_STRING);
                string(s);
            } else if (value instanceof Integer n) {
                u32(TYPE_UINT32);
                u32(n);
            } else if (value instanceof Float f) {
                u32(TYPE_FLOAT32);
                u32(Float.floatToIntBits(f));
            } else if (value instanceof Boolean b) {
                u32(TYPE_BOOL);
                write(b ? 1 : 0);
            } else if (value instanceof float[] floats) {
                u32(TYPE_ARRAY);
                u32(TYPE_FLOAT32);
                u64(floats.length);
                for (float f : floats) {
                    u32(Float.floatToIntBits(f));
                }
            } else if (value instanceof int[] ints) {
                u32(TYPE_ARRAY);
                u32(TYPE_INT32);
                u64(ints.length);
                for (int i : ints) {
                    u32(i);
                }
            } else if (value instanceof List<?> strings) {
                u32(TYPE_ARRAY);
                u32(TYPE_STRING);
                u64(strings.size());
                for (Object s : strings) {
                    string((String) s);
                }
            } else {
                throw new IllegalArgumentException("no GGUF type for " + value);
            }
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            writeBytes(bytes);
        }

        void u32(long v) {
            writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) v)
                    .array());
        }

        void u64(long v) {
            writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
        }
    }
}

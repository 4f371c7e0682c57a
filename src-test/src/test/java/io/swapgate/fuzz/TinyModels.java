package io.swapgate.fuzz;

import io.swapgate.e2e.GgufWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same tiny Llama (dim 8, one layer, two heads, 8 tokens, context 16) written as a llama2.c checkpoint with its
 * tokenizer and as a GGUF file: small valid seeds from which the fuzzer mutates every header field and table.
 */
final class TinyModels {

    static final int DIM = 8;
    static final int HIDDEN = 16;
    static final int LAYERS = 1;
    static final int HEADS = 2;
    static final int CONTEXT = 16;
    static final List<String> PIECES = List.of("<unk>", "<s>", "</s>", " ", "a", "b", " a", "ab");

    private TinyModels() {}

    /** llama2.c v0: seven int32 header fields, then every weight as float32 (shared classifier). */
    static byte[] llama2cCheckpoint() {
        int headDim = DIM / HEADS;
        int[] header = {DIM, HIDDEN, LAYERS, HEADS, HEADS, PIECES.size(), CONTEXT};
        int floats =
                PIECES.size() * DIM + LAYERS * (2 * DIM + 4 * DIM * DIM + 3 * DIM * HIDDEN) + DIM + CONTEXT * headDim;
        ByteBuffer out = ByteBuffer.allocate(4 * (header.length + floats)).order(ByteOrder.LITTLE_ENDIAN);
        for (int field : header) {
            out.putInt(field);
        }
        for (int i = 0; i < floats; i++) {
            out.putFloat(weight(i));
        }
        return out.array();
    }

    /** llama2.c tokenizer: int32 max piece length, then per piece a float32 score, an int32 length and the bytes. */
    static byte[] llama2cTokenizer() {
        ByteBuffer out = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(PIECES.stream().mapToInt(String::length).max().orElseThrow());
        for (int id = 0; id < PIECES.size(); id++) {
            byte[] piece = PIECES.get(id).getBytes(StandardCharsets.UTF_8);
            out.putFloat(-id).putInt(piece.length).put(piece);
        }
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    /** GGUF version 3 with llama metadata, a llama tokenizer and F32 tensors aligned to 32 bytes. */
    static byte[] gguf() {
        float[] scores = new float[PIECES.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = -i;
        }
        GgufWriter gguf = new GgufWriter()
                .put("general.architecture", "llama")
                .put("llama.embedding_length", DIM)
                .put("llama.feed_forward_length", HIDDEN)
                .put("llama.block_count", LAYERS)
                .put("llama.attention.head_count", HEADS)
                .put("llama.attention.head_count_kv", HEADS)
                .put("llama.context_length", CONTEXT)
                .put("tokenizer.ggml.model", "llama")
                .put(
                        "tokenizer.ggml.tokens",
                        PIECES.stream().map(p -> p.replace(' ', '\u2581')).toList())
                .put("tokenizer.ggml.scores", scores);
        Map<String, long[]> tensors = new LinkedHashMap<>();
        tensors.put("token_embd.weight", new long[] {DIM, PIECES.size()});
        tensors.put("blk.0.attn_norm.weight", new long[] {DIM});
        for (String name : List.of("attn_q", "attn_k", "attn_v", "attn_output")) {
            tensors.put("blk.0." + name + ".weight", new long[] {DIM, DIM});
        }
        tensors.put("blk.0.ffn_norm.weight", new long[] {DIM});
        tensors.put("blk.0.ffn_gate.weight", new long[] {DIM, HIDDEN});
        tensors.put("blk.0.ffn_up.weight", new long[] {DIM, HIDDEN});
        tensors.put("blk.0.ffn_down.weight", new long[] {HIDDEN, DIM});
        tensors.put("output_norm.weight", new long[] {DIM});
        int next = 0; // one running sequence of weights through all tensors (each a multiple of 32 bytes)
        for (Map.Entry<String, long[]> tensor : tensors.entrySet()) {
            long elements = 1;
            for (long dim : tensor.getValue()) {
                elements *= dim;
            }
            float[] data = new float[(int) elements];
            for (int i = 0; i < data.length; i++) {
                data[i] = weight(next++);
            }
            gguf.tensor(tensor.getKey(), data, tensor.getValue());
        }
        return gguf.toBytes();
    }

    private static float weight(int i) {
        return (float) Math.sin(i * 0.7) * 0.3f;
    }
}

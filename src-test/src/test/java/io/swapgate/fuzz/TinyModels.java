package io.swapgate.fuzz;

import java.io.ByteArrayOutputStream;
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
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", "llama");
        metadata.put("llama.embedding_length", DIM);
        metadata.put("llama.feed_forward_length", HIDDEN);
        metadata.put("llama.block_count", LAYERS);
        metadata.put("llama.attention.head_count", HEADS);
        metadata.put("llama.attention.head_count_kv", HEADS);
        metadata.put("llama.context_length", CONTEXT);
        metadata.put("tokenizer.ggml.model", "llama");
        metadata.put(
                "tokenizer.ggml.tokens",
                PIECES.stream().map(p -> p.replace(' ', '\u2581')).toList());
        metadata.put(
                "tokenizer.ggml.scores",
                PIECES.stream().map(p -> (float) -PIECES.indexOf(p)).toList());
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
        return new GgufBytes().write(metadata, tensors);
    }

    private static float weight(int i) {
        return (float) Math.sin(i * 0.7) * 0.3f;
    }

    /** A little-endian GGUF writer for the value types the tiny model uses. */
    private static final class GgufBytes {
        private static final int ALIGNMENT = 32;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        byte[] write(Map<String, Object> metadata, Map<String, long[]> tensors) {
            u32(0x46554747); // "GGUF"
            u32(3);
            u64(tensors.size());
            u64(metadata.size());
            for (Map.Entry<String, Object> entry : metadata.entrySet()) {
                string(entry.getKey());
                value(entry.getValue());
            }
            long offset = 0;
            for (Map.Entry<String, long[]> tensor : tensors.entrySet()) {
                string(tensor.getKey());
                u32(tensor.getValue().length);
                long elements = 1;
                for (long dim : tensor.getValue()) {
                    u64(dim);
                    elements *= dim;
                }
                u32(0); // F32
                u64(offset);
                offset += align(elements * 4);
            }
            while (out.size() % ALIGNMENT != 0) {
                out.write(0);
            }
            for (int i = 0; i < offset / 4; i++) {
                u32(Float.floatToIntBits(weight(i)));
            }
            return out.toByteArray();
        }

        private void value(Object value) {
            if (value instanceof String s) {
                u32(8);
                string(s);
            } else if (value instanceof Integer n) {
                u32(4);
                u32(n);
            } else if (value instanceof List<?> list) {
                u32(9);
                u32(list.get(0) instanceof String ? 8 : 6);
                u64(list.size());
                for (Object element : list) {
                    if (element instanceof String s) {
                        string(s);
                    } else {
                        u32(Float.floatToIntBits((Float) element));
                    }
                }
            } else {
                throw new IllegalArgumentException("no GGUF type for " + value);
            }
        }

        private static long align(long bytes) {
            return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }

        private void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            out.writeBytes(bytes);
        }

        private void u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) v)
                    .array());
        }

        private void u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
        }
    }
}

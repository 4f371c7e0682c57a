package io.swapgate.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The exact bytes each token of a Hugging Face {@code tokenizer.json} stands for, read from its vocabulary: decoding a
 * token on its own cannot say (a decoder strips a leading space, or a byte-level token holds part of a character).
 * Byte-level vocabularies (GPT-2's mapping of bytes to printable characters: Llama 3, Qwen, Mistral's newer files) are
 * mapped back byte by byte; SentencePiece-style ones turn {@code ▁} into a space and {@code <0xHH>} into that byte.
 * Special added tokens stand for no bytes.
 */
public final class TokenBytes {

    private static final char SPIECE_SPACE = '\u2581';

    private TokenBytes() {}

    /** One entry per id below {@code vocabSize}; ids the file does not name get no bytes. */
    public static byte[][] of(JsonNode tokenizerJson, int vocabSize) {
        byte[][] out = new byte[vocabSize][];
        boolean byteLevel = mentionsByteLevel(tokenizerJson.path("decoder"));
        int[] byteOf = byteLevel ? byteLevelDecoder() : null;
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                put(out, entry.getValue().asInt(-1), entry.getKey(), byteOf);
            }
        } else if (vocab.isArray()) { // Unigram: [piece, score] pairs in id order
            for (int id = 0; id < vocab.size(); id++) {
                put(out, id, vocab.get(id).path(0).asText(), byteOf);
            }
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            int id = added.path("id").asInt(-1);
            if (id >= 0 && id < vocabSize) {
                out[id] = added.path("special").asBoolean(false)
                        ? new byte[0]
                        : added.path("content").asText().getBytes(StandardCharsets.UTF_8);
            }
        }
        for (int id = 0; id < vocabSize; id++) {
            if (out[id] == null) {
                out[id] = new byte[0];
            }
        }
        return out;
    }

    private static void put(byte[][] out, int id, String token, int[] byteOf) {
        if (id < 0 || id >= out.length) {
            return;
        }
        out[id] = byteOf != null ? byteLevel(token, byteOf) : sentencePiece(token);
    }

    private static byte[] byteLevel(String token, int[] byteOf) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < byteOf.length ? byteOf[c] : -1;
            if (b < 0) { // not a byte-level character: the token is plain text
                return token.getBytes(StandardCharsets.UTF_8);
            }
            bytes.write(b);
        }
        return bytes.toByteArray();
    }

    private static byte[] sentencePiece(String token) {
        if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // an ordinary token that merely looks like one
            }
        }
        return token.replace(SPIECE_SPACE, ' ').getBytes(StandardCharsets.UTF_8);
    }

    private static boolean mentionsByteLevel(JsonNode decoder) {
        if (decoder.path("type").asText("").equals("ByteLevel")) {
            return true;
        }
        for (JsonNode inner : decoder.path("decoders")) {
            if (mentionsByteLevel(inner)) {
                return true;
            }
        }
        return false;
    }

    /**
     * GPT-2's byte-to-character map, inverted: printable Latin-1 bytes stand for themselves, the other 68 bytes for the
     * characters from U+0100 on, in byte order.
     */
    private static int[] byteLevelDecoder() {
        int[] byteOf = new int[256 + 68];
        java.util.Arrays.fill(byteOf, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            byteOf[printable ? b : next++] = b;
        }
        return byteOf;
    }
}

package io.swapgate.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Token bytes come from the vocabulary: GPT-2's byte-level characters mapped back, SentencePiece's ▁ and <0xHH>. */
class TokenBytesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void byteLevelTokensMapBackToTheirBytes() throws Exception {
        byte[][] bytes = TokenBytes.of(JSON.readTree("""
                        {"model": {"type": "BPE", "vocab": {"\u0120hello": 0, "\u00c3\u00a9": 1, "\u010a": 2, "\u00c3": 3}},
                         "decoder": {"type": "ByteLevel"},
                         "added_tokens": [{"id": 4, "content": "<|end|>", "special": true}]}
                        """), 5);
        assertArrayEquals(" hello".getBytes(StandardCharsets.UTF_8), bytes[0]);
        assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), bytes[1]);
        assertArrayEquals(new byte[] {'\n'}, bytes[2]);
        assertArrayEquals(new byte[] {(byte) 0xC3}, bytes[3], "half a character, exactly");
        assertArrayEquals(new byte[0], bytes[4], "a special token stands for no text");
    }

    @Test
    void sentencePieceTokensKeepTheirLeadingSpaceAndByteFallback() throws Exception {
        byte[][] bytes = TokenBytes.of(JSON.readTree("""
                        {"model": {"type": "BPE", "vocab": {"\u2581Once": 0, "<0x0A>": 1, "ab": 2}},
                         "decoder": {"type": "Sequence", "decoders": [{"type": "Replace"}, {"type": "ByteFallback"},
                                     {"type": "Strip", "content": " ", "start": 1}]}}
                        """), 3);
        assertArrayEquals(" Once".getBytes(StandardCharsets.UTF_8), bytes[0], "decoding alone would strip the space");
        assertArrayEquals(new byte[] {'\n'}, bytes[1]);
        assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), bytes[2]);
    }
}

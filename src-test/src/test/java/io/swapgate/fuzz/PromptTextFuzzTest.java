package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.core.tokenizer.TokenDecoder;
import io.swapgate.core.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any prompt text through stories260K's tokenizer: ids inside the vocabulary, and decoding them gives back the text
 * (as UTF-8 would carry it: unpaired surrogates cannot cross the wire and become '?') behind SentencePiece's dummy
 * leading space.
 */
class PromptTextFuzzTest {

    private static final Tokenizer TOKENIZER = FuzzFixtures.MODEL.tokenizer();

    @MethodSource("seeds")
    @FuzzTest
    void encodeDecodeRoundTrip(@NotNull String prompt) {
        String text = new String(prompt.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        int[] ids = TOKENIZER.encode(text);
        StringBuilder decoded = new StringBuilder();
        TokenDecoder decoder = TOKENIZER.newDecoder(new int[0]);
        for (int id : ids) {
            assertTrue(id >= 0 && id < TOKENIZER.vocabSize(), "token id " + id);
            decoded.append(decoder.next(id));
        }
        decoded.append(decoder.flush());
        assertEquals(text.isEmpty() ? "" : " " + text, decoded.toString());
    }

    static Stream<String> seeds() {
        return Stream.of(
                "Once upon a time",
                "  two  spaces ",
                "\u00e9t\u00e9 \u2603 \ud83d\ude00",
                "\u0000\u0001\u007f",
                "\r\n\t");
    }
}

package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.core.format.Llama2cTokenizerReader;
import io.swapgate.core.format.ModelFormatException;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import io.swapgate.core.tokenizer.TokenDecoder;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any bytes as a llama2.c tokenizer file for an 8-token vocabulary: a format error, or a tokenizer that encodes text
 * (characters it has no piece for included) with ids inside its vocabulary, or refuses it, and decodes those ids.
 */
class TokenizerFileFuzzTest {

    private static final String TEXT = "ab a b\u00e9\u2603\ud83d\ude00\n\t\u0000";

    @MethodSource("seeds")
    @FuzzTest
    void readEncodeDecode(byte @NotNull [] input) {
        SentencePieceBpeTokenizer tokenizer;
        try {
            tokenizer = Llama2cTokenizerReader.read(
                    FuzzFiles.write("tokenizer.bin", input), TinyModels.PIECES.size(), 1, 2);
        } catch (ModelFormatException expected) {
            return; // the documented refusal of a malformed file
        }
        int[] ids;
        try {
            ids = tokenizer.encode(TEXT);
        } catch (IllegalArgumentException unrepresentable) {
            return; // a vocabulary without byte fallback refuses text it has no pieces for (INVALID_ARGUMENT)
        }
        TokenDecoder decoder = tokenizer.newDecoder(new int[0]);
        for (int id : ids) {
            assertTrue(id >= 0 && id < tokenizer.vocabSize(), "token id " + id);
            decoder.next(id);
        }
        decoder.flush();
    }

    static Stream<byte[]> seeds() {
        return Stream.of(TinyModels.llama2cTokenizer());
    }
}

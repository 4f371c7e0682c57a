package io.swapgate.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.TestModels;
import io.swapgate.core.format.ModelLoader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    private static Tokenizer stories;

    @BeforeAll
    static void load() {
        stories = ModelLoader.load(TestModels.stories()).tokenizer();
    }

    @Test
    void promptStartsWithBosAndMergesByScore() {
        int[] tokens = stories.encodePrompt("Once upon a time");
        assertEquals(1, tokens[0]);
        // " Once upon a time": far fewer tokens than characters once merges apply.
        assertTrue(tokens.length < 10, "expected merges, got " + tokens.length + " tokens");
        assertEquals(
                "Once upon a time",
                decodeAll(stories, new int[] {1}, java.util.Arrays.copyOfRange(tokens, 1, tokens.length)));
    }

    @Test
    void unknownCharactersFallBackToBytesAndDecodeBack() {
        String text = "caf\u00e9 \u2603 \ud83d\ude00 ok";
        int[] tokens = stories.encode(text);
        String decoded = decodeAll(stories, new int[] {5}, tokens);
        // The dummy prefix space comes back because the context token is not BOS.
        assertEquals(" " + text, decoded);
    }

    @Test
    void decoderHoldsIncompleteUtf8UntilTheCharacterIsComplete() {
        byte[] snowman = "\u2603".getBytes(StandardCharsets.UTF_8);
        TokenDecoder decoder = stories.newDecoder(new int[] {1, 5});
        assertEquals("", decoder.next((snowman[0] & 0xff) + 3));
        assertEquals("", decoder.next((snowman[1] & 0xff) + 3));
        assertEquals("\u2603", decoder.next((snowman[2] & 0xff) + 3));
    }

    @Test
    void truncatedCharacterAtTheEndBecomesReplacementOnFlush() {
        TokenDecoder decoder = stories.newDecoder(new int[] {1});
        assertEquals("", decoder.next(0xe2 + 3));
        assertEquals("\ufffd", decoder.flush());
    }

    @Test
    void bosAndEosEndASequence() {
        assertTrue(stories.endsSequence(1));
        assertTrue(stories.endsSequence(2));
        assertTrue(!stories.endsSequence(100));
    }

    static String decodeAll(Tokenizer tokenizer, int[] context, int[] tokens) {
        TokenDecoder decoder = tokenizer.newDecoder(context);
        StringBuilder out = new StringBuilder();
        for (int token : tokens) {
            out.append(decoder.next(token));
        }
        return out.append(decoder.flush()).toString();
    }
}

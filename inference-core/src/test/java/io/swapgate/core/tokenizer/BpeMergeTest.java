package io.swapgate.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.swapgate.core.TestModels;
import io.swapgate.core.format.ModelLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The heap-based BPE merge gives exactly the tokens of the textbook algorithm (rescan every pair, merge the best,
 * leftmost on ties), here written out again as the reference, on stories260K's vocabulary and on one built so that
 * ties decide.
 */
class BpeMergeTest {

    @Test
    void mergesExactlyAsRescanningDoesOnARealVocabulary() {
        SentencePieceBpeTokenizer stories = (SentencePieceBpeTokenizer)
                ModelLoader.load(TestModels.stories()).tokenizer();
        String alphabet = "abcdeilnorstuy    ,.!'\nLOTBS\u00e9\u2603";
        SplittableRandom random = new SplittableRandom(7);
        for (int sample = 0; sample < 300; sample++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(120);
            for (int i = 0; i < length; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String t = text.toString();
            assertArrayEquals(reference(stories, t), stories.encode(t), () -> "text: " + t);
        }
        String story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
        assertArrayEquals(reference(stories, story.repeat(20)), stories.encode(story.repeat(20)));
    }

    @Test
    void tiesGoToTheLeftmostPair() {
        // "aaa": both pairs merge into "aa" with one score; the left one must win, leaving "aa" + "a".
        byte[][] pieces = {utf8("<unk>"), utf8("<s>"), utf8("</s>"), utf8("a"), utf8("aa"), utf8(" ")};
        float[] scores = {0, 0, 0, 0, 1, 0};
        SentencePieceBpeTokenizer tokenizer = new SentencePieceBpeTokenizer(pieces, scores, 1, 2);
        assertArrayEquals(new int[] {5, 4, 3}, tokenizer.encode("aaa"));
        assertArrayEquals(new int[] {5, 4, 4}, tokenizer.encode("aaaa"));
        assertArrayEquals(reference(tokenizer, "aaaaa"), tokenizer.encode("aaaaa"));
    }

    @Test
    void aVocabularyWithoutSpacePrefixEncodesAndDecodesTheTextAsItIs() {
        // Gemma's GGUF vocabularies say add_space_prefix false: no dummy space before the text, none stripped after
        // BOS.
        byte[][] pieces = {utf8("<unk>"), utf8("<s>"), utf8("</s>"), utf8("a"), utf8(" a"), utf8(" ")};
        float[] scores = {0, 0, 0, 0, 1, 0};
        SentencePieceBpeTokenizer prefixed = new SentencePieceBpeTokenizer(pieces, scores, 1, 2);
        SentencePieceBpeTokenizer plain = new SentencePieceBpeTokenizer(pieces, scores, 1, 2, false, new int[0]);
        assertArrayEquals(new int[] {4, 4}, prefixed.encode("a a"));
        assertArrayEquals(new int[] {3, 4}, plain.encode("a a"));
        assertArrayEquals(utf8("a"), prefixed.tokenBytes(1, 4));
        assertArrayEquals(utf8(" a"), plain.tokenBytes(1, 4));
    }

    @Test
    void specialPiecesInTheTextAreTokensOfTheirOwnAndRestartTheSpacePrefix() {
        // <|end|> is special (control); <| and <|e are normal pieces that must not steal its start.
        byte[][] pieces = {
            utf8("<unk>"),
            utf8("<s>"),
            utf8("</s>"),
            utf8("a"),
            utf8(" a"),
            utf8(" "),
            utf8("<|end|>"),
            utf8("<"),
            utf8("|"),
            utf8("e"),
            utf8("n"),
            utf8("d"),
            utf8(">"),
            utf8("<|e"),
            utf8("<|")
        };
        float[] scores = new float[pieces.length];
        scores[4] = 1;
        scores[13] = 2;
        scores[14] = 1.5f;
        SentencePieceBpeTokenizer tokenizer =
                new SentencePieceBpeTokenizer(pieces, scores, 1, 2, true, new int[] {0, 1, 2, 6});
        assertArrayEquals(new int[] {4, 6, 4, 6}, tokenizer.encode("a<|end|>a<|end|>"));
        assertArrayEquals(new int[] {6, 6, 4}, tokenizer.encode("<|end|><|end|>a"));
        assertArrayEquals(new int[] {4, 1, 4}, tokenizer.encode("a<s>a"));
        SentencePieceBpeTokenizer plain = new SentencePieceBpeTokenizer(pieces, scores, 1, 2, true, new int[0]);
        assertArrayEquals(new int[] {4, 13, 10, 11, 12}, plain.encode("a<|end>"));
    }

    /** The textbook merge on the same initial symbols the tokenizer starts from. */
    private static int[] reference(SentencePieceBpeTokenizer tokenizer, String text) {
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            ids.putIfAbsent(key(tokenizer.piece(id)), id);
        }
        List<Integer> symbols = initialSymbols(ids, text);
        while (true) {
            float bestScore = Float.NEGATIVE_INFINITY;
            int best = -1;
            int bestId = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer merged =
                        ids.get(key(tokenizer.piece(symbols.get(i))) + key(tokenizer.piece(symbols.get(i + 1))));
                if (merged != null && tokenizer.score(merged) > bestScore) {
                    bestScore = tokenizer.score(merged);
                    best = i;
                    bestId = merged;
                }
            }
            if (best < 0) {
                return symbols.stream().mapToInt(Integer::intValue).toArray();
            }
            symbols.set(best, bestId);
            symbols.remove(best + 1);
        }
    }

    /** What encoding starts from: the dummy space, then each character's piece or its byte-fallback pieces. */
    private static List<Integer> initialSymbols(Map<String, Integer> ids, String text) {
        List<Integer> symbols = new ArrayList<>();
        symbols.add(ids.get(" "));
        text.codePoints().forEach(cp -> {
            byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            Integer whole = ids.get(key(utf8));
            if (whole != null) {
                symbols.add(whole);
            } else {
                for (byte b : utf8) {
                    String hex = String.format("%02X", b & 0xff);
                    Integer fallback = ids.containsKey("<0x" + hex + ">")
                            ? ids.get("<0x" + hex + ">")
                            : ids.get("<0x" + hex.toLowerCase(Locale.ROOT) + ">");
                    symbols.add(fallback);
                }
            }
        });
        return symbols;
    }

    private static String key(byte[] piece) {
        return new String(piece, StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

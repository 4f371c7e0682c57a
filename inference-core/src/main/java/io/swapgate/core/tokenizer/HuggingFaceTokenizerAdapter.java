package io.swapgate.core.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.Arrays;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers binding.
 *
 * <p>Decoding is incremental in the usual way for such tokenizers: decode a short window of context plus the
 * new tokens and emit only what the window's decoding gained, so decoders that strip or merge spaces
 * still produce exactly the text a full decode would.
 */
public final class HuggingFaceTokenizerAdapter implements Tokenizer {

    /** Prompt tokens kept as decoding context; enough for any decoder's look-behind in Llama tokenizers. */
    private static final int CONTEXT_TOKENS = 4;

    private final HuggingFaceTokenizer tokenizer;
    private final int bosId;
    private final Set<Integer> stopIds;
    private final int vocabSize;
    private final byte[][] tokenBytes;

    /** @param tokenBytes per token id, the bytes it stands for ({@link TokenBytes}) */
    public HuggingFaceTokenizerAdapter(
            HuggingFaceTokenizer tokenizer, int bosId, Set<Integer> stopIds, int vocabSize, byte[][] tokenBytes) {
        this.tokenizer = tokenizer;
        this.bosId = bosId;
        this.stopIds = Set.copyOf(stopIds);
        this.vocabSize = vocabSize;
        this.tokenBytes = tokenBytes;
    }

    @Override
    public int[] encode(String text) {
        return Arrays.stream(tokenizer.encode(text).getIds())
                .mapToInt(Math::toIntExact)
                .toArray();
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public boolean endsSequence(int tokenId) {
        return stopIds.contains(tokenId) || tokenId == bosId;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public byte[] tokenBytes(int tokenId) {
        if (tokenId < 0 || tokenId >= vocabSize) {
            throw new IllegalArgumentException("token id " + tokenId + " outside vocabulary of " + vocabSize);
        }
        return tokenBytes[tokenId].clone();
    }

    @Override
    public TokenDecoder newDecoder(int[] promptTokens) {
        int from = Math.max(0, promptTokens.length - CONTEXT_TOKENS);
        return new WindowedDecoder(Arrays.copyOfRange(promptTokens, from, promptTokens.length));
    }

    private final class WindowedDecoder implements TokenDecoder {
        private long[] tokens;
        private int size;
        private int prefixOffset;
        private int readOffset;

        WindowedDecoder(int[] context) {
            tokens = new long[Math.max(16, context.length * 2)];
            for (int id : context) {
                append(id);
            }
            readOffset = size;
        }

        @Override
        public String next(int tokenId) {
            append(tokenId);
            String before = decode(prefixOffset, readOffset);
            String after = decode(prefixOffset, size);
            if (after.length() <= before.length() || after.endsWith("\uFFFD") || !after.startsWith(before)) {
                return "";
            }
            prefixOffset = readOffset;
            readOffset = size;
            return after.substring(before.length());
        }

        @Override
        public String flush() {
            String before = decode(prefixOffset, readOffset);
            String after = decode(prefixOffset, size);
            readOffset = size;
            return after.startsWith(before) ? after.substring(before.length()) : "";
        }

        private void append(int id) {
            if (size == tokens.length) {
                tokens = Arrays.copyOf(tokens, size * 2);
            }
            tokens[size++] = id;
        }

        private String decode(int from, int to) {
            return tokenizer.decode(Arrays.copyOfRange(tokens, from, to), true);
        }
    }
}

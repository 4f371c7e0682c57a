package io.swapgate.core.tokenizer;

/** Text to token ids and back, for one base model. Implementations are thread-safe. */
public interface Tokenizer {

    /** Token ids for the text, without BOS. */
    int[] encode(String text);

    /** The beginning-of-sequence id prepended to prompts, or -1 when the model uses none. */
    int bosId();

    /** Whether generating this token ends the sequence (end-of-sequence, or a new document's BOS). */
    boolean endsSequence(int tokenId);

    int vocabSize();

    /**
     * The bytes a token stands for on its own, without context (for log-probability listings). Where a tokenizer cannot
     * say without context, as for part of a multi-byte character in a byte-level vocabulary, it gives its best text.
     */
    byte[] tokenBytes(int tokenId);

    /** A decoder for the tokens generated after {@code promptTokens} (which it uses as context, not output). */
    TokenDecoder newDecoder(int[] promptTokens);

    /** Token ids for a prompt: BOS (when the model uses one) followed by the encoded text. */
    default int[] encodePrompt(String text) {
        int[] body = encode(text);
        if (bosId() < 0) {
            return body;
        }
        int[] prompt = new int[body.length + 1];
        prompt[0] = bosId();
        System.arraycopy(body, 0, prompt, 1, body.length);
        return prompt;
    }
}

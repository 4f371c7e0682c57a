package io.swapgate.core.tokenizer;

/** Turns a stream of generated token ids into text, never splitting a UTF-8 character. Not thread-safe. */
public interface TokenDecoder {

    /** Accepts the next token and returns the text it completes (possibly empty while a character is incomplete). */
    String next(int tokenId);

    /** Text still held back at the end of generation (incomplete characters become U+FFFD). */
    String flush();
}

package io.swapgate.core.format;

import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** llama2.c tokenizer files: int32 max_token_length, then per token a float32 score, an int32 length and the bytes. */
public final class Llama2cTokenizerReader {

    /** No real vocabulary has pieces this long; a larger length means a corrupt or foreign file. */
    private static final int MAX_PIECE_BYTES = 1024;

    private Llama2cTokenizerReader() {}

    public static SentencePieceBpeTokenizer read(Path file, int vocabSize, int bos, int eos) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read tokenizer: " + e.getMessage(), e);
        }
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 4) {
            throw new ModelFormatException(file, "truncated tokenizer: no header");
        }
        int maxLength = in.getInt();
        if (maxLength <= 0 || maxLength > MAX_PIECE_BYTES) {
            throw new ModelFormatException(file, "not a llama2.c tokenizer: max token length " + maxLength);
        }
        byte[][] pieces = new byte[vocabSize][];
        float[] scores = new float[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            if (in.remaining() < 8) {
                throw new ModelFormatException(
                        file, "truncated tokenizer: has " + id + " tokens, the model needs " + vocabSize);
            }
            scores[id] = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxLength || length > in.remaining()) {
                throw new ModelFormatException(file, "token " + id + " has invalid length " + length);
            }
            pieces[id] = new byte[length];
            in.get(pieces[id]);
        }
        if (in.hasRemaining()) {
            throw new ModelFormatException(
                    file,
                    "has " + in.remaining() + " bytes after " + vocabSize
                            + " tokens; it belongs to a model with a larger vocabulary");
        }
        return new SentencePieceBpeTokenizer(pieces, scores, bos, eos);
    }
}

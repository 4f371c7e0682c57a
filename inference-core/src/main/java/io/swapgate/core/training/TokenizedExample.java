package io.swapgate.core.training;

import io.swapgate.core.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * An example as the model sees it: the prompt's tokens as serving makes them (BOS first), then the completion's.
 * The loss covers only the completion's tokens, each predicted from everything before it.
 */
public record TokenizedExample(String id, int[] tokens, int promptLength) {

    /**
     * Tokenizes so the completion's tokens are what serving would have to generate: the prompt and completion are
     * encoded together and split where the prompt's own tokens end; when a merge crosses that boundary the
     * completion is encoded on its own instead.
     *
     * @throws IllegalArgumentException when the example is longer than {@code maxLength} tokens
     */
    public static TokenizedExample of(Tokenizer tokenizer, TextExample example, int maxLength) {
        int[] prompt = tokenizer.encodePrompt(example.prompt());
        int[] joint = tokenizer.encodePrompt(example.prompt() + example.completion());
        int[] tokens;
        if (joint.length > prompt.length && Arrays.equals(joint, 0, prompt.length, prompt, 0, prompt.length)) {
            tokens = joint;
        } else {
            int[] completion = tokenizer.encode(example.completion());
            tokens = Arrays.copyOf(prompt, prompt.length + completion.length);
            System.arraycopy(completion, 0, tokens, prompt.length, completion.length);
        }
        if (tokens.length > maxLength) {
            throw new IllegalArgumentException("example " + example.id() + " has " + tokens.length
                    + " tokens, more than the " + maxLength + " training allows");
        }
        if (tokens.length == prompt.length) {
            throw new IllegalArgumentException("example " + example.id() + " has an empty completion");
        }
        return new TokenizedExample(example.id(), tokens, prompt.length);
    }

    /** Completion tokens, the positions the loss covers. */
    public int targets() {
        return tokens.length - promptLength;
    }
}

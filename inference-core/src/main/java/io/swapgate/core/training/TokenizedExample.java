package io.swapgate.core.training;

import io.swapgate.core.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * An example as the model sees it: the prompt's tokens as serving makes them (BOS first), then the completion's.
 * The loss covers only the completion's tokens, each predicted from everything before it.
 *
 * @param weight the example's {@link TextExample#weight()}: above 0 learned, below 0 unlearned
 * @param rejectedTokens for a preference, the prompt's tokens then the rejected completion's; null otherwise
 */
public record TokenizedExample(String id, int[] tokens, int promptLength, double weight, int[] rejectedTokens) {

    /** A supervised completion. */
    public TokenizedExample(String id, int[] tokens, int promptLength) {
        this(id, tokens, promptLength, 1, null);
    }

    /**
     * Tokenizes so the completion's tokens are what serving would have to generate: the prompt and completion are
     * encoded together and split where the prompt's own tokens end; when a merge crosses that boundary the
     * completion is encoded on its own instead. A preference's rejected completion is tokenized the same way.
     *
     * @throws IllegalArgumentException when the example is longer than {@code maxLength} tokens
     */
    public static TokenizedExample of(Tokenizer tokenizer, TextExample example, int maxLength) {
        int[] prompt = tokenizer.encodePrompt(example.prompt());
        int[] tokens = withCompletion(tokenizer, example, prompt, example.completion(), maxLength);
        int[] rejected = example.rejected() == null
                ? null
                : withCompletion(tokenizer, example, prompt, example.rejected(), maxLength);
        return new TokenizedExample(example.id(), tokens, prompt.length, example.weight(), rejected);
    }

    private static int[] withCompletion(
            Tokenizer tokenizer, TextExample example, int[] prompt, String completion, int maxLength) {
        int[] joint = tokenizer.encodePrompt(example.prompt() + completion);
        int[] tokens;
        if (joint.length > prompt.length && Arrays.equals(joint, 0, prompt.length, prompt, 0, prompt.length)) {
            tokens = joint;
        } else {
            int[] own = tokenizer.encode(completion);
            tokens = Arrays.copyOf(prompt, prompt.length + own.length);
            System.arraycopy(own, 0, tokens, prompt.length, own.length);
        }
        if (tokens.length > maxLength) {
            throw new IllegalArgumentException("example " + example.id() + " has " + tokens.length
                    + " tokens, more than the " + maxLength + " training allows");
        }
        if (tokens.length == prompt.length) {
            throw new IllegalArgumentException("example " + example.id() + " has an empty completion");
        }
        return tokens;
    }

    /** Completion tokens, the positions the loss covers (a preference's chosen completion's). */
    public int targets() {
        return tokens.length - promptLength;
    }

    public boolean isPreference() {
        return rejectedTokens != null;
    }

    /** A plain completion or positive feedback: what likelihood, and a TempNet, learn from. */
    public boolean isLikelihood() {
        return rejectedTokens == null && weight > 0;
    }
}

package io.swapgate.core.sampling;

/**
 * The log-probability of a sampled token and of the most likely alternatives, under the distribution the token was
 * drawn from: the logits after adapters and repetition penalty, divided by the step's temperature (the TempNet's
 * choice included), restricted to what top-k and top-p keep. Greedy steps report the model's own distribution
 * (temperature 1, nothing filtered), whose most likely token is the one chosen.
 *
 * @param topTokens the most likely tokens, most likely first (ties in id order); never ones the filters removed
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprobs(int token, float logprob, int[] topTokens, float[] topLogprobs) {

    /** The most alternatives a request may ask for, as OpenAI's API allows. */
    public static final int MAX_TOP = 20;

    public TokenLogprobs {
        if (topTokens.length != topLogprobs.length) {
            throw new IllegalArgumentException(topTokens.length + " tokens but " + topLogprobs.length + " logprobs");
        }
    }
}

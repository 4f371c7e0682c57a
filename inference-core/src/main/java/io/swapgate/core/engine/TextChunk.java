package io.swapgate.core.engine;

import io.swapgate.core.sampling.TokenLogprobs;

/**
 * The next piece of a request's output.
 *
 * @param tokenIds the tokens the text was decoded from (text may wait for more tokens to be valid UTF-8)
 * @param temperatures each token's sampling temperature, when the request asked for them; otherwise empty
 * @param logprobs each token's log-probabilities, when the request asked for them; otherwise empty
 */
public record TextChunk(String text, int[] tokenIds, float[] temperatures, TokenLogprobs[] logprobs) {}

package io.swapgate.core.engine;

import io.swapgate.core.sampling.SamplingParams;

/**
 * One completion to generate.
 *
 * @param deadlineNanos {@link System#nanoTime()} after which the request is abandoned, or 0 for none
 */
public record GenerationRequest(String requestId, String prompt, int maxNewTokens, SamplingParams sampling, long deadlineNanos) {}

package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.sampling.SamplingParams;

/**
 * One completion to generate.
 *
 * @param deadlineNanos {@link System#nanoTime()} after which the request is abandoned, or 0 for none
 * @param adapters the tenant adapters to apply ({@link AdapterSelection#NONE} for the base model alone)
 * @param returnTemperatures whether each token's sampling temperature is reported (meaningful with a TempNet)
 */
public record GenerationRequest(String requestId, String prompt, int maxNewTokens, SamplingParams sampling, long deadlineNanos,
                                AdapterSelection adapters, boolean returnTemperatures) {

    public GenerationRequest {
        if (adapters == null) {
            throw new IllegalArgumentException("adapters must not be null; use AdapterSelection.NONE");
        }
    }

    /** A request for the base model alone. */
    public GenerationRequest(String requestId, String prompt, int maxNewTokens, SamplingParams sampling, long deadlineNanos) {
        this(requestId, prompt, maxNewTokens, sampling, deadlineNanos, AdapterSelection.NONE, false);
    }
}

package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.constrain.Grammar;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.core.sampling.TokenLogprobs;

/**
 * One completion to generate.
 *
 * @param deadlineNanos {@link System#nanoTime()} after which the request is abandoned, or 0 for none
 * @param adapters the tenant adapters to apply ({@link AdapterSelection#NONE} for the base model alone)
 * @param returnTemperatures whether each token's sampling temperature is reported (meaningful with a TempNet)
 * @param logprobs {@link #NO_LOGPROBS}, or report each token's log-probability and those of this many most likely
 *     alternatives (0 to {@link TokenLogprobs#MAX_TOP}), as sampled ({@link TokenLogprobs})
 * @param grammar what the output must be (a JSON schema's documents, a regular expression's texts), enforced token by
 *     token; null for free text
 * @param tenant who asks: batch slots are shared fairly between tenants ({@link TenantPolicy})
 */
public record GenerationRequest(
        String requestId,
        String prompt,
        int maxNewTokens,
        SamplingParams sampling,
        long deadlineNanos,
        AdapterSelection adapters,
        boolean returnTemperatures,
        int logprobs,
        Grammar grammar,
        String tenant) {

    /** The tenant of requests that name none (a single-tenant embedding of the engine). */
    public static final String DEFAULT_TENANT = "default";

    public static final int NO_LOGPROBS = -1;

    public GenerationRequest {
        if (adapters == null) {
            throw new IllegalArgumentException("adapters must not be null; use AdapterSelection.NONE");
        }
        if (logprobs < NO_LOGPROBS || logprobs > TokenLogprobs.MAX_TOP) {
            throw new IllegalArgumentException(
                    "logprobs must be between 0 and " + TokenLogprobs.MAX_TOP + " alternatives, got " + logprobs);
        }
        if (tenant == null || tenant.isEmpty()) {
            throw new IllegalArgumentException("tenant must not be empty; use DEFAULT_TENANT");
        }
    }

    /** A request for the base model alone, greedy, of the default tenant; name what differs. */
    public static Builder builder(String requestId, String prompt, int maxNewTokens) {
        return new Builder(requestId, prompt, maxNewTokens);
    }

    /** Names each choice of a request, so a call reads as what it asks rather than as a row of values. */
    public static final class Builder {
        private final String requestId;
        private final String prompt;
        private final int maxNewTokens;
        private SamplingParams sampling = SamplingParams.greedy();
        private long deadlineNanos;
        private AdapterSelection adapters = AdapterSelection.NONE;
        private boolean returnTemperatures;
        private int logprobs = NO_LOGPROBS;
        private Grammar grammar;
        private String tenant = DEFAULT_TENANT;

        private Builder(String requestId, String prompt, int maxNewTokens) {
            this.requestId = requestId;
            this.prompt = prompt;
            this.maxNewTokens = maxNewTokens;
        }

        public Builder sampling(SamplingParams value) {
            sampling = value;
            return this;
        }

        public Builder deadlineNanos(long value) {
            deadlineNanos = value;
            return this;
        }

        public Builder adapters(AdapterSelection value) {
            adapters = value;
            return this;
        }

        public Builder returnTemperatures(boolean value) {
            returnTemperatures = value;
            return this;
        }

        /** Report log-probabilities with {@code alternatives} most likely tokens each (0 for the chosen token alone). */
        public Builder logprobs(int alternatives) {
            logprobs = alternatives;
            return this;
        }

        public Builder grammar(Grammar value) {
            grammar = value;
            return this;
        }

        public Builder tenant(String value) {
            tenant = value;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(
                    requestId,
                    prompt,
                    maxNewTokens,
                    sampling,
                    deadlineNanos,
                    adapters,
                    returnTemperatures,
                    logprobs,
                    grammar,
                    tenant);
        }
    }
}

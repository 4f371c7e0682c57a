package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.sampling.SamplingParams;

/**
 * One completion to generate.
 *
 * @param deadlineNanos {@link System#nanoTime()} after which the request is abandoned, or 0 for none
 * @param adapters the tenant adapters to apply ({@link AdapterSelection#NONE} for the base model alone)
 * @param returnTemperatures whether each token's sampling temperature is reported (meaningful with a TempNet)
 * @param tenant who asks: batch slots are shared fairly between tenants ({@link TenantPolicy})
 */
public record GenerationRequest(String requestId, String prompt, int maxNewTokens, SamplingParams sampling, long deadlineNanos,
                                AdapterSelection adapters, boolean returnTemperatures, String tenant) {

    /** The tenant of requests that name none (a single-tenant embedding of the engine). */
    public static final String DEFAULT_TENANT = "default";

    public GenerationRequest {
        if (adapters == null) {
            throw new IllegalArgumentException("adapters must not be null; use AdapterSelection.NONE");
        }
        if (tenant == null || tenant.isEmpty()) {
            throw new IllegalArgumentException("tenant must not be empty; use DEFAULT_TENANT");
        }
    }

    /** A request of the default tenant. */
    public GenerationRequest(String requestId, String prompt, int maxNewTokens, SamplingParams sampling, long deadlineNanos,
                             AdapterSelection adapters, boolean returnTemperatures) {
        this(requestId, prompt, maxNewTokens, sampling, deadlineNanos, adapters, returnTemperatures, DEFAULT_TENANT);
    }

    /** A request for the base model alone. */
    public GenerationRequest(String requestId, String prompt, int maxNewTokens, SamplingParams sampling, long deadlineNanos) {
        this(requestId, prompt, maxNewTokens, sampling, deadlineNanos, AdapterSelection.NONE, false);
    }
}

package io.swapgate.gateway.tenancy;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One tenant's quotas. Configured by name ({@code swapgate.tenancy.quotas.<name>} for every tenant, overridden per
 * tenant under {@code swapgate.tenancy.tenants.<tenant>.quotas.<name>}); the names are the ones in refusal messages.
 *
 * @param requestsPerSecond generations started per second, with a burst of one second's worth
 * @param tokensPerMinute prompt and generated tokens per minute (max_new_tokens is reserved at admission)
 * @param concurrentRequests generations in flight at once (unary and streaming, gRPC and HTTP)
 * @param queuedRequests generations waiting for a batch slot at once
 * @param maxNewTokens the largest max_new_tokens one request may ask for
 * @param adapters adapter names the tenant may hold in the registry
 * @param adapterBytes bytes of all the tenant's adapter versions in the registry
 * @param uploadBytes bytes of one upload
 */
public record QuotaLimits(
        double requestsPerSecond,
        long tokensPerMinute,
        int concurrentRequests,
        int queuedRequests,
        int maxNewTokens,
        int adapters,
        long adapterBytes,
        long uploadBytes) {

    public static final String REQUESTS_PER_SECOND = "requests-per-second";
    public static final String TOKENS_PER_MINUTE = "tokens-per-minute";
    public static final String CONCURRENT_REQUESTS = "concurrent-requests";
    public static final String QUEUED_REQUESTS = "queued-requests";
    public static final String MAX_NEW_TOKENS = "max-new-tokens";
    public static final String ADAPTERS = "adapters";
    public static final String ADAPTER_BYTES = "adapter-bytes";
    public static final String UPLOAD_BYTES = "upload-bytes";
    private static final Set<String> NAMES = Set.of(
            REQUESTS_PER_SECOND,
            TOKENS_PER_MINUTE,
            CONCURRENT_REQUESTS,
            QUEUED_REQUESTS,
            MAX_NEW_TOKENS,
            ADAPTERS,
            ADAPTER_BYTES,
            UPLOAD_BYTES);

    public QuotaLimits {
        if (!(requestsPerSecond > 0)
                || Double.isInfinite(requestsPerSecond)
                || tokensPerMinute <= 0
                || concurrentRequests <= 0
                || queuedRequests < 0
                || maxNewTokens <= 0
                || adapters < 0
                || adapterBytes < 0
                || uploadBytes <= 0) {
            throw new IllegalArgumentException(
                    "quotas must be positive and finite (queued-requests, adapters and adapter-bytes may be 0)");
        }
    }

    /** Every quota, by name; all must be given. */
    public static QuotaLimits of(Map<String, String> values) {
        Set<String> missing = new TreeSet<>(NAMES);
        missing.removeAll(values.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("quotas not configured: " + missing);
        }
        return parse(values);
    }

    /** These limits with some replaced by name. */
    public QuotaLimits with(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(asMap());
        values.putAll(overrides);
        return parse(values);
    }

    private static QuotaLimits parse(Map<String, String> values) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(NAMES);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown quotas " + unknown + "; known: " + new TreeSet<>(NAMES));
        }
        try {
            return new QuotaLimits(
                    Double.parseDouble(values.get(REQUESTS_PER_SECOND)),
                    Long.parseLong(values.get(TOKENS_PER_MINUTE)),
                    Integer.parseInt(values.get(CONCURRENT_REQUESTS)),
                    Integer.parseInt(values.get(QUEUED_REQUESTS)),
                    Integer.parseInt(values.get(MAX_NEW_TOKENS)),
                    Integer.parseInt(values.get(ADAPTERS)),
                    Long.parseLong(values.get(ADAPTER_BYTES)),
                    Long.parseLong(values.get(UPLOAD_BYTES)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a quota is not a number: " + e.getMessage(), e);
        }
    }

    /** Every quota by name, as configured. */
    public Map<String, String> asMap() {
        return Map.of(
                REQUESTS_PER_SECOND,
                Double.toString(requestsPerSecond),
                TOKENS_PER_MINUTE,
                Long.toString(tokensPerMinute),
                CONCURRENT_REQUESTS,
                Integer.toString(concurrentRequests),
                QUEUED_REQUESTS,
                Integer.toString(queuedRequests),
                MAX_NEW_TOKENS,
                Integer.toString(maxNewTokens),
                ADAPTERS,
                Integer.toString(adapters),
                ADAPTER_BYTES,
                Long.toString(adapterBytes),
                UPLOAD_BYTES,
                Long.toString(uploadBytes));
    }
}

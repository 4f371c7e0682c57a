package io.swapgate.registry;

import java.util.Map;

/**
 * How to publish a staged adapter.
 *
 * @param promoteTo an alias to point at the new version as well as {@code latest}, or null
 */
public record PublishRequest(
        AdapterName name,
        String creator,
        String parentVersion,
        Map<String, String> labels,
        Map<String, Double> metrics,
        String promoteTo) {

    public PublishRequest {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        if (promoteTo != null) {
            AdapterReference.requireAlias(promoteTo);
        }
    }
}

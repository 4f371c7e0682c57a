package io.swapgate.registry;

import java.util.Map;

/**
 * What the registry records about one immutable adapter version.
 *
 * @param version sha256 (hex) over adapter_config.json then adapter_model.safetensors
 * @param kind lora, prompt, prefix or tempnet
 * @param rank the LoRA rank (0 for other kinds)
 * @param minRank a DyLoRA's smallest servable rank (0 for other kinds, and in metadata written before it was recorded)
 * @param sizeBytes bytes of the adapter's files
 * @param createdAt ISO-8601 instant of publication
 * @param parentVersion the version this one was trained from, or null
 * @param metrics evaluation results, e.g. {@code eval_loss}
 */
public record VersionMetadata(
        String name,
        String version,
        String kind,
        String baseModelName,
        String baseModelDigest,
        int rank,
        int minRank,
        long sizeBytes,
        String createdAt,
        String creator,
        String parentVersion,
        Map<String, String> labels,
        Map<String, Double> metrics) {

    public VersionMetadata {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
}

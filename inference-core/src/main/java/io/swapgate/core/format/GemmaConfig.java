package io.swapgate.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.swapgate.core.model.LlamaConfig;
import java.nio.file.Path;

/**
 * Gemma 2's and Gemma 3's traits from a Hugging Face {@code config.json} ({@code model_type} {@code gemma2},
 * {@code gemma3_text}). Which layers slide comes from {@code layer_types} where the file lists them, else from
 * {@code sliding_window_pattern} (Gemma 3) or every second layer (Gemma 2); a listing no fixed period describes is
 * refused.
 */
final class GemmaConfig {

    private GemmaConfig() {}

    static LlamaConfig.Gemma traits(Path file, JsonNode json, int headDim) {
        boolean gemma2 = json.path("model_type").asText().equals("gemma2");
        String activation =
                json.path("hidden_activation").asText(json.path("hidden_act").asText("gelu_pytorch_tanh"));
        if (!activation.equals("gelu_pytorch_tanh")) {
            throw new ModelFormatException(
                    file, "hidden_activation '" + activation + "' is not supported (supported: gelu_pytorch_tanh)");
        }
        float ropeTheta = (float) json.path("rope_theta").asDouble(10000);
        return new LlamaConfig.Gemma(
                (float) json.path("query_pre_attn_scalar").asDouble(headDim),
                (float) json.path("attn_logit_softcapping").asDouble(0),
                (float) json.path("final_logit_softcapping").asDouble(0),
                json.path("sliding_window").asInt(0),
                slidingPattern(file, json, gemma2 ? 2 : 6),
                gemma2 ? ropeTheta : (float) json.path("rope_local_base_freq").asDouble(10000),
                linearFactor(file, json.path("rope_scaling")));
    }

    /** Every n-th layer attends globally: n from layer_types (checked against every layer) or the config's pattern. */
    private static int slidingPattern(Path file, JsonNode json, int fallback) {
        JsonNode types = json.path("layer_types");
        if (!types.isArray() || types.isEmpty()) {
            return json.path("sliding_window_pattern").asInt(fallback);
        }
        int period = 0;
        while (period < types.size() && types.get(period).asText().equals("sliding_attention")) {
            period++;
        }
        int pattern = period + 1;
        for (int l = 0; l < types.size(); l++) {
            boolean sliding = (l + 1) % pattern != 0;
            if (!types.get(l).asText().equals(sliding ? "sliding_attention" : "full_attention")) {
                throw new ModelFormatException(
                        file, "layer_types " + types + " do not repeat one global layer every " + pattern);
            }
        }
        return pattern;
    }

    /** Gemma 3's {@code rope_scaling} of its global layers: linear or none. */
    private static float linearFactor(Path file, JsonNode scaling) {
        if (scaling.isMissingNode() || scaling.isNull()) {
            return 1f;
        }
        String type = scaling.path("rope_type").asText(scaling.path("type").asText(""));
        if (!type.equals("linear") && !type.equals("default")) {
            throw new ModelFormatException(
                    file, "rope_scaling type '" + type + "' is not supported for Gemma (supported: linear)");
        }
        return (float) scaling.path("factor").asDouble(1);
    }
}

package io.swapgate.core.training;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How well the served distribution predicts held-out completions.
 *
 * @param loss mean negative log-likelihood per completion token (nats)
 * @param exactMatch the share of examples whose whole completion greedy decoding reproduces
 * @param calibrationError expected calibration error of the top token's probability (10 equal-width bins): how far
 *                         the model's confidence is from how often its top token is the label
 */
public record EvalMetrics(double loss, double exactMatch, double calibrationError, int examples, int tokens) {

    public double perplexity() {
        return Math.exp(loss);
    }

    /** As registry metrics: {@code <prefix>loss}, {@code <prefix>perplexity}, {@code <prefix>exact_match}, ... */
    public Map<String, Double> asMap(String prefix) {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put(prefix + "loss", loss);
        map.put(prefix + "perplexity", perplexity());
        map.put(prefix + "exact_match", exactMatch);
        map.put(prefix + "calibration_error", calibrationError);
        map.put(prefix + "examples", (double) examples);
        return map;
    }
}

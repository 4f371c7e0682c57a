package io.swapgate.core.training;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How well the served distribution fits held-out examples, per signal. A figure whose signal the examples lack is NaN.
 *
 * @param loss mean negative log-likelihood per token of the completions to learn (plain completions and positively
 *             scored feedback), in nats
 * @param exactMatch the share of those completions that greedy decoding reproduces whole
 * @param calibrationError expected calibration error of the top token's probability (10 equal-width bins) on those
 *                         completions: how far the model's confidence is from how often its top token is the label
 * @param preferenceAccuracy the share of preferences whose implicit DPO reward margin over the base model is positive:
 *                           the chosen completion gained log-probability relative to the rejected one
 * @param rewardMargin the mean of that margin, β((log π(c) − log π_base(c)) − (log π(r) − log π_base(r)))
 * @param unlearnedLoss mean negative log-likelihood per token of negatively scored completions: higher is better
 */
public record EvalMetrics(
        double loss,
        double exactMatch,
        double calibrationError,
        double preferenceAccuracy,
        double rewardMargin,
        double unlearnedLoss,
        int examples,
        int tokens) {

    /** Metrics of completions only. */
    public EvalMetrics(double loss, double exactMatch, double calibrationError, int examples, int tokens) {
        this(loss, exactMatch, calibrationError, Double.NaN, Double.NaN, Double.NaN, examples, tokens);
    }

    public double perplexity() {
        return Math.exp(loss);
    }

    /** As registry metrics: {@code <prefix>loss}, {@code <prefix>perplexity}, ... (figures that are NaN left out). */
    public Map<String, Double> asMap(String prefix) {
        Map<String, Double> map = new LinkedHashMap<>();
        putFinite(map, prefix + "loss", loss);
        putFinite(map, prefix + "perplexity", perplexity());
        putFinite(map, prefix + "exact_match", exactMatch);
        putFinite(map, prefix + "calibration_error", calibrationError);
        putFinite(map, prefix + "preference_accuracy", preferenceAccuracy);
        putFinite(map, prefix + "reward_margin", rewardMargin);
        putFinite(map, prefix + "unlearned_loss", unlearnedLoss);
        map.put(prefix + "examples", (double) examples);
        return map;
    }

    private static void putFinite(Map<String, Double> map, String key, double value) {
        if (Double.isFinite(value)) {
            map.put(key, value);
        }
    }
}

package io.swapgate.e2e;

import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.sampling.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;

/**
 * Greedy decoding by {@link PlainJavaLlama} over a loaded model's weights: the reference engines are compared with.
 * Keeps, per step, the chosen token, the log-probabilities of every vocabulary entry, and the smallest top-2 logit
 * margin seen (a greedy comparison proves something only away from near ties).
 */
record GreedyReference(int[] tokens, List<double[]> logProbabilities, double smallestMargin) {

    static GreedyReference of(LoadedModel model, int[] prompt, int steps) {
        return of(model.config(), model.weights(), prompt, steps);
    }

    static GreedyReference of(LlamaConfig config, LlamaWeights weights, int[] prompt, int steps) {
        PlainJavaLlama plain = new PlainJavaLlama(config, weights, prompt.length + steps);
        float[] logits = null;
        for (int position = 0; position < prompt.length; position++) {
            logits = plain.forward(prompt[position], position);
        }
        int[] tokens = new int[steps];
        List<double[]> logProbabilities = new ArrayList<>();
        double smallestMargin = Double.MAX_VALUE;
        for (int step = 0; step < steps; step++) {
            int best = argmax(logits, -1);
            smallestMargin = Math.min(smallestMargin, logits[best] - logits[argmax(logits, best)]);
            tokens[step] = best;
            logProbabilities.add(logSoftmax(logits));
            logits = plain.forward(best, prompt.length + step);
        }
        return new GreedyReference(tokens, logProbabilities, smallestMargin);
    }

    /**
     * The largest difference between these log-probabilities and {@code others} (per step, per vocabulary entry); NaN
     * in {@code others} (a probability of 0) or a different shape makes it infinite.
     */
    double largestLogProbabilityDifference(List<double[]> others) {
        if (others.size() != logProbabilities.size()) {
            return Double.POSITIVE_INFINITY;
        }
        double largest = 0;
        for (int step = 0; step < others.size(); step++) {
            double[] ours = logProbabilities.get(step);
            double[] theirs = others.get(step);
            if (theirs.length != ours.length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int token = 0; token < ours.length; token++) {
                double difference = Math.abs(ours[token] - theirs[token]);
                largest = Double.isNaN(difference) ? Double.POSITIVE_INFINITY : Math.max(largest, difference);
            }
        }
        return largest;
    }

    /**
     * The largest difference between log-probabilities an engine reported (per token: the chosen token's and its
     * top alternatives') and the full rows of {@code rows} (llama.cpp's, or a reference's), after checking that the
     * alternatives are the most likely tokens of each row (up to ties within {@code tolerance}).
     */
    static double largestReportedDifference(List<TokenLogprobs> reported, List<double[]> rows, double tolerance) {
        if (reported.size() != rows.size()) {
            return Double.POSITIVE_INFINITY;
        }
        double largest = 0;
        for (int step = 0; step < rows.size(); step++) {
            TokenLogprobs ours = reported.get(step);
            double[] row = rows.get(step);
            largest = Math.max(largest, Math.abs(ours.logprob() - row[ours.token()]));
            for (int i = 0; i < ours.topTokens().length; i++) {
                largest = Math.max(largest, Math.abs(ours.topLogprobs()[i] - row[ours.topTokens()[i]]));
            }
            double[] sorted = row.clone();
            java.util.Arrays.sort(sorted);
            int listed = ours.topTokens().length;
            double firstUnlisted = sorted[sorted.length - 1 - listed];
            if (listed > 0 && ours.topLogprobs()[listed - 1] < firstUnlisted - tolerance) {
                return Double.POSITIVE_INFINITY; // a more likely token is missing from the alternatives
            }
        }
        return largest;
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logSum;
        }
        return out;
    }

    /** The index of the largest logit, skipping {@code except}. */
    private static int argmax(float[] logits, int except) {
        int best = -1;
        for (int i = 0; i < logits.length; i++) {
            if (i != except && (best < 0 || logits[i] > logits[best])) {
                best = i;
            }
        }
        return best;
    }
}

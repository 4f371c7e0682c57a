package io.swapgate.core.sampling;

import java.util.SplittableRandom;

/**
 * Picks next tokens for one sequence: repetition penalty, then greedy argmax or temperature, top-k and top-p
 * sampling from the request's own seeded random stream. Pure Java on the host, so the same seed and logits
 * give the same token on any batch composition.
 */
public final class TokenSampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private final boolean[] seen;

    public TokenSampler(SamplingParams params, int vocabSize, int[] promptTokens) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.seen = new boolean[vocabSize];
        for (int token : promptTokens) {
            seen[token] = true;
        }
    }

    /** Chooses the next token at the request's temperature; {@code logits} is modified in place. */
    public int next(float[] logits) {
        return next(logits, params.temperature());
    }

    /**
     * Chooses the next token at the given temperature (a TempNet's choice for this step); 0 is greedy.
     * {@code logits} is modified in place.
     */
    public int next(float[] logits, float temperature) {
        return next(logits, temperature, -1).token();
    }

    /**
     * Chooses the next token at the given temperature, and with {@code top} of 0 or more also its log-probability and
     * those of the {@code top} most likely tokens, from the distribution it was drawn from ({@link TokenLogprobs}).
     */
    public Choice next(float[] logits, float temperature, int top) {
        applyRepetitionPenalty(logits);
        Choice choice = temperature == 0f ? greedy(logits, top) : sample(logits, temperature, top);
        seen[choice.token()] = true;
        return choice;
    }

    /** A chosen token, with its log-probabilities when they were asked for (else null). */
    public record Choice(int token, TokenLogprobs logprobs) {}

    private void applyRepetitionPenalty(float[] logits) {
        float penalty = params.repetitionPenalty();
        if (penalty == 1f) {
            return;
        }
        for (int i = 0; i < logits.length; i++) {
            if (seen[i]) {
                logits[i] = logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty;
            }
        }
    }

    /** The first index of the largest logit (ties go to the lower id, as the reference implementation does). */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static Choice greedy(float[] logits, int top) {
        int token = argmax(logits);
        if (top < 0) {
            return new Choice(token, null);
        }
        double max = logits[token];
        double total = 0;
        for (float logit : logits) {
            total += Math.exp(logit - max);
        }
        double logTotal = max + Math.log(total);
        int possible = 0;
        for (float logit : logits) {
            possible += logit == Float.NEGATIVE_INFINITY ? 0 : 1;
        }
        // Tokens a grammar ruled out (logit minus infinity) are never listed.
        int count = Math.min(top, possible);
        int[] order = LogitOrder.first(logits, count);
        int[] tokens = new int[count];
        float[] logprobs = new float[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = order[i];
            logprobs[i] = (float) (logits[order[i]] - logTotal);
        }
        return new Choice(token, new TokenLogprobs(token, (float) (logits[token] - logTotal), tokens, logprobs));
    }

    private Choice sample(float[] logits, float temperature, int top) {
        int vocab = logits.length;
        int keep = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        int[] order = LogitOrder.first(logits, keep);

        double max = logits[order[0]];
        double[] weights = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            weights[i] = Math.exp((logits[order[i]] - max) / temperature);
            total += weights[i];
        }
        if (params.topP() < 1f) {
            double mass = 0;
            int nucleus = 0;
            while (nucleus < keep) {
                mass += weights[nucleus] / total;
                nucleus++;
                if (mass >= params.topP()) {
                    break;
                }
            }
            keep = nucleus;
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += weights[i];
            }
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        int chosen = keep - 1;
        for (int i = 0; i < keep; i++) {
            cumulative += weights[i];
            if (target < cumulative) {
                chosen = i;
                break;
            }
        }
        if (top < 0) {
            return new Choice(order[chosen], null);
        }
        double logTotal = Math.log(total);
        int count = Math.min(top, keep);
        while (count > 0 && logits[order[count - 1]] == Float.NEGATIVE_INFINITY) {
            count--; // ruled out by a grammar: never listed
        }
        int[] tokens = new int[count];
        float[] logprobs = new float[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = order[i];
            logprobs[i] = (float) ((logits[order[i]] - max) / temperature - logTotal);
        }
        // From the logits rather than log(weight), which a far-down token's underflow would make infinite.
        float logprob = (float) ((logits[order[chosen]] - max) / temperature - logTotal);
        return new Choice(order[chosen], new TokenLogprobs(order[chosen], logprob, tokens, logprobs));
    }
}

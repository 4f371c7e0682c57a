package io.swapgate.core.sampling;

import java.util.Arrays;
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
        applyRepetitionPenalty(logits);
        int token = temperature == 0f ? argmax(logits) : sample(logits, temperature);
        seen[token] = true;
        return token;
    }

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

    private int sample(float[] logits, float temperature) {
        int vocab = logits.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        // Stable sort by descending logit: equal logits keep id order, so results do not depend on the sort.
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;

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
        for (int i = 0; i < keep; i++) {
            cumulative += weights[i];
            if (target < cumulative) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}

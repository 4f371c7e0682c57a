package io.swapgate.core.sampling;

import java.util.List;

/**
 * How a request picks each next token.
 *
 * @param temperature 0 for greedy decoding, otherwise the softmax temperature
 * @param topK keep the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set of tokens whose probability reaches p; 1 keeps all
 * @param seed seed of the request's random stream; the same seed gives the same tokens
 * @param repetitionPenalty divides positive (multiplies negative) logits of tokens already seen; 1 disables
 * @param stop strings that end generation; they are not part of the output
 */
public record SamplingParams(
        float temperature, int topK, float topP, long seed, float repetitionPenalty, List<String> stop) {

    public static final int MAX_STOP_STRINGS = 16;
    public static final int MAX_STOP_LENGTH = 256;
    public static final float MAX_TEMPERATURE = 100f;
    public static final float MAX_REPETITION_PENALTY = 100f;

    public SamplingParams {
        stop = List.copyOf(stop);
    }

    public static SamplingParams greedy() {
        return sampled(0f, 0L);
    }

    /** Sampling at {@code temperature} from the request's own random stream, with no other filter or penalty. */
    public static SamplingParams sampled(float temperature, long seed) {
        return new SamplingParams(temperature, 0, 1f, seed, 1f, List.of());
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, seed, repetitionPenalty, stop);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, seed, repetitionPenalty, stop);
    }

    public SamplingParams withRepetitionPenalty(float penalty) {
        return new SamplingParams(temperature, topK, topP, seed, penalty, stop);
    }

    public SamplingParams withStop(List<String> strings) {
        return new SamplingParams(temperature, topK, topP, seed, repetitionPenalty, strings);
    }

    /** Returns a description of the first invalid value, or null when all are valid. */
    public String problem() {
        if (!Float.isFinite(temperature) || temperature < 0 || temperature > MAX_TEMPERATURE) {
            return "temperature must be between 0 and " + MAX_TEMPERATURE + ", got " + temperature;
        }
        if (topK < 0) {
            return "top_k must not be negative, got " + topK;
        }
        if (!Float.isFinite(topP) || topP <= 0 || topP > 1) {
            return "top_p must be in (0, 1], got " + topP;
        }
        if (!Float.isFinite(repetitionPenalty)
                || repetitionPenalty <= 0
                || repetitionPenalty > MAX_REPETITION_PENALTY) {
            return "repetition_penalty must be in (0, " + MAX_REPETITION_PENALTY + "], got " + repetitionPenalty;
        }
        if (stop.size() > MAX_STOP_STRINGS) {
            return "at most " + MAX_STOP_STRINGS + " stop strings are allowed, got " + stop.size();
        }
        for (String s : stop) {
            if (s.isEmpty() || s.length() > MAX_STOP_LENGTH) {
                return "stop strings must have 1 to " + MAX_STOP_LENGTH + " characters";
            }
        }
        return null;
    }
}

package io.swapgate.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Log-probabilities come from the distribution each token was drawn from, filters and temperature included. */
class TokenSamplerLogprobsTest {

    private static final float[] LOGITS = {1f, 3f, 0f, 2f, -1f, 3f};
    private static final int[] PROMPT = {0};

    @Test
    void greedyStepsReportTheModelsOwnDistribution() {
        TokenSampler sampler = new TokenSampler(SamplingParams.greedy(), LOGITS.length, PROMPT);
        TokenSampler.Choice choice = sampler.next(LOGITS.clone(), 0f, 3);
        double logTotal = Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(0) + Math.exp(2) + Math.exp(-1));
        assertEquals(1, choice.token(), "the first of the two largest logits");
        assertEquals(3 - logTotal, choice.logprobs().logprob(), 1e-6);
        assertArrayEquals(new int[] {1, 5, 3}, choice.logprobs().topTokens(), "most likely first, ties in id order");
        assertArrayEquals(
                new float[] {(float) (3 - logTotal), (float) (3 - logTotal), (float) (2 - logTotal)},
                choice.logprobs().topLogprobs(),
                1e-6f);
    }

    @Test
    void sampledStepsDivideByTheTemperatureAndRenormaliseOverWhatTopKKeeps() {
        SamplingParams params = SamplingParams.sampled(0.5f, 42).withTopK(3);
        TokenSampler sampler = new TokenSampler(params, LOGITS.length, PROMPT);
        TokenSampler.Choice choice = sampler.next(LOGITS.clone(), 0.5f, 20);
        // Kept: tokens 1, 5 (logit 3) and 3 (logit 2); at temperature 0.5 their weights are e^6, e^6, e^4.
        double logTotal = Math.log(2 * Math.exp(6) + Math.exp(4));
        assertArrayEquals(new int[] {1, 5, 3}, choice.logprobs().topTokens(), "no token top-k removed is listed");
        assertArrayEquals(
                new float[] {(float) (6 - logTotal), (float) (6 - logTotal), (float) (4 - logTotal)},
                choice.logprobs().topLogprobs(),
                1e-6f);
        int chosen = choice.token();
        assertTrue(chosen == 1 || chosen == 5 || chosen == 3, "sampled from the kept tokens, got " + chosen);
        assertEquals(2 * LOGITS[chosen] - logTotal, choice.logprobs().logprob(), 1e-6);
    }

    @Test
    void topPKeepsTheNucleusOnly() {
        // At temperature 1 tokens 1 and 5 hold 2 e^3 / (2 e^3 + e^2 + e + 1 + e^-1) = 0.78 of the mass.
        SamplingParams params = SamplingParams.sampled(1f, 7).withTopP(0.75f);
        TokenSampler.Choice choice = new TokenSampler(params, LOGITS.length, PROMPT).next(LOGITS.clone(), 1f, 5);
        assertArrayEquals(new int[] {1, 5}, choice.logprobs().topTokens());
        assertArrayEquals(
                new float[] {(float) Math.log(0.5), (float) Math.log(0.5)},
                choice.logprobs().topLogprobs(),
                1e-6f);
    }

    @Test
    void theRepetitionPenaltyIsPartOfTheDistribution() {
        SamplingParams params = SamplingParams.greedy().withRepetitionPenalty(3f);
        TokenSampler sampler = new TokenSampler(params, LOGITS.length, new int[] {1});
        TokenSampler.Choice choice = sampler.next(LOGITS.clone(), 0f, 1);
        assertEquals(5, choice.token(), "token 1 was seen, so its logit 3 became 1");
        double logTotal = Math.log(Math.exp(1) + Math.exp(1) + Math.exp(0) + Math.exp(2) + Math.exp(-1) + Math.exp(3));
        assertEquals(3 - logTotal, choice.logprobs().logprob(), 1e-6);
    }

    @Test
    void noLogprobsAreComputedUnlessAskedFor() {
        TokenSampler sampler = new TokenSampler(SamplingParams.greedy(), LOGITS.length, PROMPT);
        assertNull(sampler.next(LOGITS.clone(), 0f, -1).logprobs());
        TokenSampler.Choice chosenOnly = sampler.next(LOGITS.clone(), 0f, 0);
        assertEquals(0, chosenOnly.logprobs().topTokens().length);
    }
}

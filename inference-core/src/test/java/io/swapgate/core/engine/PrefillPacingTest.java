package io.swapgate.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Prompt tokens per step from recorded step times (milliseconds here, as nanoseconds). */
class PrefillPacingTest {

    private static final long MS = 1_000_000;

    @Test
    void withNothingToStallOrNothingMeasuredAStepGetsTheWholeBudget() {
        PrefillPacing pacing = new PrefillPacing(64, 1.5, 8);
        assertEquals(64, pacing.tokens(4, 0), "nothing measured yet");
        pacing.record(4, 20 * MS);
        assertEquals(64, pacing.tokens(0, 0), "no decode rows");
        PrefillPacing off = new PrefillPacing(64, 0, 8);
        off.record(4, 20 * MS);
        off.record(8, 40 * MS);
        assertEquals(64, off.tokens(4, 0), "pacing off");
    }

    @Test
    void aStepCarriesTheTokensThatKeepItWithinTheStretchOfTheDecodeRowsAlone() {
        // The shape measured on 2 cores: flat while the weights' reads bind, then about 5 ms a token.
        PrefillPacing pacing = measured(64, 2, 32, 1, 13, 4, 18, 8, 40, 16, 76);
        // 4 rows alone: 18 ms; within 36 ms: 7 tokens in all (34.5 ms by interpolation), not 8 (40 ms).
        assertEquals(3, pacing.tokens(4, 0));
        // 1 row alone: 13 ms; within 26 ms: 5 tokens in all (23.5 ms), not 6 (29 ms).
        assertEquals(4, pacing.tokens(1, 0));
        // 16 rows: 76 ms, doubled is 152: beyond every measured count, in proportion to 16 tokens' time: 32 tokens.
        assertEquals(16, pacing.tokens(16, 0));
    }

    @Test
    void rowsAboutToJoinSetThePaceAStepIsStretchedFrom() {
        PrefillPacing pacing = measured(256, 3, 32, 2, 15, 7, 25, 32, 80);
        // 2 rows alone: 15 ms, tripled 45: by interpolation 16 tokens in all take 44.8 ms, 17 take 47.
        assertEquals(14, pacing.tokens(2, 0));
        // 30 requests waiting for a slot will decode with them at 80 ms a step: 240 ms, 96 tokens in proportion to 32.
        assertEquals(94, pacing.tokens(2, 30));
        assertEquals(94, pacing.tokens(2, 100), "no more rows join than the batch has");
    }

    @Test
    void aColdFirstStepAtASmallCountNoLongerHoldsPromptsBackOnceALargerStepIsMeasured() {
        // 5 tokens first, in 734 ms: a process's first step, the JIT still compiling.
        PrefillPacing pacing = measured(256, 3, 32, 5, 734, 1, 15, 32, 130);
        assertEquals(130 * MS, pacing.estimate(5), 1, "no dearer than the 32-token step");
        // 1 row decoding and 31 joining: 390 ms. Flat at 130 ms up to 32 tokens, then in proportion: 96 in all fit.
        // Interpolated up to the cold 734 ms, 4 tokens in all would have taken 554 ms and the step carried 2.
        assertEquals(95, pacing.tokens(1, 31));
    }

    @Test
    void aStepThatCostsMoreThanTheStretchStillCarriesOneToken() {
        PrefillPacing pacing = new PrefillPacing(64, 1.5, 8);
        pacing.record(2, 10 * MS);
        pacing.record(3, 100 * MS);
        assertEquals(1, pacing.tokens(2, 0));
    }

    @Test
    void theBudgetCapsWhatCheapStepsAllow() {
        PrefillPacing pacing = new PrefillPacing(16, 4, 64);
        pacing.record(32, 100 * MS);
        pacing.record(48, 101 * MS);
        assertEquals(16, pacing.tokens(32, 0));
    }

    @Test
    void aLargeBudgetIsGivenWholeWhenEveryStepFitsAndAStepSoonPastTheLimitStopsIt() {
        PrefillPacing pacing = new PrefillPacing(50_000, 100, 2_000);
        pacing.record(1_000, 100 * MS);
        assertEquals(50_000, pacing.tokens(1_000, 0), "in proportion, 51,000 tokens take 5.1 s, within 10 s");
        PrefillPacing steep = new PrefillPacing(50_000, 100, 2_000);
        steep.record(1_100, 100_000 * MS); // measured first, so nothing caps it
        steep.record(1_000, 100 * MS);
        assertEquals(9, steep.tokens(1_000, 0), "by interpolation 1,009 tokens in all take 9.1 s, 1,010 take 10.1");
    }

    @Test
    void estimatesFollowTheNewestSteps() {
        PrefillPacing pacing = new PrefillPacing(64, 1.5, 8);
        pacing.record(4, 20 * MS);
        assertEquals(2, pacing.tokens(4, 0), "in proportion to one measured count: 6 tokens take 30 ms");
        pacing.record(6, 40 * MS);
        for (int i = 0; i < 20; i++) {
            pacing.record(6, 24 * MS);
        }
        assertTrue(pacing.estimate(6) < 25 * MS, "the average moved to the newest steps: " + pacing.estimate(6));
        assertEquals(3, pacing.tokens(4, 0), "in proportion to 6's 24 ms, 7 tokens take 28 ms and 8 would take 32");
    }

    @Test
    void aSlowStepAtACountTheBudgetKeepsStepsFromReachingStopsLimitingItOnceItAgesOut() {
        PrefillPacing pacing = new PrefillPacing(64, 3, 32);
        pacing.record(12, 330 * MS); // a cold first step, a few tokens above where the streams run
        for (int i = 0; i < PrefillPacing.MAX_AGE; i++) {
            pacing.record(7 + i % 2, 40 * MS);
        }
        assertEquals(2, pacing.tokens(7, 0), "between 8's 40 ms and 12's 330, 9 tokens take 112 ms and 10 take 185");
        pacing.record(8, 40 * MS);
        assertEquals(17, pacing.tokens(7, 0), "12's measurement aged out: in proportion to 8's, 24 tokens take 120 ms");
    }

    @Test
    void aStepFarSlowerThanItsEstimateCountsAsTwiceTheEstimate() {
        PrefillPacing pacing = new PrefillPacing(64, 3, 8);
        pacing.record(4, 20 * MS);
        pacing.record(4, 400 * MS); // a pause: counted as 40 ms
        assertEquals(25 * MS, pacing.estimate(4), 1, "a quarter of the way from 20 ms to 40");
        pacing.record(8, 1_000 * MS); // no count above 4 measured: twice 4's estimate in proportion, 100 ms
        assertEquals(100 * MS, pacing.estimate(8), 1);
    }

    @Test
    void stepsOutsideWhatIsTrackedAreIgnoredAndBadSettingsRefused() {
        PrefillPacing pacing = new PrefillPacing(4, 1.5, 4);
        pacing.record(0, 10 * MS);
        pacing.record(9, 10 * MS);
        pacing.record(3, -1);
        assertTrue(Double.isNaN(pacing.estimate(3)));
        assertThrows(IllegalArgumentException.class, () -> new PrefillPacing(64, 0.5, 8));
        assertThrows(IllegalArgumentException.class, () -> new PrefillPacing(0, 1.5, 8));
        assertThrows(
                IllegalArgumentException.class,
                () -> EngineConfig.builder().prefillStretch(0.5).build());
    }

    /** Pacing with step times recorded in order, given as pairs of a token count and milliseconds. */
    private static PrefillPacing measured(int budget, double stretch, int rows, long... tokensAndMs) {
        PrefillPacing pacing = new PrefillPacing(budget, stretch, rows);
        for (int i = 0; i < tokensAndMs.length; i += 2) {
            pacing.record(Math.toIntExact(tokensAndMs[i]), tokensAndMs[i + 1] * MS);
        }
        return pacing;
    }
}

package io.swapgate.retraining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.training.EvalMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The retraining policy, the held-out split and the evaluation gate. */
class RetrainingRulesTest {

    private static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");

    @Test
    void thePolicyWaitsForEnoughExamplesOrTimeAndRespectsTheCooldown() {
        RetrainingPolicy policy = new RetrainingPolicy(100, Duration.ofMinutes(10), Duration.ofMinutes(1));
        assertFalse(policy.due(0, T0, null, T0.plusSeconds(3600)));
        assertFalse(policy.due(99, T0, null, T0.plusSeconds(60)));
        assertTrue(policy.due(100, T0, null, T0.plusSeconds(1)));
        assertTrue(policy.due(1, T0, null, T0.plusSeconds(600)));
        assertFalse(policy.due(500, T0, T0.plusSeconds(30), T0.plusSeconds(60)));
        assertTrue(policy.due(500, T0, T0.plusSeconds(30), T0.plusSeconds(90)));
    }

    @Test
    void theSplitIsStableByIdAndNearItsFraction() {
        HeldOutSplit split = new HeldOutSplit(0.1);
        long held = IntStream.range(0, 10_000)
                .filter(i -> split.heldOut("example-" + i))
                .count();
        assertTrue(held > 900 && held < 1100, held + " of 10000 held out");
        assertEquals(split.heldOut("abc"), new HeldOutSplit(0.1).heldOut("abc"));
    }

    @Test
    void theGatePromotesOnlyClearImprovementsThatKeepWhatWasLearned() {
        EvaluationGate gate = new EvaluationGate(0.02, 0.1);
        EvalMetrics base = new EvalMetrics(3.0, 0.0, 0.0, 20, 100);
        assertTrue(gate.decide(new EvalMetrics(0.1, 1.0, 0.0, 20, 100), base, null, null)
                .promote());
        // Not enough better.
        assertFalse(gate.decide(new EvalMetrics(2.99, 0.0, 0.0, 20, 100), base, null, null)
                .promote());
        // Lower loss from hedging, but no more exact answers right.
        EvaluationGate.Decision hedging = gate.decide(
                new EvalMetrics(0.2, 0.6, 0.0, 60, 300), new EvalMetrics(1.4, 0.6, 0.0, 60, 300), null, null);
        assertFalse(hedging.promote());
        assertTrue(hedging.reason().contains("exact match"), hedging.reason());
        // Better on the new examples, worse on those the current version was evaluated on.
        EvaluationGate.Decision forgetting = gate.decide(
                new EvalMetrics(0.5, 0.9, 0.0, 60, 300),
                new EvalMetrics(1.4, 0.6, 0.0, 60, 300),
                new EvalMetrics(0.7, 0.5, 0.0, 20, 100),
                new EvalMetrics(0.01, 1.0, 0.0, 20, 100));
        assertFalse(forgetting.promote());
        assertTrue(forgetting.reason().contains("contradict"), forgetting.reason());
    }

    /** The demo TempNet of the issue: better than the base at 1.0 but not than the best fixed temperature. */
    @Test
    void aTempNetMustBeatTheBestFixedTemperatureNotTheBaseAtOne() {
        EvaluationGate gate = new EvaluationGate(0.02, 0.1);
        EvalMetrics baseAtOne = new EvalMetrics(2.0, 0.4, 0.1, 20, 100);
        EvalMetrics fixed = new EvalMetrics(1.5, 0.4, 0.05, 20, 100);
        EvaluationGate.Decision flattening =
                gate.decideTempNet(new EvalMetrics(1.6, 0.4, 0.05, 20, 100), baseAtOne, fixed, 1.8, null, null);
        assertFalse(flattening.promote());
        assertTrue(flattening.reason().contains("best fixed temperature"), flattening.reason());
        // Exact match cannot move with a temperature: an equal one does not block a TempNet.
        assertTrue(gate.decideTempNet(new EvalMetrics(1.2, 0.4, 0.05, 20, 100), baseAtOne, fixed, 1.8, null, null)
                .promote());
        // It must beat the current TempNet too.
        assertFalse(gate.decideTempNet(
                        new EvalMetrics(1.2, 0.4, 0.05, 20, 100),
                        new EvalMetrics(1.19, 0.4, 0.0, 20, 100),
                        fixed,
                        1.8,
                        null,
                        null)
                .promote());
    }

    @Test
    void preferencesAndNegativeFeedbackAreJudgedOnTheirOwnSignal() {
        EvaluationGate gate = new EvaluationGate(0.02, 0.1);
        double nan = Double.NaN;
        EvalMetrics base = new EvalMetrics(nan, nan, nan, 0.0, 0.0, 2.0, 20, 0);
        assertTrue(gate.decide(new EvalMetrics(nan, nan, nan, 1.0, 0.8, 2.5, 20, 0), base, null, null)
                .promote());
        EvaluationGate.Decision noMargin =
                gate.decide(new EvalMetrics(nan, nan, nan, 0.6, -0.1, 2.5, 20, 0), base, null, null);
        assertFalse(noMargin.promote());
        assertTrue(noMargin.reason().contains("reward margin"), noMargin.reason());
        EvaluationGate.Decision stillSaid =
                gate.decide(new EvalMetrics(nan, nan, nan, 1.0, 0.8, 2.01, 20, 0), base, null, null);
        assertFalse(stillSaid.promote());
        assertTrue(stillSaid.reason().contains("unlearn"), stillSaid.reason());
    }
}

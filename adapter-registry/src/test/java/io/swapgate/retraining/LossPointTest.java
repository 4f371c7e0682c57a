package io.swapgate.retraining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LossPointTest {

    private static List<LossPoint> curve(int totalSteps, int reportEvery, int validateEvery) {
        List<LossPoint> curve = List.of();
        for (int step = reportEvery; step <= totalSteps; step += reportEvery) {
            curve = LossPoint.appended(
                    curve, new LossPoint(step, 1.0 / step, step % validateEvery == 0 ? 0.5 : null), totalSteps);
        }
        return curve;
    }

    @Test
    void aShortJobKeepsEveryReportedStep() {
        List<LossPoint> curve = curve(120, 4, 40);
        assertEquals(30, curve.size());
        assertEquals(0.5, curve.get(9).validationLoss(), "step 40 was validated");
    }

    @Test
    void aLongJobIsThinnedEvenlyKeepingItsValidationsAndItsLatestStep() {
        int steps = 100_000;
        List<LossPoint> curve = curve(steps, 1, 10_000);
        assertTrue(curve.size() <= LossPoint.MAX_POINTS + 10, "bounded: " + curve.size());
        assertTrue(curve.size() >= LossPoint.MAX_POINTS - 1, "but not thinner than it needs: " + curve.size());
        assertEquals(steps, curve.get(curve.size() - 1).step(), "the latest step is last");
        assertEquals(10, curve.stream().filter(p -> p.validationLoss() != null).count(), "every validation is kept");
        int width = (steps + LossPoint.MAX_POINTS - 1) / LossPoint.MAX_POINTS;
        for (int i = 1; i < curve.size(); i++) {
            int gap = curve.get(i).step() - curve.get(i - 1).step();
            assertTrue(gap > 0 && gap <= width, "evenly spaced, in step order: gap " + gap + " at " + curve.get(i));
        }
    }

    @Test
    void anAttemptThatResumesReplacesTheCurveAfterItsCheckpointAndAFreshOneReplacesItAll() {
        List<LossPoint> interrupted = curve(120, 1, 40).subList(0, 57); // stopped after step 57
        List<LossPoint> resumed = LossPoint.appended(interrupted, new LossPoint(41, 0.25, null), 120);
        assertEquals(41, resumed.size(), "steps 1 to 40, then 41 again");
        assertEquals(0.25, resumed.get(40).trainLoss());
        assertEquals(0.5, resumed.get(39).validationLoss(), "step 40's validation, before the checkpoint, stays");

        List<LossPoint> fresh = LossPoint.appended(interrupted, new LossPoint(1, 2.0, null), 120);
        assertEquals(List.of(new LossPoint(1, 2.0, null)), fresh);
    }
}

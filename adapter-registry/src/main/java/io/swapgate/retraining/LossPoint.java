package io.swapgate.retraining;

import java.util.ArrayList;
import java.util.List;

/**
 * One point of a job's loss curve.
 *
 * @param validationLoss the validation loss measured at this step, or null when none was
 */
public record LossPoint(int step, double trainLoss, Double validationLoss) {

    /** A job's curve has about this many points at most, however many steps it runs. */
    static final int MAX_POINTS = 256;

    /**
     * {@code curve} with {@code point} added. The job's steps are split into {@link #MAX_POINTS} equal buckets and
     * each bucket keeps its latest point, so the curve is evenly spaced, bounded, and ends at the latest step. A point
     * with a validation loss is never replaced. Points at or after {@code point}'s step are dropped first: they are
     * from an attempt that a stop interrupted, and this one went on from an earlier step (or from the first).
     */
    static List<LossPoint> appended(List<LossPoint> curve, LossPoint point, int totalSteps) {
        int width = Math.max(1, (totalSteps + MAX_POINTS - 1) / MAX_POINTS);
        List<LossPoint> next = new ArrayList<>(curve);
        next.removeIf(earlier -> earlier.step() >= point.step());
        if (!next.isEmpty()) {
            LossPoint last = next.get(next.size() - 1);
            if (last.step() / width == point.step() / width && last.validationLoss() == null) {
                next.remove(next.size() - 1);
            }
        }
        next.add(point);
        return List.copyOf(next);
    }
}

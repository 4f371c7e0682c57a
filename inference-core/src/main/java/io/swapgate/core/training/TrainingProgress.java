package io.swapgate.core.training;

/**
 * Where a training run is after a step.
 *
 * @param trainLoss the step's mean loss per target (the DRO loss for a TempNet)
 * @param validationLoss the latest validation NLL per token, NaN before the first or without a validation split
 * @param resumedFrom the step of the checkpoint this run went on from, 0 when it started afresh
 */
public record TrainingProgress(
        int step,
        int totalSteps,
        double trainLoss,
        double validationLoss,
        long elapsedMillis,
        long etaMillis,
        int resumedFrom) {}

package io.swapgate.core.training;

/**
 * Where a training run is after a step.
 *
 * @param trainLoss the step's mean loss per target (the DRO loss for a TempNet)
 * @param validationLoss the latest validation NLL per token, NaN before the first or without a validation split
 */
public record TrainingProgress(int step, int totalSteps, double trainLoss, double validationLoss, long elapsedMillis,
                               long etaMillis) {}

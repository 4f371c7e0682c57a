package io.swapgate.core.training;

import io.swapgate.core.adapter.Adapter;

/**
 * A finished run: the adapter (its best validated parameters when there was a validation split).
 *
 * @param stoppedEarly whether validation stopped improving before the last step
 */
public record TrainingResult(
        Adapter adapter, int steps, boolean stoppedEarly, double trainLoss, double validationLoss) {}

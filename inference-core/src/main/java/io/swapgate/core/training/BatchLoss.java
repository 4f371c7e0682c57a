package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** The loss training minimises, summed over a batch's targets (a scalar). */
@FunctionalInterface
interface BatchLoss {

    NDArray of(TokenBatch batch, NDManager scope);
}

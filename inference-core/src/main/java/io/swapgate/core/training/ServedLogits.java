package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** The logits serving would sample from (a TempNet's temperature applied) at each target's position: [targets, vocab]. */
@FunctionalInterface
interface ServedLogits {

    NDArray of(TokenBatch batch, NDManager scope);
}

package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.LoraModule;

/** Low-rank updates to the base's linear layers: the batched slot table when serving, trainable factors when training. */
public interface LoraUpdate {

    /** The output of {@code module} in {@code layer} with its update: {@code base} = x W^T plus the update for x. */
    NDArray apply(LoraModule module, int layer, NDArray x, NDArray base);

    /** The input of {@code module} in {@code layer} as multiplied: x, or x scaled per row (an IA3 feed-forward module). */
    default NDArray scaleInput(LoraModule module, int layer, NDArray x) {
        return x;
    }
}

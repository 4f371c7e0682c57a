package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.LoraModule;

/** Low-rank updates to the base's linear layers: the batched slot table when serving, trainable factors when training. */
public interface LoraUpdate {

    /** The output of {@code module} in {@code layer} with its update: {@code base} = x W^T plus the update for x. */
    NDArray apply(LoraModule module, int layer, NDArray x, NDArray base);
}

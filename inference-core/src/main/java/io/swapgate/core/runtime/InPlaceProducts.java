package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.LoraModule;

/**
 * One step's LoRA products read straight from the slot table, each row's from its own slot, with no factor gathered:
 * the BGMV of Punica and S-LoRA.
 */
interface InPlaceProducts {

    /**
     * ((x A^T) * c) B^T for every row's own factors in {@code layer}: x [rows, tokens, in], c each row's scale over
     * the ranks it serves (0 beyond); [rows, tokens, out].
     */
    NDArray times(LoraModule module, int layer, NDArray x);
}

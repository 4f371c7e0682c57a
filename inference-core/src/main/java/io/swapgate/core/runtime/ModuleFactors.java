package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;

/**
 * What one step multiplies a module's rows by: their LoRA factors, narrowed to the ranks served, and the scales their
 * adapters put on the module's outputs (DoRA, IA3) and inputs (IA3's feed-forward modules). Shared arrays (every row
 * on one slot) have the layer axis first; gathered ones a row axis before it.
 *
 * @param aT A^T, [layers, in, r] or [rows, layers, in, r]; null when the rows' products are read from the slot table in
 *     place ({@link InPlaceLowRank})
 * @param bT B^T, [layers, r, out] or [rows, layers, r, out]; null with {@code aT}
 * @param outputScales [layers, out] or [rows, layers, out]; null when no row's adapter scales the outputs
 * @param inputScales [layers, in] or [rows, layers, in]; null when no row's adapter scales the inputs
 */
record ModuleFactors(NDArray aT, NDArray bT, NDArray outputScales, NDArray inputScales) {

    /** Whether the products must be read from the slot table, the factors not being at hand. */
    boolean inPlace() {
        return aT == null;
    }

    /** These scales with the rows' gathered factors. */
    ModuleFactors withFactors(NDArray gatheredAT, NDArray gatheredBT) {
        return new ModuleFactors(gatheredAT, gatheredBT, outputScales, inputScales);
    }
}

package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;

/**
 * What an adapter adds to a whole-sequence forward pass ({@link SequenceForward}): arrays that may require gradients,
 * so that training reaches them and nothing else. Every hook is optional.
 */
public interface SequenceHooks {

    /** The base model alone. */
    SequenceHooks NONE = new SequenceHooks() {};

    /** Prompt tuning: learned input embeddings [n, dim] placed before every row's tokens, or null. */
    default NDArray virtualTokens() {
        return null;
    }

    /** Prefix tuning: the layer's learned keys ({@code value} false) or values, [n, kvDim], or null. */
    default NDArray prefix(int layer, boolean value) {
        return null;
    }

    /** LoRA updates to the linear layers, or null. */
    default LoraUpdate lora() {
        return null;
    }
}

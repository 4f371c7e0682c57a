package io.swapgate.core.engine;

/** Why a sequence stopped. */
public enum FinishReason {
    /** max_new_tokens reached. */
    LENGTH,
    /** A stop string appeared. */
    STOP,
    /** The model produced end-of-sequence. */
    EOS,
    /** The caller cancelled, or the engine shut down. */
    CANCELLED,
    /** The request's deadline passed. */
    DEADLINE
}

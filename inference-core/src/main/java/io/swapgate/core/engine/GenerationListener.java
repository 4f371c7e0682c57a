package io.swapgate.core.engine;

/**
 * Receives a request's output on the engine thread. Implementations must return quickly and never block:
 * the engine thread serves every request.
 */
public interface GenerationListener {

    /** The next piece of text, the tokens it was decoded from and, when asked for, their temperatures. */
    void onText(TextChunk chunk);

    /** The request ended; called exactly once unless {@link #onError} is called instead. */
    void onFinish(FinishReason reason, Usage usage);

    /** The request failed inside the engine. */
    void onError(Throwable error);
}

package io.swapgate.core.engine;

/** A submitted request; cancelling it frees its batch slot and KV cache at the engine's next step. */
public final class GenerationHandle {

    private final String requestId;
    private volatile boolean cancelled;

    GenerationHandle(String requestId) {
        this.requestId = requestId;
    }

    public String requestId() {
        return requestId;
    }

    /** Idempotent; harmless after the request has finished. */
    public void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }
}

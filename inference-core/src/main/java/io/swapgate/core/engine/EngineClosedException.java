package io.swapgate.core.engine;

/** The engine is shutting down and admits nothing new. */
public class EngineClosedException extends RuntimeException {
    public EngineClosedException() {
        super("the engine is shutting down");
    }
}

package io.swapgate.core.engine;

/** The admission queue is full; the caller should retry later. */
public class QueueFullException extends RuntimeException {
    public QueueFullException(int capacity) {
        super("the engine queue is full (" + capacity + " requests waiting); retry later");
    }
}

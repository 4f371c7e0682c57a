package io.swapgate.core.engine;

/** A request the engine cannot serve as given; the message says what to change. */
public class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message);
    }
}

package io.swapgate.gateway.tenancy;

/** A call without a valid API key. */
public final class UnauthenticatedException extends RuntimeException {
    UnauthenticatedException(String message) {
        super(message);
    }
}

package io.swapgate.gateway.tenancy;

/** An authenticated caller asked for something its tenant and roles do not allow. */
public final class AccessDeniedException extends RuntimeException {
    AccessDeniedException(String message) {
        super(message);
    }
}

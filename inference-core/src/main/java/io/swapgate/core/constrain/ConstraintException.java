package io.swapgate.core.constrain;

/** A pattern or schema that cannot be enforced, with the construct named: the request's fault. */
public final class ConstraintException extends IllegalArgumentException {

    public ConstraintException(String message) {
        super(message);
    }
}

package io.swapgate.registry;

/** A registry operation that cannot be done; {@link #reason} says which kind of failure it is. */
public class RegistryException extends RuntimeException {

    public enum Reason {
        /** No such adapter, version or alias. */
        NOT_FOUND,
        /** The version already exists under that name. */
        ALREADY_EXISTS,
        /** The registry's state forbids it (an alias points at the version, requests use it, no history to roll back). */
        FAILED_PRECONDITION
    }

    private final Reason reason;

    public RegistryException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

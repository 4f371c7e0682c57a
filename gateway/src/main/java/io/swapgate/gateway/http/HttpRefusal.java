package io.swapgate.gateway.http;

/** A request refused for its HTTP form (its media type, its size, its Host) before anything else looked at it. */
public final class HttpRefusal extends RuntimeException {

    private final int status;

    public HttpRefusal(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }
}

package io.swapgate.core.engine;

/** The admission queue, or the tenant's part of it, is full; the caller should retry later. */
public class QueueFullException extends RuntimeException {

    private final String tenant;

    private QueueFullException(String tenant, String message) {
        super(message);
        this.tenant = tenant;
    }

    static QueueFullException engine(int capacity) {
        return new QueueFullException(
                null, "the engine queue is full (" + capacity + " requests waiting); retry later");
    }

    static QueueFullException tenant(String tenant, int limit) {
        return new QueueFullException(
                tenant,
                "quota queued-requests exceeded: tenant '" + tenant + "' already has " + limit
                        + " requests waiting for a slot; retry later");
    }

    /** The tenant whose own queue limit was hit, or null when the whole queue is full. */
    public String tenant() {
        return tenant;
    }
}

package io.swapgate.gateway.serving;

import io.grpc.Status;
import io.swapgate.core.adapter.UnservableAdapterException;
import io.swapgate.core.engine.EngineClosedException;
import io.swapgate.core.engine.InvalidRequestException;
import io.swapgate.core.engine.QueueFullException;
import io.swapgate.gateway.http.HttpRefusal;
import io.swapgate.gateway.tenancy.AccessDeniedException;
import io.swapgate.gateway.tenancy.QuotaExceededException;
import io.swapgate.gateway.tenancy.UnauthenticatedException;
import io.swapgate.registry.RegistryException;
import io.swapgate.retraining.TooManyJobsException;
import java.time.Duration;

/** The gRPC status code of each failure the gateway knows, shared by the gRPC and HTTP front ends and the metrics. */
public final class FailureStatus {

    /** How long a caller refused for a full engine queue should wait: a guess, since slots free as streams end. */
    public static final Duration QUEUE_FULL_RETRY = Duration.ofSeconds(1);

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FailureStatus.class);

    private FailureStatus() {}

    public static Status.Code of(Throwable error) {
        if (error instanceof InvalidRequestException || error instanceof IllegalArgumentException) {
            return Status.Code.INVALID_ARGUMENT;
        }
        if (error instanceof RegistryException registryError) {
            return switch (registryError.reason()) {
                case NOT_FOUND -> Status.Code.NOT_FOUND;
                case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            };
        }
        if (error instanceof UnservableAdapterException) {
            return Status.Code.FAILED_PRECONDITION;
        }
        if (error instanceof QueueFullException
                || error instanceof QuotaExceededException
                || error instanceof TooManyJobsException) {
            return Status.Code.RESOURCE_EXHAUSTED;
        }
        if (error instanceof AccessDeniedException) {
            return Status.Code.PERMISSION_DENIED;
        }
        if (error instanceof UnauthenticatedException) {
            return Status.Code.UNAUTHENTICATED;
        }
        if (error instanceof HttpRefusal refusal) {
            return refusal.status() == 403 ? Status.Code.PERMISSION_DENIED : Status.Code.INVALID_ARGUMENT;
        }
        if (error instanceof EngineClosedException) {
            return Status.Code.UNAVAILABLE;
        }
        if (isOutOfSpace(error)) {
            return Status.Code.RESOURCE_EXHAUSTED;
        }
        return Status.Code.INTERNAL;
    }

    /**
     * What a caller is told: the failure's own message; for a full disk, what ran out and what to do; for anything
     * unexpected (INTERNAL), only an incident id, since its text can name files, hosts or other tenants' data: the
     * failure is logged here with the same id.
     */
    public static String message(Throwable error) {
        if (isOutOfSpace(error)) {
            return "the adapter store is out of disk space; nothing was published (free space or enlarge the volume, then retry)";
        }
        if (of(error) == Status.Code.INTERNAL) {
            String incident = Long.toHexString(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
            LOG.errorf(
                    error,
                    "incident %s: a call failed unexpectedly; the caller is told INTERNAL with this id",
                    incident);
            return "internal error (incident " + incident + " in the gateway's log)";
        }
        return String.valueOf(error.getMessage());
    }

    /** A write failed for lack of space or of disk quota (ENOSPC, EDQUOT), anywhere in the cause chain. */
    static boolean isOutOfSpace(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException
                    && t.getMessage() != null
                    && (t.getMessage().contains("No space left on device")
                            || t.getMessage().contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** How long to wait before retrying a refused call, or null when waiting alone will not help. */
    public static Duration retryAfter(Throwable error) {
        if (error instanceof QuotaExceededException quota) {
            return quota.retryAfter().isZero() ? null : quota.retryAfter();
        }
        return error instanceof QueueFullException ? QUEUE_FULL_RETRY : null;
    }

    /** The quota a refusal names, or null (a full engine queue names none; a tenant's queue names queued-requests). */
    public static String quota(Throwable error) {
        if (error instanceof QuotaExceededException quota) {
            return quota.quota();
        }
        return error instanceof QueueFullException full && full.tenant() != null ? "queued-requests" : null;
    }
}

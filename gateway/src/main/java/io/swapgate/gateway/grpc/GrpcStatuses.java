package io.swapgate.gateway.grpc;

import com.google.protobuf.Any;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.gateway.serving.FailureStatus;
import java.time.Duration;

/**
 * Maps engine, adapter, registry and tenancy failures to gRPC statuses. Refusals for quotas carry the standard
 * {@code google.rpc.QuotaFailure} and {@code google.rpc.RetryInfo} details, as Google APIs do.
 */
public final class GrpcStatuses {

    private GrpcStatuses() {}

    public static Throwable toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException) {
            return error;
        }
        io.grpc.Status.Code code = FailureStatus.of(error);
        com.google.rpc.Status.Builder status =
                com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(FailureStatus.message(error));
        String quota = FailureStatus.quota(error);
        if (quota != null) {
            status.addDetails(Any.pack(QuotaFailure.newBuilder()
                    .addViolations(QuotaFailure.Violation.newBuilder()
                            .setSubject(quota)
                            .setDescription(error.getMessage()))
                    .build()));
        }
        Duration retryAfter = FailureStatus.retryAfter(error);
        if (retryAfter != null) {
            status.addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                            .setSeconds(retryAfter.getSeconds())
                            .setNanos(retryAfter.getNano()))
                    .build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /** A deadline is reported as the gRPC error it is; every other reason ends the call normally. */
    static boolean isError(FinishReason reason) {
        return reason == FinishReason.DEADLINE;
    }

    static StatusRuntimeException deadlineExceeded() {
        return io.grpc.Status.DEADLINE_EXCEEDED
                .withDescription("the request's deadline passed before generation finished")
                .asRuntimeException();
    }

    /** A unary call's work, its failure turned into the matching status. */
    static <T> io.smallrye.mutiny.Uni<T> call(java.util.concurrent.Callable<T> work) {
        return io.smallrye.mutiny.Uni.createFrom()
                .item(() -> unchecked(work))
                .onFailure()
                .transform(GrpcStatuses::toStatus);
    }

    /** Runs registry work, passing I/O failures on unchecked (they become INTERNAL). */
    static <T> T unchecked(java.util.concurrent.Callable<T> work) {
        try {
            return work.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}

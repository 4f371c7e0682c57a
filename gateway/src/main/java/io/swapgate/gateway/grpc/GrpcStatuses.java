package io.swapgate.gateway.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.swapgate.core.engine.EngineClosedException;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.InvalidRequestException;
import io.swapgate.core.engine.QueueFullException;

/** Maps engine outcomes to gRPC statuses. */
final class GrpcStatuses {

    private GrpcStatuses() {}

    static Throwable toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException) {
            return error;
        }
        Status status;
        if (error instanceof InvalidRequestException) {
            status = Status.INVALID_ARGUMENT;
        } else if (error instanceof QueueFullException) {
            status = Status.RESOURCE_EXHAUSTED;
        } else if (error instanceof EngineClosedException) {
            status = Status.UNAVAILABLE;
        } else {
            status = Status.INTERNAL;
        }
        return status.withDescription(error.getMessage()).withCause(error).asRuntimeException();
    }

    static io.swapgate.proto.v1.FinishReason toProto(FinishReason reason) {
        return switch (reason) {
            case LENGTH -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_LENGTH;
            case STOP -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_STOP;
            case EOS -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_EOS;
            case CANCELLED, DEADLINE -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_CANCELLED;
        };
    }

    /** A deadline is reported as the gRPC error it is; every other reason ends the call normally. */
    static boolean isError(FinishReason reason) {
        return reason == FinishReason.DEADLINE;
    }

    static StatusRuntimeException deadlineExceeded() {
        return Status.DEADLINE_EXCEEDED.withDescription("the request's deadline passed before generation finished")
                .asRuntimeException();
    }

    static io.swapgate.proto.v1.Usage usage(io.swapgate.core.engine.Usage usage) {
        return io.swapgate.proto.v1.Usage.newBuilder()
                .setPromptTokens(usage.promptTokens())
                .setCompletionTokens(usage.completionTokens())
                .setTotalTokens(usage.totalTokens())
                .build();
    }
}

package io.swapgate.gateway.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.swapgate.core.adapter.UnservableAdapterException;
import io.swapgate.core.engine.EngineClosedException;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.InvalidRequestException;
import io.swapgate.core.engine.QueueFullException;
import io.swapgate.registry.RegistryException;

/** Maps engine, adapter and registry failures to gRPC statuses. */
final class GrpcStatuses {

    private GrpcStatuses() {}

    static Throwable toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException) {
            return error;
        }
        Status status;
        if (error instanceof InvalidRequestException || error instanceof IllegalArgumentException) {
            status = Status.INVALID_ARGUMENT;
        } else if (error instanceof RegistryException registryError) {
            status = switch (registryError.reason()) {
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            };
        } else if (error instanceof UnservableAdapterException) {
            status = Status.FAILED_PRECONDITION;
        } else if (error instanceof QueueFullException) {
            status = Status.RESOURCE_EXHAUSTED;
        } else if (error instanceof EngineClosedException) {
            status = Status.UNAVAILABLE;
        } else {
            status = Status.INTERNAL;
        }
        return status.withDescription(error.getMessage()).withCause(error).asRuntimeException();
    }

    /** A deadline is reported as the gRPC error it is; every other reason ends the call normally. */
    static boolean isError(FinishReason reason) {
        return reason == FinishReason.DEADLINE;
    }

    static StatusRuntimeException deadlineExceeded() {
        return Status.DEADLINE_EXCEEDED.withDescription("the request's deadline passed before generation finished")
                .asRuntimeException();
    }
}

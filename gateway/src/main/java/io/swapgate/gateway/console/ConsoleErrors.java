package io.swapgate.gateway.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.swapgate.gateway.grpc.GrpcStatuses;
import io.swapgate.gateway.http.HttpRefusal;
import io.swapgate.gateway.serving.FailureStatus;
import io.vertx.core.http.HttpServerResponse;

/** A failed call as the console sees it: the gRPC status, its HTTP equivalent and a JSON body naming both. */
final class ConsoleErrors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsoleErrors() {}

    /** The status a gRPC client would have seen for this failure (unexpected ones are logged there). */
    static Status statusOf(Throwable failure) {
        return Status.fromThrowable(GrpcStatuses.toStatus(failure));
    }

    /** Answers the call with the failure as JSON: a refusal of the request's HTTP form with its own status. */
    static void send(HttpServerResponse response, Throwable failure) {
        if (failure instanceof HttpRefusal refusal) {
            if (!response.ended()) {
                response.setStatusCode(refusal.status())
                        .putHeader("Content-Type", "application/json")
                        .end(body(Status.fromCode(FailureStatus.of(refusal)).withDescription(refusal.getMessage())));
            }
            return;
        }
        send(response, statusOf(failure));
    }

    /** Answers the call with the status as JSON, unless it was answered already. */
    static void send(HttpServerResponse response, Status status) {
        if (!response.ended()) {
            response.setStatusCode(httpStatus(status.getCode()))
                    .putHeader("Content-Type", "application/json")
                    .end(body(status));
        }
    }

    /** {@code {"code":"NOT_FOUND","message":"..."}}. */
    static String body(Status status) {
        ObjectNode body = JSON.createObjectNode()
                .put("code", status.getCode().name())
                .put(
                        "message",
                        status.getDescription() == null ? status.getCode().name() : status.getDescription());
        return body.toString();
    }

    /** The HTTP status Google's APIs give each gRPC code. */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case CANCELLED -> 499;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
        };
    }
}

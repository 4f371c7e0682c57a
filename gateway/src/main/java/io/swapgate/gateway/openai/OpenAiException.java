package io.swapgate.gateway.openai;

import io.swapgate.gateway.http.HttpRefusal;
import io.swapgate.gateway.serving.FailureStatus;
import java.time.Duration;

/** An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status. */
final class OpenAiException extends RuntimeException {

    final int status;
    final String type;
    final String param;
    final String code;
    /** Sent as Retry-After (and OpenAI's retry-after-ms) on a 429, or null. */
    final Duration retryAfter;

    OpenAiException(int status, String type, String message, String param, String code) {
        this(status, type, message, param, code, null);
    }

    private OpenAiException(int status, String type, String message, String param, String code, Duration retryAfter) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    static OpenAiException invalid(String message, String param) {
        return new OpenAiException(400, "invalid_request_error", message, param, null);
    }

    /** The OpenAI error for a failure of the engine, the adapters, the registry or tenancy. */
    static OpenAiException of(Throwable error) {
        if (error instanceof OpenAiException e) {
            return e;
        }
        if (error instanceof HttpRefusal refusal) {
            return new OpenAiException(refusal.status(), "invalid_request_error", refusal.getMessage(), null, null);
        }
        String message = error.getMessage();
        return switch (FailureStatus.of(error)) {
            case INVALID_ARGUMENT -> invalid(message, null);
            case NOT_FOUND -> new OpenAiException(404, "invalid_request_error", message, "model", "model_not_found");
            case ALREADY_EXISTS, FAILED_PRECONDITION ->
                new OpenAiException(400, "invalid_request_error", message, "model", null);
            case UNAUTHENTICATED -> new OpenAiException(401, "invalid_request_error", message, null, "invalid_api_key");
            case PERMISSION_DENIED ->
                new OpenAiException(403, "invalid_request_error", message, "model", "permission_denied");
            case RESOURCE_EXHAUSTED -> {
                String quota = FailureStatus.quota(error);
                yield new OpenAiException(
                        429,
                        quota == null ? "server_overloaded" : "rate_limit_exceeded",
                        message,
                        null,
                        quota == null ? "queue_full" : quota,
                        FailureStatus.retryAfter(error));
            }
            case UNAVAILABLE -> new OpenAiException(503, "server_error", message, null, null);
            default -> new OpenAiException(500, "server_error", FailureStatus.message(error), null, null);
        };
    }
}

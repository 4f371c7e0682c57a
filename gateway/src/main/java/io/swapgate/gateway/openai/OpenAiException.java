package io.swapgate.gateway.openai;

import io.swapgate.core.adapter.UnservableAdapterException;
import io.swapgate.core.engine.EngineClosedException;
import io.swapgate.core.engine.InvalidRequestException;
import io.swapgate.core.engine.QueueFullException;
import io.swapgate.registry.RegistryException;

/** An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status. */
final class OpenAiException extends RuntimeException {

    final int status;
    final String type;
    final String param;
    final String code;

    OpenAiException(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    static OpenAiException invalid(String message, String param) {
        return new OpenAiException(400, "invalid_request_error", message, param, null);
    }

    /** The OpenAI error for a failure of the engine, the adapters or the registry. */
    static OpenAiException of(Throwable error) {
        if (error instanceof OpenAiException e) {
            return e;
        }
        if (error instanceof InvalidRequestException || error instanceof IllegalArgumentException) {
            return invalid(error.getMessage(), null);
        }
        if (error instanceof RegistryException r && r.reason() == RegistryException.Reason.NOT_FOUND) {
            return new OpenAiException(404, "invalid_request_error", r.getMessage(), "model", "model_not_found");
        }
        if (error instanceof RegistryException || error instanceof UnservableAdapterException) {
            return new OpenAiException(400, "invalid_request_error", error.getMessage(), "model", null);
        }
        if (error instanceof QueueFullException) {
            return new OpenAiException(429, "server_overloaded", error.getMessage(), null, "queue_full");
        }
        if (error instanceof EngineClosedException) {
            return new OpenAiException(503, "server_error", error.getMessage(), null, null);
        }
        return new OpenAiException(500, "server_error", "internal error: " + error.getMessage(), null, null);
    }
}

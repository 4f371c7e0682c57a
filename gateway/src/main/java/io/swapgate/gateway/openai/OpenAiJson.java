package io.swapgate.gateway.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.Usage;

/** The JSON bodies and stream chunks of OpenAI's completions and chat completions. */
final class OpenAiJson {

    static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiRequest request;
    private final String id;
    private final long created;

    OpenAiJson(OpenAiRequest request, String id, long created) {
        this.request = request;
        this.id = id;
        this.created = created;
    }

    private ObjectNode envelope(boolean chunk) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", id);
        node.put("object", request.chat() ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        node.put("created", created);
        node.put("model", request.model());
        return node;
    }

    /** The whole answer of a non-streaming call. */
    ObjectNode completion(String[] texts, FinishReason[] reasons, Usage usage) {
        ObjectNode body = envelope(false);
        ArrayNode choices = body.putArray("choices");
        for (int i = 0; i < texts.length; i++) {
            ObjectNode choice = choices.addObject().put("index", i);
            if (request.chat()) {
                choice.putObject("message").put("role", "assistant").put("content", texts[i]);
            } else {
                choice.put("text", texts[i]).putNull("logprobs");
            }
            choice.put("finish_reason", finishReason(reasons[i]));
        }
        body.set("usage", usage(usage));
        return body;
    }

    /** A streamed piece of choice {@code index}; {@code first} adds the assistant role to a chat delta. */
    ObjectNode chunk(int index, String text, boolean first) {
        ObjectNode body = envelope(true);
        ObjectNode choice = body.putArray("choices").addObject().put("index", index);
        if (request.chat()) {
            ObjectNode delta = choice.putObject("delta");
            if (first) {
                delta.put("role", "assistant");
            }
            delta.put("content", text);
        } else {
            choice.put("text", text).putNull("logprobs");
        }
        choice.putNull("finish_reason");
        return body;
    }

    /** The last chunk of choice {@code index}, carrying its finish reason. */
    ObjectNode finish(int index, FinishReason reason) {
        ObjectNode body = envelope(true);
        ObjectNode choice = body.putArray("choices").addObject().put("index", index);
        if (request.chat()) {
            choice.putObject("delta");
        } else {
            choice.put("text", "").putNull("logprobs");
        }
        choice.put("finish_reason", finishReason(reason));
        return body;
    }

    /** The usage chunk OpenAI sends when {@code stream_options.include_usage} is set. */
    ObjectNode usageChunk(Usage usage) {
        ObjectNode body = envelope(true);
        body.putArray("choices");
        body.set("usage", usage(usage));
        return body;
    }

    static ObjectNode error(OpenAiException e) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        error.put("param", e.param);
        error.put("code", e.code);
        return body;
    }

    /** Retry-After in whole seconds, and retry-after-ms, which OpenAI's client libraries honour before retrying. */
    static void retryHeaders(io.vertx.core.http.HttpServerResponse response, OpenAiException e) {
        if (e.retryAfter != null) {
            response.putHeader("Retry-After", Long.toString(Math.max(1, (e.retryAfter.toMillis() + 999) / 1000)));
            response.putHeader("retry-after-ms", Long.toString(e.retryAfter.toMillis()));
        }
    }

    private static ObjectNode usage(Usage usage) {
        return JSON.createObjectNode()
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
    }

    private static String finishReason(FinishReason reason) {
        return reason == FinishReason.LENGTH ? "length" : "stop";
    }
}

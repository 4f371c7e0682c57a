package io.swapgate.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.Usage;
import io.swapgate.core.sampling.TokenLogprobs;
import io.swapgate.core.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The JSON bodies and stream chunks of OpenAI's completions and chat completions. */
final class OpenAiJson {

    static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiRequest request;
    private final String id;
    private final long created;
    private final Tokenizer tokenizer;
    /** Per choice, where its next token's text starts in its completion (the completions API's text_offset). */
    private final int[] textOffsets;

    OpenAiJson(OpenAiRequest request, String id, long created, Tokenizer tokenizer) {
        this.request = request;
        this.id = id;
        this.created = created;
        this.tokenizer = tokenizer;
        this.textOffsets = new int[request.n()];
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
    ObjectNode completion(String[] texts, List<List<TokenLogprobs>> logprobs, FinishReason[] reasons, Usage usage) {
        ObjectNode body = envelope(false);
        ArrayNode choices = body.putArray("choices");
        for (int i = 0; i < texts.length; i++) {
            ObjectNode choice = choices.addObject().put("index", i);
            if (request.chat()) {
                choice.putObject("message").put("role", "assistant").put("content", texts[i]);
            } else {
                choice.put("text", texts[i]);
            }
            choice.set("logprobs", logprobs(i, logprobs.get(i)));
            choice.put("finish_reason", finishReason(reasons[i]));
        }
        body.set("usage", usage(usage));
        return body;
    }

    /**
     * A streamed piece of choice {@code index} with its tokens' log-probabilities (when asked for); {@code first} adds
     * the assistant role to a chat delta.
     */
    ObjectNode chunk(int index, String text, boolean first, List<TokenLogprobs> steps) {
        ObjectNode body = envelope(true);
        ObjectNode choice = body.putArray("choices").addObject().put("index", index);
        if (request.chat()) {
            ObjectNode delta = choice.putObject("delta");
            if (first) {
                delta.put("role", "assistant");
            }
            delta.put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.set("logprobs", logprobs(index, steps));
        choice.putNull("finish_reason");
        return body;
    }

    /**
     * The {@code logprobs} of a choice, or null when the request did not ask: chat's {@code content} list (token,
     * logprob, bytes, top_logprobs), or the completions API's parallel lists (tokens, token_logprobs, top_logprobs as
     * token-to-logprob maps, text_offset).
     */
    private JsonNode logprobs(int index, List<TokenLogprobs> steps) {
        if (request.logprobs() == GenerationRequest.NO_LOGPROBS) {
            return NullNode.getInstance();
        }
        ObjectNode node = JSON.createObjectNode();
        if (request.chat()) {
            ArrayNode content = node.putArray("content");
            for (TokenLogprobs step : steps) {
                ObjectNode token = tokenEntry(step.token(), step.logprob());
                ArrayNode top = token.putArray("top_logprobs");
                for (int i = 0; i < step.topTokens().length; i++) {
                    top.add(tokenEntry(step.topTokens()[i], step.topLogprobs()[i]));
                }
                content.add(token);
            }
            node.putNull("refusal");
            return node;
        }
        ArrayNode tokens = node.putArray("tokens");
        ArrayNode tokenLogprobs = node.putArray("token_logprobs");
        ArrayNode topLogprobs = node.putArray("top_logprobs");
        ArrayNode offsets = node.putArray("text_offset");
        for (TokenLogprobs step : steps) {
            String text = text(step.token());
            tokens.add(text);
            tokenLogprobs.add(step.logprob());
            ObjectNode top = topLogprobs.addObject();
            for (int i = 0; i < step.topTokens().length; i++) {
                top.put(text(step.topTokens()[i]), step.topLogprobs()[i]);
            }
            offsets.add(textOffsets[index]);
            textOffsets[index] += text.length();
        }
        return node;
    }

    private ObjectNode tokenEntry(int tokenId, float logprob) {
        byte[] bytes = tokenizer.tokenBytes(tokenId);
        ObjectNode entry = JSON.createObjectNode().put("token", new String(bytes, StandardCharsets.UTF_8));
        entry.put("logprob", logprob);
        ArrayNode byteList = entry.putArray("bytes");
        for (byte b : bytes) {
            byteList.add(b & 0xff);
        }
        return entry;
    }

    private String text(int tokenId) {
        return new String(tokenizer.tokenBytes(tokenId), StandardCharsets.UTF_8);
    }

    /** The last chunk of choice {@code index}, carrying its finish reason. */
    ObjectNode finish(int index, FinishReason reason) {
        ObjectNode body = envelope(true);
        ObjectNode choice = body.putArray("choices").addObject().put("index", index);
        if (request.chat()) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs");
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

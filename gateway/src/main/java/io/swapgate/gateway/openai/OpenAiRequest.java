package io.swapgate.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.sampling.TokenLogprobs;
import io.swapgate.proto.v1.ResponseFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@code /v1/completions} or {@code /v1/chat/completions} body, checked the way OpenAI checks it.
 *
 * @param temperature null when unset (the API default applies)
 * @param seed null when unset (each choice gets a random seed)
 * @param responseFormat the constraint on the completion, or null for free text
 * @param logprobs {@link GenerationRequest#NO_LOGPROBS}, or log-probabilities with this many alternatives per token
 *     (chat: {@code logprobs: true} and {@code top_logprobs}; completions: {@code logprobs: N})
 */
record OpenAiRequest(
        boolean chat,
        String model,
        String prompt,
        int maxTokens,
        Float temperature,
        Float topP,
        Long seed,
        List<String> stop,
        int n,
        boolean stream,
        boolean includeUsage,
        int logprobs,
        ResponseFormat responseFormat) {

    /** OpenAI's default for completions; chat completions default to what fits the context. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;

    static final int DEFAULT_CHAT_TOKENS = 256;
    static final int MAX_N = 16;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    /** Checks a body; chat messages become the prompt through {@code prompts}. */
    static OpenAiRequest parse(JsonNode body, boolean chat, ChatPrompts prompts) {
        if (body == null || !body.isObject()) {
            throw OpenAiException.invalid("the request body must be a JSON object", null);
        }
        refuseUnsupported(body);
        String model = model(body);
        String prompt = chat ? prompts.render(messages(body)) : prompt(body);
        JsonNode max = chat && body.hasNonNull("max_completion_tokens")
                ? body.get("max_completion_tokens")
                : body.get("max_tokens");
        int maxTokens = max == null || max.isNull()
                ? (chat ? DEFAULT_CHAT_TOKENS : DEFAULT_COMPLETION_TOKENS)
                : positiveInt(max, "max_tokens");
        Float temperature = number(body, "temperature", 0, 2);
        Float topP = number(body, "top_p", 0, 1);
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull() && !seed.canConvertToLong()) {
            throw OpenAiException.invalid("seed must be an integer", "seed");
        }
        JsonNode nNode = body.get("n");
        int n = nNode == null || nNode.isNull() ? 1 : positiveInt(nNode, "n");
        if (n > MAX_N) {
            throw OpenAiException.invalid("n must be at most " + MAX_N + ", got " + n, "n");
        }
        boolean stream = body.path("stream").asBoolean(false);
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
        return new OpenAiRequest(
                chat,
                model,
                prompt,
                maxTokens,
                temperature,
                topP,
                seed == null || seed.isNull() ? null : seed.asLong(),
                stops(body),
                n,
                stream,
                usage,
                chat ? chatLogprobs(body) : completionLogprobs(body),
                responseFormat(body.get("response_format")));
    }

    /**
     * OpenAI's {@code response_format}: {@code text} (or none), {@code json_object}, or {@code json_schema} with its
     * {@code schema} (enforced whether or not {@code strict} is set); null for free text.
     */
    private static ResponseFormat responseFormat(JsonNode format) {
        if (format == null || format.isNull()) {
            return null;
        }
        String type = format.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" ->
                ResponseFormat.newBuilder().setJsonObject(true).build();
            case "json_schema" -> {
                JsonNode schema = format.path("json_schema").get("schema");
                if (schema == null || !schema.isObject()) {
                    throw OpenAiException.invalid(
                            "response_format.json_schema.schema must be a JSON Schema object", "response_format");
                }
                yield ResponseFormat.newBuilder()
                        .setJsonSchema(schema.toString())
                        .build();
            }
            default ->
                throw OpenAiException.invalid(
                        "response_format type must be text, json_object or json_schema, not '" + type + "'",
                        "response_format");
        };
    }

    /** Chat: {@code logprobs} true, with {@code top_logprobs} alternatives (0 to 20), which need it. */
    private static int chatLogprobs(JsonNode body) {
        JsonNode logprobs = body.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !logprobs.isBoolean()) {
            throw OpenAiException.invalid("logprobs must be a boolean", "logprobs");
        }
        JsonNode top = body.get("top_logprobs");
        boolean wanted = logprobs != null && logprobs.asBoolean(false);
        if (top == null || top.isNull()) {
            return wanted ? 0 : GenerationRequest.NO_LOGPROBS;
        }
        int alternatives = alternatives(top, "top_logprobs");
        if (!wanted) {
            throw OpenAiException.invalid("top_logprobs requires logprobs to be true", "top_logprobs");
        }
        return alternatives;
    }

    /** Completions: {@code logprobs} is the number of alternatives (0 to 20); null for none. */
    private static int completionLogprobs(JsonNode body) {
        JsonNode logprobs = body.get("logprobs");
        return logprobs == null || logprobs.isNull()
                ? GenerationRequest.NO_LOGPROBS
                : alternatives(logprobs, "logprobs");
    }

    private static int alternatives(JsonNode node, String field) {
        if (!node.isIntegralNumber()
                || !node.canConvertToInt()
                || node.asInt() < 0
                || node.asInt() > TokenLogprobs.MAX_TOP) {
            throw OpenAiException.invalid(field + " must be an integer from 0 to " + TokenLogprobs.MAX_TOP, field);
        }
        return node.asInt();
    }

    private static void refuseUnsupported(JsonNode body) {
        if (body.path("echo").asBoolean(false)) {
            throw OpenAiException.invalid("echo is not supported", "echo");
        }
        if (body.path("best_of").asInt(1) > 1) {
            throw OpenAiException.invalid("best_of is not supported", "best_of");
        }
        if (!body.path("suffix").asText("").isEmpty()) {
            throw OpenAiException.invalid("suffix is not supported", "suffix");
        }
        for (String field : List.of("tools", "functions")) {
            if (body.hasNonNull(field) && body.get(field).size() > 0) {
                throw OpenAiException.invalid(field + " are not supported", field);
            }
        }
    }

    private static String prompt(JsonNode body) {
        JsonNode prompt = body.get("prompt");
        if (prompt != null
                && prompt.isArray()
                && prompt.size() == 1
                && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        if (prompt == null || !prompt.isTextual()) {
            throw OpenAiException.invalid("prompt must be a string (one prompt per request)", "prompt");
        }
        return prompt.asText();
    }

    private static List<ChatPrompts.Message> messages(JsonNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiException.invalid("messages must be a non-empty array", "messages");
        }
        List<ChatPrompts.Message> out = new ArrayList<>();
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (!ROLES.contains(role)) {
                throw OpenAiException.invalid("unsupported message role '" + role + "'", "messages");
            }
            out.add(new ChatPrompts.Message(role, content(m.get("content"))));
        }
        return out;
    }

    /** A message's content: a string, or an array of text parts. */
    private static String content(JsonNode content) {
        if (content != null && content.isTextual()) {
            return content.asText();
        }
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!part.path("type").asText().equals("text")) {
                    throw OpenAiException.invalid("only text content parts are supported", "messages");
                }
                text.append(part.path("text").asText());
            }
            return text.toString();
        }
        throw OpenAiException.invalid("message content must be a string or an array of text parts", "messages");
    }

    private static List<String> stops(JsonNode body) {
        JsonNode stop = body.get("stop");
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray() && stop.size() <= 4) {
            List<String> stops = new ArrayList<>();
            stop.forEach(s -> stops.add(s.asText()));
            return stops;
        }
        throw OpenAiException.invalid("stop must be a string or an array of up to 4 strings", "stop");
    }

    private static String model(JsonNode body) {
        JsonNode node = body.get("model");
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw OpenAiException.invalid("you must provide a model parameter", "model");
        }
        return node.asText();
    }

    private static Float number(JsonNode body, String field, double min, double max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
            throw OpenAiException.invalid(field + " must be a number from " + min + " to " + max, field);
        }
        return (float) node.asDouble();
    }

    private static int positiveInt(JsonNode node, String field) {
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
            throw OpenAiException.invalid(field + " must be a positive integer", field);
        }
        return node.asInt();
    }
}

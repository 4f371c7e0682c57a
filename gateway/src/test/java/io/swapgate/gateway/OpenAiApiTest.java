package io.swapgate.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible HTTP API over a real connection: bodies, SSE streams, n choices, /v1/models and error shapes. */
@QuarkusTest
class OpenAiApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // HTTP/1.1: a connection that brings a refused key is closed once answered, an HTTP/2 one with a GOAWAY that
    // JDK 17's client does not retry a request across (see StrangerConnections).
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TestHTTPResource("/")
    URL base;

    @Inject
    ServedModel model;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = TestGateway.channel(base, TestGateway.ADMIN_KEY);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path.substring(1)))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + TestGateway.ADMIN_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String grpcGreedy(String prompt, int tokens, long seed, float temperature) {
        return InferenceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder()
                        .setPrompt(prompt)
                        .setMaxNewTokens(tokens)
                        .setSampling(SamplingParams.newBuilder()
                                .setTemperature(temperature)
                                .setSeed(seed))
                        .build())
                .getText();
    }

    @Test
    void completionsAndChatMatchGrpcWithAndWithoutStreaming() throws Exception {
        HttpResponse<String> response = post(
                "/v1/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":25,\"temperature\":0}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("text_completion", body.get("object").asText());
        assertEquals(
                grpcGreedy("Once upon a time", 25, 0, 0),
                body.at("/choices/0/text").asText());
        assertEquals(25, body.at("/usage/completion_tokens").asInt());

        String chat = "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"system\",\"content\":\"Stories.\"},"
                + "{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":20,\"temperature\":0";
        JsonNode whole = JSON.readTree(post("/v1/chat/completions", chat + "}").body());
        String expected = grpcGreedy("Stories.\n\nUser: Once upon a time\nAssistant:", 20, 0, 0);
        assertEquals(expected, whole.at("/choices/0/message/content").asText());
        assertEquals("assistant", whole.at("/choices/0/message/role").asText());

        HttpResponse<String> streamed =
                post("/v1/chat/completions", chat + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(
                "text/event-stream",
                streamed.headers().firstValue("Content-Type").orElse(""));
        List<String> events = streamed.body()
                .lines()
                .filter(l -> l.startsWith("data: "))
                .map(l -> l.substring(6))
                .toList();
        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 2)) {
            text.append(JSON.readTree(event).at("/choices/0/delta/content").asText(""));
        }
        assertEquals(expected, text.toString());
        assertEquals(
                "assistant",
                JSON.readTree(events.get(0)).at("/choices/0/delta/role").asText());
        assertEquals(
                "length",
                JSON.readTree(events.get(events.size() - 3))
                        .at("/choices/0/finish_reason")
                        .asText());
        assertEquals(
                20,
                JSON.readTree(events.get(events.size() - 2))
                        .at("/usage/completion_tokens")
                        .asInt());
    }

    /**
     * The completions API's parallel lists and chat's content entries carry the log-probabilities gRPC reports for the
     * same request, streamed chat included.
     */
    @Test
    void logprobsComeInOpenAisShapesWithGrpcsValues() throws Exception {
        GenerateResponse grpc = InferenceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder()
                        .setPrompt("Once upon a time")
                        .setMaxNewTokens(12)
                        .setSampling(SamplingParams.newBuilder().setTemperature(0))
                        .setLogprobs(true)
                        .setTopLogprobs(3)
                        .build());
        JsonNode completion = JSON.readTree(post(
                        "/v1/completions",
                        "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":12,"
                                + "\"temperature\":0,\"logprobs\":3}")
                .body());
        JsonNode lists = completion.at("/choices/0/logprobs");
        int offset = 0;
        for (int i = 0; i < 12; i++) {
            io.swapgate.proto.v1.TokenLogprobs step = grpc.getLogprobs(i);
            assertEquals(step.getChosen().getToken(), lists.at("/tokens/" + i).asText());
            assertEquals(
                    step.getChosen().getLogprob(),
                    lists.at("/token_logprobs/" + i).floatValue());
            assertEquals(3, lists.at("/top_logprobs/" + i).size());
            assertEquals(
                    step.getTop(1).getLogprob(),
                    lists.at("/top_logprobs/" + i)
                            .get(step.getTop(1).getToken())
                            .floatValue());
            assertEquals(offset, lists.at("/text_offset/" + i).asInt());
            offset += step.getChosen().getToken().length();
        }

        String chat = "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
                + "\"max_tokens\":12,\"temperature\":0,\"logprobs\":true,\"top_logprobs\":2";
        JsonNode content =
                JSON.readTree(post("/v1/chat/completions", chat + "}").body()).at("/choices/0/logprobs/content");
        assertEquals(12, content.size());
        for (JsonNode token : content) {
            assertEquals(2, token.get("top_logprobs").size());
            assertEquals(token.get("logprob"), token.at("/top_logprobs/0/logprob"), "greedy: the most likely");
            StringBuilder bytes = new StringBuilder();
            token.get("bytes").forEach(b -> bytes.append((char) b.asInt()));
            assertEquals(token.get("token").asText(), bytes.toString(), "ASCII tokens: bytes spell the token");
        }
        List<JsonNode> streamed = new ArrayList<>();
        post("/v1/chat/completions", chat + ",\"stream\":true}")
                .body()
                .lines()
                .filter(l -> l.startsWith("data: {"))
                .forEach(l -> {
                    try {
                        JSON.readTree(l.substring(6))
                                .at("/choices/0/logprobs/content")
                                .forEach(streamed::add);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        assertEquals(content, JSON.createArrayNode().addAll(streamed), "streamed chat logprobs");
    }

    /** OpenAI's response_format: json_object and json_schema give parseable JSON of the asked shape. */
    @Test
    void responseFormatsGiveJson() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":300,"
                + "\"temperature\":1,\"seed\":3";
        // Any object: string lengths are the model's to choose, and this small story model rarely closes a string it
        // opened, so answers run to max_tokens (finish "length"). Each is then a cut JSON object: the parser meets the
        // end of input, never a character JSON does not allow there.
        for (int seed = 1; seed <= 3; seed++) {
            JsonNode choice = JSON.readTree(post(
                                    "/v1/chat/completions",
                                    "{\"model\":\"stories260K\"," + messages.replace("\"seed\":3", "\"seed\":" + seed)
                                            + ",\"response_format\":{\"type\":\"json_object\"}}")
                            .body())
                    .at("/choices/0");
            String content = choice.at("/message/content").asText();
            if (choice.get("finish_reason").asText().equals("stop")) {
                assertTrue(JSON.readTree(content).isObject(), content);
            } else {
                assertCutJsonObject(content);
            }
        }
        JsonNode typed = JSON.readTree(post(
                        "/v1/chat/completions",
                        "{\"model\":\"stories260K\"," + messages + ",\"response_format\":{\"type\":\"json_schema\","
                                + "\"json_schema\":{\"name\":\"pet\",\"strict\":true,\"schema\":{\"type\":\"object\","
                                + "\"properties\":{\"kind\":{\"enum\":[\"cat\",\"dog\"]},\"legs\":{\"type\":\"integer\","
                                + "\"minimum\":0}},\"required\":[\"kind\",\"legs\"],\"additionalProperties\":false}}}}")
                .body());
        JsonNode pet = JSON.readTree(typed.at("/choices/0/message/content").asText());
        assertTrue(List.of("cat", "dog").contains(pet.get("kind").asText()), pet.toString());
        assertTrue(pet.get("legs").isIntegralNumber() && pet.get("legs").asInt() >= 0, pet.toString());
        assertEquals("stop", typed.at("/choices/0/finish_reason").asText());
        assertError(
                400,
                "response_format type must be text, json_object or json_schema",
                "response_format",
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"stories260K\"," + messages + ",\"response_format\":{\"type\":\"yaml\"}}"));
    }

    /** {@code text} is the start of a JSON object: parsing it meets the end of input and nothing invalid before. */
    private static void assertCutJsonObject(String text) throws Exception {
        assertTrue(text.startsWith("{"), text);
        try (com.fasterxml.jackson.core.JsonParser parser = JSON.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                // every token so far is valid JSON
            }
            throw new AssertionError("a whole document although cut at max_tokens: " + text);
        } catch (com.fasterxml.jackson.core.io.JsonEOFException expected) {
            // cut inside the object, as a length-limited answer is
        }
    }

    @Test
    void nChoicesUseConsecutiveSeeds() throws Exception {
        JsonNode body = JSON.readTree(post(
                        "/v1/completions",
                        "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":20,\"temperature\":1,\"seed\":40,\"n\":2}")
                .body());
        assertEquals(2, body.get("choices").size());
        assertEquals(
                grpcGreedy("Once upon a time", 20, 40, 1),
                body.at("/choices/0/text").asText());
        assertEquals(
                grpcGreedy("Once upon a time", 20, 41, 1),
                body.at("/choices/1/text").asText());
        assertNotEquals(
                body.at("/choices/0/text").asText(), body.at("/choices/1/text").asText());
        assertEquals(40, body.at("/usage/completion_tokens").asInt());
    }

    @Test
    void modelsListTheBaseModel() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + "v1/models"))
                        .header("Authorization", "Bearer " + TestGateway.ADMIN_KEY)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("list", body.get("object").asText());
        assertEquals("stories260K", body.at("/data/0/id").asText());
    }

    @Test
    void errorsComeInOpenAisShapeWithTheMatchingStatus() throws Exception {
        assertError(400, "not valid JSON", null, post("/v1/completions", "{not json"));
        assertError(400, "you must provide a model parameter", "model", post("/v1/completions", "{\"prompt\":\"hi\"}"));
        assertError(
                400,
                "temperature must be a number from 0.0 to 2.0",
                "temperature",
                post("/v1/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"temperature\":3}"));
        assertError(
                400,
                "logprobs must be an integer from 0 to 20",
                "logprobs",
                post("/v1/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"logprobs\":21}"));
        assertError(
                400,
                "top_logprobs requires logprobs to be true",
                "top_logprobs",
                post(
                        "/v1/chat/completions",
                        "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                                + "\"top_logprobs\":2}"));
        assertError(
                400,
                "messages must be a non-empty array",
                "messages",
                post("/v1/chat/completions", "{\"model\":\"stories260K\",\"messages\":[]}"));
        assertError(
                400,
                "max_new_tokens 100000 exceeds",
                null,
                post("/v1/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"max_tokens\":100000}"));
        assertError(
                404,
                "the model 'gpt-4' does not exist",
                "model",
                post("/v1/completions", "{\"model\":\"gpt-4\",\"prompt\":\"hi\"}"));
        assertError(
                404,
                "adapter 'acme/none' not found",
                "model",
                post("/v1/completions", "{\"model\":\"acme/none\",\"prompt\":\"hi\"}"));
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        int slots = model.engine().config().maxBatchSize();
        int queueCapacity = model.engine().config().queueCapacity();
        List<Context.CancellableContext> calls = new ArrayList<>();
        try {
            var stub = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            for (int i = 0; i < slots + queueCapacity; i++) {
                Context.CancellableContext call = Context.current().withCancellation();
                calls.add(call);
                Iterator<GenerateStreamResponse> stream =
                        call.call(() -> stub.generateStream(GenerateRequest.newBuilder()
                                .setPrompt("Once upon a time")
                                .setMaxNewTokens(500)
                                .build()));
                if (i < slots) {
                    assertTrue(stream.hasNext());
                }
            }
            await("the extra requests are queued")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> model.engine().stats().queued() == queueCapacity);
            HttpResponse<String> refused = post("/v1/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\"}");
            assertError(429, "queue is full", null, refused);
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        } finally {
            calls.forEach(c -> c.cancel(null));
        }
        await("all slots are free again")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> model.engine().stats().freeSlots() == slots
                        && model.engine().stats().queued() == 0);
    }

    private static void assertError(int status, String message, String param, HttpResponse<String> response)
            throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertTrue(error.get("message").asText().contains(message), error.toString());
        assertTrue(error.hasNonNull("type"), error.toString());
        if (param != null) {
            assertEquals(param, error.get("param").asText());
        }
    }
}

package io.swapgate.gateway;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.proto.v1.FinishReason;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.ResponseFormat;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.TokenLogprobs;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC API over a real network connection to the test gateway (stories260K, batch 4, queue 2). */
@QuarkusTest
class InferenceGrpcServiceTest {

    private static final String REFERENCE =
            ", there was a little girl named Lily. She loved to play outside in the park."
                    + " One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

    @TestHTTPResource("/")
    URL base;

    /** Health and metrics are served on the management port (its port is what this gives). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Inject
    ServedModel model;

    private ManagedChannel channel;
    private InferenceGrpc.InferenceBlockingStub stub;

    @BeforeEach
    void connect() {
        channel = TestGateway.channel(base, TestGateway.ADMIN_KEY);
        stub = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static GenerateRequest greedy(String prompt, int maxTokens) {
        return GenerateRequest.newBuilder()
                .setPrompt(prompt)
                .setMaxNewTokens(maxTokens)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .build();
    }

    @Test
    void unaryAndStreamingReturnTheReferenceText() {
        GenerateResponse unary = stub.generate(
                greedy("Once upon a time", 40).toBuilder().setRequestId("req-1").build());
        assertTrue(REFERENCE.startsWith(unary.getText()) && unary.getText().length() > 100, unary.getText());
        assertEquals("req-1", unary.getRequestId());
        assertEquals(FinishReason.FINISH_REASON_LENGTH, unary.getFinishReason());
        assertEquals(40, unary.getUsage().getCompletionTokens());
        assertEquals(unary.getUsage().getPromptTokens() + 40, unary.getUsage().getTotalTokens());
        assertEquals(40, unary.getTokenIdsCount());

        StringBuilder text = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        List<GenerateStreamResponse> messages = new ArrayList<>();
        stub.generateStream(greedy("Once upon a time", 40)).forEachRemaining(messages::add);
        messages.forEach(m -> {
            text.append(m.getText());
            ids.addAll(m.getTokenIdsList());
        });
        assertEquals(unary.getText(), text.toString());
        assertEquals(unary.getTokenIdsList(), ids);
        assertTrue(messages.size() > 10, "expected one message per piece, got " + messages.size());
        GenerateStreamResponse last = messages.get(messages.size() - 1);
        assertEquals(FinishReason.FINISH_REASON_LENGTH, last.getFinishReason());
        assertEquals(40, last.getUsage().getCompletionTokens());
        assertTrue(messages.subList(0, messages.size() - 1).stream().noneMatch(GenerateStreamResponse::hasUsage));
    }

    /**
     * Each generated token's log-probability arrives with it, in the unary answer and in the stream message that
     * carries the token; at temperature 0 the chosen token is the most likely one, its log-probability the first
     * alternative's, and the alternatives are the most likely first.
     */
    @Test
    void logprobsComeWithEveryTokenInUnaryAndStreamingAnswers() {
        GenerateRequest request = greedy("Once upon a time", 20).toBuilder()
                .setLogprobs(true)
                .setTopLogprobs(5)
                .build();
        GenerateResponse unary = stub.generate(request);
        assertEquals(20, unary.getLogprobsCount());
        StringBuilder tokens = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            TokenLogprobs step = unary.getLogprobs(i);
            assertEquals(unary.getTokenIds(i), step.getChosen().getTokenId());
            assertEquals(5, step.getTopCount());
            assertEquals(step.getChosen().getTokenId(), step.getTop(0).getTokenId(), "greedy picks the most likely");
            assertEquals(step.getChosen().getLogprob(), step.getTop(0).getLogprob());
            assertTrue(step.getChosen().getLogprob() <= 0, step.toString());
            for (int k = 1; k < 5; k++) {
                assertTrue(step.getTop(k - 1).getLogprob() >= step.getTop(k).getLogprob(), step.toString());
            }
            assertEquals(
                    step.getChosen().getToken(), step.getChosen().getBytes().toStringUtf8());
            tokens.append(step.getChosen().getToken());
        }
        assertEquals(unary.getText(), tokens.toString(), "the tokens' texts make up the completion");

        List<TokenLogprobs> streamed = new ArrayList<>();
        stub.generateStream(request).forEachRemaining(m -> {
            assertEquals(m.getTokenIdsCount(), m.getLogprobsCount(), "one entry per token of the message");
            streamed.addAll(m.getLogprobsList());
        });
        assertEquals(unary.getLogprobsList(), streamed);

        GenerateResponse without = stub.generate(greedy("Once upon a time", 20));
        assertEquals(0, without.getLogprobsCount(), "nothing unless asked for");
        assertEquals(unary.getText(), without.getText());
    }

    /** A JSON schema or a pattern in response_format holds for sampled completions, unary and streamed. */
    @Test
    void responseFormatsAreEnforcedWhileSampling() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"hero\":{\"type\":\"string\",\"maxLength\":12},"
                + "\"brave\":{\"type\":\"boolean\"}},\"required\":[\"hero\",\"brave\"]}";
        for (long seed = 1; seed <= 5; seed++) {
            GenerateRequest request = greedy("Once upon a time", 80).toBuilder()
                    .setSampling(SamplingParams.newBuilder().setTemperature(1).setSeed(seed))
                    .setResponseFormat(ResponseFormat.newBuilder().setJsonSchema(schema))
                    .build();
            GenerateResponse response = stub.generate(request);
            assertEquals(FinishReason.FINISH_REASON_STOP, response.getFinishReason(), response.getText());
            var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.getText());
            assertTrue(doc.get("hero").isTextual() && doc.get("brave").isBoolean(), response.getText());
            StringBuilder streamed = new StringBuilder();
            stub.generateStream(request).forEachRemaining(m -> streamed.append(m.getText()));
            assertEquals(response.getText(), streamed.toString(), "the stream samples the same document");
        }
        GenerateResponse sentence = stub.generate(greedy("Once upon a time", 40).toBuilder()
                .setSampling(SamplingParams.newBuilder().setTemperature(1).setSeed(9))
                .setResponseFormat(ResponseFormat.newBuilder().setRegex("(Lily|Ben) (ran|sang)( fast)?\\."))
                .build());
        assertTrue(sentence.getText().matches("(Lily|Ben) (ran|sang)( fast)?\\."), sentence.getText());
    }

    @Test
    void stopStringsEndTheStreamWithStop() {
        GenerateRequest request = greedy("Once upon a time", 60).toBuilder()
                .setSampling(SamplingParams.newBuilder().setTemperature(0).addStop("Lily"))
                .build();
        GenerateResponse response = stub.generate(request);
        assertEquals(", there was a little girl named ", response.getText());
        assertEquals(FinishReason.FINISH_REASON_STOP, response.getFinishReason());
    }

    @Test
    void invalidRequestsGetInvalidArgumentWithTheReason() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "prompt must not be empty", greedy("", 10));
        assertStatus(Status.Code.INVALID_ARGUMENT, "max_new_tokens must be positive", greedy("hi", 0));
        assertStatus(Status.Code.INVALID_ARGUMENT, "exceeds the model's context", greedy("hi", 100_000));
        assertStatus(Status.Code.INVALID_ARGUMENT, "temperature", sampling(s -> s.setTemperature(-1)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "temperature", sampling(s -> s.setTemperature(Float.NaN)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "top_p", sampling(s -> s.setTopP(2)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "top_k", sampling(s -> s.setTopK(-3)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "repetition_penalty", sampling(s -> s.setRepetitionPenalty(-1)));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "top_logprobs must be between 0 and 20",
                greedy("hi", 5).toBuilder().setLogprobs(true).setTopLogprobs(21).build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "the keyword 'format' cannot be enforced",
                greedy("hi", 5).toBuilder()
                        .setResponseFormat(
                                ResponseFormat.newBuilder().setJsonSchema("{\"type\":\"string\",\"format\":\"email\"}"))
                        .build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "json_schema is not valid JSON",
                greedy("hi", 5).toBuilder()
                        .setResponseFormat(ResponseFormat.newBuilder().setJsonSchema("{nope"))
                        .build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "backreferences",
                greedy("hi", 5).toBuilder()
                        .setResponseFormat(ResponseFormat.newBuilder().setRegex("(a)\\1"))
                        .build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "top_logprobs needs logprobs set",
                greedy("hi", 5).toBuilder().setTopLogprobs(3).build());
        assertStatus(
                Status.Code.NOT_FOUND,
                "adapter 'acme/support' not found",
                greedy("hi", 5).toBuilder().addAdapters("acme/support").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "invalid tenant '..'",
                greedy("hi", 5).toBuilder().addAdapters("../../etc").build());
        assertEquals(0, model.engine().stats().queued());
    }

    private static GenerateRequest sampling(UnaryOperator<SamplingParams.Builder> edit) {
        return greedy("hi", 5).toBuilder()
                .setSampling(edit.apply(SamplingParams.newBuilder()))
                .build();
    }

    private void assertStatus(Status.Code code, String reason, GenerateRequest request) {
        TestGateway.assertStatus(code, reason, () -> stub.generate(request));
        StatusRuntimeException stream = assertThrows(
                StatusRuntimeException.class, () -> stub.generateStream(request).hasNext());
        assertEquals(code, stream.getStatus().getCode());
    }

    @Test
    void clientCancellationFreesTheBatchSlotAndCache() {
        int slots = model.engine().config().maxBatchSize();
        try (Context.CancellableContext call = Context.current().withCancellation()) {
            Iterator<GenerateStreamResponse> stream =
                    call.call(() -> stub.generateStream(greedy("Once upon a time", 400)));
            assertTrue(stream.hasNext());
            assertEquals(1, model.engine().stats().running());
            call.cancel(null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        await("the cancelled stream's slot is free")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> model.engine().stats().freeSlots() == slots
                        && model.engine().stats().cachedTokens() == 0);
    }

    @Test
    void fullQueueGetsResourceExhaustedAtOnce() throws Exception {
        int slots = model.engine().config().maxBatchSize();
        int queueCapacity = model.engine().config().queueCapacity();
        List<Context.CancellableContext> calls = new ArrayList<>();
        try {
            for (int i = 0; i < slots + queueCapacity; i++) {
                Context.CancellableContext call = Context.current().withCancellation();
                calls.add(call);
                Iterator<GenerateStreamResponse> stream =
                        call.call(() -> stub.generateStream(greedy("Once upon a time", 500)));
                if (i < slots) {
                    assertTrue(stream.hasNext()); // running: its first piece arrived
                }
            }
            await("the extra requests are queued")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> model.engine().stats().queued() == queueCapacity);
            long before = System.nanoTime();
            StatusRuntimeException refused =
                    assertThrows(StatusRuntimeException.class, () -> stub.generate(greedy("hi", 5)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
            assertTrue(refused.getStatus().getDescription().contains("queue is full"));
            assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(30), "refusal must not wait for a slot");
        } finally {
            calls.forEach(c -> c.cancel(null));
        }
        await("all slots are free again")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> model.engine().stats().freeSlots() == slots
                        && model.engine().stats().queued() == 0);
    }

    @Test
    void readinessReportsTheLoadedModel() {
        given().baseUri("http://" + management.getHost())
                .port(management.getPort())
                .when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'model' }.data.model", equalTo("stories260K"))
                .body("checks.find { it.name == 'adapter-registry' }.status", equalTo("UP"));
        // The paths the Kubernetes probes use (k8s/base/deployment.yaml).
        given().baseUri("http://" + management.getHost())
                .port(management.getPort())
                .when()
                .get("/q/health/started")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"));
        given().baseUri("http://" + management.getHost())
                .port(management.getPort())
                .when()
                .get("/q/health/live")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"));
        // Not on the API's port: they name tenants and the registry.
        given().when().get("/q/health/ready").then().statusCode(404);
        given().when().get("/q/metrics").then().statusCode(404);
    }
}

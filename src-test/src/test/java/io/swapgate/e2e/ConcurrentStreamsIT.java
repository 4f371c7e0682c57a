package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.FinishReason;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.Usage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Requests decoded together in one batch give exactly what each gives alone: 32 different requests (greedy and
 * seeded sampling, various lengths) are first run one at a time, then all at once as streams.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ConcurrentStreamsIT {

    private static final int REQUESTS = 32;
    private static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "The little dog",
            "Lily and Ben went to the park",
            "One day, a bird",
            "Tom had a big red ball",
            "The sun was hot and",
            "There was a tall tree",
            "Mom said");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayProcess gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = GatewayProcess.start("concurrent", E2e.stories260K());
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** What one request produced. */
    record Result(String text, List<Integer> tokenIds, FinishReason finishReason, Usage usage) {}

    @Test
    void concurrentStreamsEqualTheirSoloResults() throws Exception {
        List<GenerateRequest> requests = requests();
        assertEquals(REQUESTS, new HashSet<>(requests).size(), "the requests must all differ");

        // 1. Each request alone, one after the other.
        InferenceGrpc.InferenceBlockingStub blocking = InferenceGrpc.newBlockingStub(gateway.channel());
        List<Result> solo = new ArrayList<>();
        for (GenerateRequest request : requests) {
            GenerateResponse response =
                    blocking.withDeadlineAfter(60, TimeUnit.SECONDS).generate(request);
            solo.add(new Result(
                    response.getText(), response.getTokenIdsList(), response.getFinishReason(), response.getUsage()));
        }
        for (int i = 0; i < REQUESTS; i++) {
            Result result = solo.get(i);
            GenerateRequest request = requests.get(i);
            assertTrue(
                    result.finishReason() == FinishReason.FINISH_REASON_LENGTH
                            || result.finishReason() == FinishReason.FINISH_REASON_EOS,
                    request.getRequestId() + " finished with " + result.finishReason());
            assertTrue(
                    result.usage().getCompletionTokens() > 0
                            && result.usage().getCompletionTokens() <= request.getMaxNewTokens(),
                    request.getRequestId() + " completion tokens "
                            + result.usage().getCompletionTokens());
        }

        // 2. All of them at once, as streams.
        InferenceGrpc.InferenceStub async = InferenceGrpc.newStub(gateway.channel());
        CountDownLatch finished = new CountDownLatch(REQUESTS);
        List<StreamCollector> streams = new ArrayList<>();
        for (GenerateRequest request : requests) {
            StreamCollector collector = new StreamCollector(finished);
            streams.add(collector);
            async.withDeadlineAfter(120, TimeUnit.SECONDS).generateStream(request, collector);
        }
        // While waiting, watch the engine's "running" count to make sure the streams were really decoded together.
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        int mostRunning = 0;
        while (!finished.await(20, TimeUnit.MILLISECONDS)) {
            assertTrue(
                    System.nanoTime() < deadline,
                    () -> finished.getCount() + " of " + REQUESTS + " streams did not finish; gateway log "
                            + gateway.log());
            mostRunning = Math.max(mostRunning, runningRequests(http));
        }
        assertTrue(
                mostRunning >= 2,
                "the engine never ran two of the streams at once (most running: " + mostRunning + ")");

        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String id = requests.get(i).getRequestId();
            Result expected = solo.get(i);
            StreamCollector stream = streams.get(i);
            checks.add(() -> {
                assertNull(stream.error, () -> id + " failed: " + stream.error);
                Supplier<String> context =
                        () -> id + " (" + describe(requests.get(Integer.parseInt(id.substring(id.indexOf('-') + 1))))
                                + ")\n  solo:       " + E2e.escape(expected.text()) + "\n  concurrent: "
                                + E2e.escape(stream.text.toString());
                assertEquals(expected.text(), stream.text.toString(), () -> "text of " + context.get());
                assertEquals(expected.tokenIds(), stream.tokenIds, () -> "token ids of " + context.get());
                assertEquals(
                        expected.finishReason(),
                        stream.last().getFinishReason(),
                        () -> "finish reason of " + context.get());
                assertEquals(expected.usage(), stream.last().getUsage(), () -> "usage of " + context.get());
                for (int m = 0; m < stream.messages.size() - 1; m++) {
                    assertEquals(
                            FinishReason.FINISH_REASON_UNSPECIFIED,
                            stream.messages.get(m).getFinishReason(),
                            id + ": only the last stream message may carry a finish reason (message " + m + ")");
                }
                assertEquals(id, stream.last().getRequestId(), "request id echoed in the stream");
            });
        }
        assertAll("concurrent streams vs solo runs", checks);
    }

    /** The model readiness check's count of sequences being decoded. */
    private static int runningRequests(HttpClient http) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + gateway.managementPort() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5))
                .build();
        JsonNode health = JSON.readTree(
                http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals("model")) {
                JsonNode running = check.path("data").path("running");
                assertTrue(running.isInt(), () -> "no running count in " + health);
                return running.asInt();
            }
        }
        throw new AssertionError("no 'model' check in " + health);
    }

    /** 32 different requests: 8 prompts, 10 to 80 new tokens, even ones greedy, odd ones sampled at 0.8 with distinct seeds. */
    private static List<GenerateRequest> requests() {
        List<GenerateRequest> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            SamplingParams.Builder sampling = SamplingParams.newBuilder();
            if (i % 2 == 0) {
                sampling.setTemperature(0f);
            } else {
                sampling.setTemperature(0.8f).setSeed(1000L + 7919L * i);
            }
            requests.add(GenerateRequest.newBuilder()
                    .setRequestId("concurrent-" + i)
                    .setPrompt(PROMPTS.get(i % PROMPTS.size()))
                    .setMaxNewTokens(10 + (i * 37) % 71)
                    .setSampling(sampling)
                    .build());
        }
        return requests;
    }

    private static String describe(GenerateRequest request) {
        SamplingParams s = request.getSampling();
        return "prompt " + E2e.escape(request.getPrompt()) + ", max_new_tokens " + request.getMaxNewTokens()
                + (s.getTemperature() == 0f
                        ? ", greedy"
                        : ", temperature " + s.getTemperature() + ", seed " + s.getSeed());
    }

    /** Gathers one stream; the latch's count-down publishes its fields to the test thread. */
    private static final class StreamCollector implements StreamObserver<GenerateStreamResponse> {
        private final CountDownLatch finished;
        final StringBuilder text = new StringBuilder();
        final List<Integer> tokenIds = new ArrayList<>();
        final List<GenerateStreamResponse> messages = new ArrayList<>();
        Throwable error;

        StreamCollector(CountDownLatch finished) {
            this.finished = finished;
        }

        @Override
        public void onNext(GenerateStreamResponse message) {
            messages.add(message);
            text.append(message.getText());
            tokenIds.addAll(message.getTokenIdsList());
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            finished.countDown();
        }

        @Override
        public void onCompleted() {
            finished.countDown();
        }

        GenerateStreamResponse last() {
            assertNotEquals(0, messages.size(), "the stream sent no message");
            return messages.get(messages.size() - 1);
        }
    }
}

package io.swapgate.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** After traffic, a swap and a training job, /q/metrics holds every metric, and the counts match what happened. */
@QuarkusTest
class MetricsTest {

    private static final int REQUESTS = 5;
    private static final int TOKENS = 12;

    @TestHTTPResource("/")
    URL base;

    /** Metrics are served on the management port, not the API's (its port is what this gives). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void metricsCountTheTrafficSent() throws Exception {
        String before = scrape();
        ManagedChannel channel = TestGateway.channel(base, TestGateway.ADMIN_KEY);
        try {
            var stub = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            int promptTokens = 0;
            for (int i = 0; i < REQUESTS; i++) {
                promptTokens = stub.generate(GenerateRequest.newBuilder()
                                .setPrompt("Once upon a time")
                                .setMaxNewTokens(TOKENS)
                                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                                .build())
                        .getUsage()
                        .getPromptTokens();
            }
            assertThrows(
                    StatusRuntimeException.class,
                    () -> stub.generate(GenerateRequest.newBuilder()
                            .setPrompt("")
                            .setMaxNewTokens(5)
                            .build()));
            assertThrows(
                    StatusRuntimeException.class,
                    () -> stub.generate(GenerateRequest.newBuilder()
                            .setPrompt("hi")
                            .setMaxNewTokens(5)
                            .addAdapters("nobody/none")
                            .build()));
            // A promotion (a live swap) and a short training job.
            TestAdapterFiles files = new TestAdapterFiles(23);
            files.upload(channel, "metrics-swap", files.random.prompt("metrics-swap", 2), "stable");
            TrainingJob job = train(channel);
            await("the swap is ready")
                    .atMost(java.time.Duration.ofSeconds(30))
                    .pollInterval(java.time.Duration.ofMillis(5))
                    .until(() -> delta(before, scrape(), "swapgate_adapter_swap_seconds_count") >= 1);
            String after = scrape();

            String lengthFinish = "{adapters=\"none\",finish_reason=\"length\"}";
            assertEquals(REQUESTS, delta(before, after, "swapgate_request_duration_seconds_count" + lengthFinish));
            assertEquals(REQUESTS, delta(before, after, "swapgate_request_ttft_seconds_count{adapters=\"none\"}"));
            assertEquals(
                    REQUESTS * (TOKENS - 1),
                    delta(before, after, "swapgate_request_inter_token_seconds_count{adapters=\"none\"}"));
            assertEquals(REQUESTS * TOKENS, delta(before, after, "swapgate_tokens_generated_total{adapters=\"none\"}"));
            assertEquals(
                    (long) REQUESTS * promptTokens,
                    delta(before, after, "swapgate_tokens_prompt_total{adapters=\"none\"}"));
            assertEquals(
                    1,
                    delta(
                            before,
                            after,
                            "swapgate_requests_refused_total{status=\"INVALID_ARGUMENT\",tenant=\"ops\"}"));
            assertEquals(
                    1, delta(before, after, "swapgate_requests_refused_total{status=\"NOT_FOUND\",tenant=\"ops\"}"));
            // The same traffic, accounted to the admin key's tenant.
            assertEquals(REQUESTS, delta(before, after, "swapgate_tenant_requests_total{tenant=\"ops\"}"));
            assertEquals(
                    REQUESTS * TOKENS, delta(before, after, "swapgate_tenant_tokens_generated_total{tenant=\"ops\"}"));
            assertEquals(
                    (long) REQUESTS * promptTokens,
                    delta(before, after, "swapgate_tenant_tokens_prompt_total{tenant=\"ops\"}"));
            assertEquals(0, value(after, "swapgate_tenant_in_flight{tenant=\"ops\"}"));
            assertTrue(value(after, "swapgate_tenant_adapter_load_seconds_total{tenant=\"ops\"}") >= 0);
            assertTrue(delta(before, after, "swapgate_engine_step_seconds_count{phase=\"decode\"}") >= TOKENS - 1);
            assertTrue(delta(before, after, "swapgate_engine_step_seconds_count{phase=\"prefill\"}") >= 1);
            assertTrue(delta(before, after, "swapgate_engine_batch_size_count") >= TOKENS - 1);
            assertTrue(value(after, "swapgate_engine_kv_cache_bytes") > 0);
            assertTrue(value(after, "swapgate_adapter_swap_seconds_max") > 0);
            assertEquals(1, delta(before, after, "swapgate_training_jobs{state=\"" + job.getState() + "\"}"));
            assertTrue(List.of("PROMOTED", "PUBLISHED").contains(job.getState()), job.toString());
            assertEquals(0, value(after, "swapgate_training_jobs{state=\"RUNNING\"}"));
            assertEquals(0, value(after, "swapgate_training_step"), "no job is running");
            for (String gauge : new String[] {
                "swapgate_engine_queued",
                "swapgate_engine_running",
                "swapgate_engine_kv_cache_tokens",
                "swapgate_adapters_host_bytes",
                "swapgate_adapters_host_loads_total",
                "swapgate_adapters_device_uploads_total"
            }) {
                assertTrue(value(after, gauge) >= 0, gauge);
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A five-step LoRA job on a small dataset, followed to its end. */
    private static TrainingJob train(ManagedChannel channel) {
        StartTrainingRequest.Builder start =
                StartTrainingRequest.newBuilder().setAdapter("ops/metrics-job").setSteps(5);
        for (int i = 0; i < 30; i++) {
            start.addExamples(TrainingExample.newBuilder()
                    .setExampleId("m" + i)
                    .setPrompt("Tom's hat is")
                    .setCompletion(" green."));
        }
        var training = TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        TrainingJob queued = training.start(start.build());
        Iterator<TrainingJob> changes = training.watch(
                WatchTrainingJobsRequest.newBuilder().setId(queued.getId()).build());
        TrainingJob last = queued;
        while (changes.hasNext()) {
            last = changes.next();
        }
        return last;
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://" + management.getHost() + ":" + management.getPort() + "/q/metrics"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static long delta(String before, String after, String series) {
        return Math.round(valueOrZero(after, series) - valueOrZero(before, series));
    }

    /** The value of one series line ({@code name{labels}} exactly as exposed); fails when it is missing. */
    private static double value(String scrape, String series) {
        return scrape.lines()
                .filter(l -> l.startsWith(series + " "))
                .findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no metric " + series + " in /q/metrics"));
    }

    private static double valueOrZero(String scrape, String series) {
        return scrape.lines().anyMatch(l -> l.startsWith(series + " ")) ? value(scrape, series) : 0;
    }
}

package io.swapgate.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and absurd input over real gRPC: each gets a clear status and message quickly, no server path leaks, and
 * the gateway's state is unchanged afterwards (nothing running or queued, and a normal request gives the reference).
 */
@QuarkusTest
class HostileInputTest {

    @Inject
    ServedModel model;

    @TestHTTPResource("/")
    URL base;

    private ManagedChannel channel;
    private InferenceGrpc.InferenceBlockingStub stub;

    @BeforeEach
    void connectAsAdmin() {
        channel = TestGateway.channel(base, TestGateway.ADMIN_KEY);
        stub = InferenceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS); // each hostile call is quick
    }

    @AfterEach
    void stateIsUnchanged() throws InterruptedException {
        await("the engine is idle")
                .atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(5))
                .until(() -> model.engine().stats().running() == 0
                        && model.engine().stats().queued() == 0);
        String text = stub.generate(request("Once upon a time", 12, s -> s)).getText();
        assertTrue(text.startsWith(", there was a little girl named Lily"), text);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static GenerateRequest request(
            String prompt, int maxTokens, UnaryOperator<SamplingParams.Builder> sampling) {
        return GenerateRequest.newBuilder()
                .setPrompt(prompt)
                .setMaxNewTokens(maxTokens)
                .setSampling(sampling.apply(SamplingParams.newBuilder().setTemperature(0)))
                .build();
    }

    private StatusRuntimeException refused(Status.Code code, String reason, GenerateRequest request) {
        StatusRuntimeException e = TestGateway.assertStatus(code, reason, () -> stub.generate(request));
        assertFalse(
                String.valueOf(e.getStatus().getDescription()).contains("/work/"),
                "a server path leaked: " + e.getStatus());
        return e;
    }

    @Test
    void hugePromptsAreRefusedBeforeTheyAreTokenized() {
        long started = System.nanoTime();
        refused(Status.Code.INVALID_ARGUMENT, "prompt", request("a".repeat(200_000), 5, s -> s));
        assertTrue(
                System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "refusing a 200 KB prompt took too long");
        // Past the server's message size limit the transport refuses the message itself.
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class, () -> stub.generate(request("b".repeat(5 << 20), 5, s -> s)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    }

    @Test
    void controlCharactersAndOddUnicodeAreServed() {
        for (String prompt : List.of(
                "\u0000\u0001\u001b[31mred\u001b[0m",
                "\uFEFFzero\u200Bwidth",
                "\uD83D\uDE00 emoji",
                "right\u202Eto\u202Cleft",
                "\u0301combining")) {
            assertEquals(4, stub.generate(request(prompt, 4, s -> s)).getUsage().getCompletionTokens(), prompt);
        }
    }

    @Test
    void absurdLimitsAndSamplingValuesAreRefusedWithTheReason() {
        refused(Status.Code.INVALID_ARGUMENT, "max_new_tokens", request("hi", -1, s -> s));
        refused(Status.Code.INVALID_ARGUMENT, "max_new_tokens", request("hi", Integer.MAX_VALUE, s -> s));
        refused(
                Status.Code.INVALID_ARGUMENT,
                "max_new_tokens",
                request("hi", model.engine().config().maxContext(), s -> s));
        refused(
                Status.Code.INVALID_ARGUMENT,
                "temperature",
                request("hi", 5, s -> s.setTemperature(Float.POSITIVE_INFINITY)));
        refused(Status.Code.INVALID_ARGUMENT, "top_p", request("hi", 5, s -> s.setTopP(Float.NaN)));
        refused(Status.Code.INVALID_ARGUMENT, "top_p", request("hi", 5, s -> s.setTopP(-0.5f)));
        refused(
                Status.Code.INVALID_ARGUMENT,
                "repetition_penalty",
                request("hi", 5, s -> s.setRepetitionPenalty(Float.NaN)));
        // A top_k past the vocabulary is just "all tokens".
        assertEquals(
                3,
                stub.generate(request("hi", 3, s -> s.setTopK(Integer.MAX_VALUE)))
                        .getUsage()
                        .getCompletionTokens());
    }

    @Test
    void trainingJobsAskingForImpossibleLoraShapesAreRefused() {
        var training =
                io.swapgate.proto.v1.TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        var start = io.swapgate.proto.v1.StartTrainingRequest.newBuilder().setAdapter("ops/hostile-shape");
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "smallest rank between 1 and the rank",
                () -> training.start(start.clone()
                        .setKind("lora")
                        .setLoraRank(4)
                        .setLoraMinRank(5)
                        .build()));
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "lora_rank must be between 1 and 64",
                () -> training.start(
                        start.clone().setKind("lora").setLoraRank(65).build()));
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "lora_rank must be between 1 and 64",
                () -> training.start(
                        start.clone().setKind("lora").setLoraRank(-3).build()));
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "need kind lora",
                () -> training.start(
                        start.clone().setKind("prompt").setLoraMinRank(2).build()));
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "tempnet_objective needs kind tempnet",
                () -> training.start(
                        start.clone().setKind("lora").setTempnetObjective("dro").build()));
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "unknown tempnet_objective 'hot'",
                () -> training.start(start.clone()
                        .setKind("tempnet")
                        .setTempnetObjective("hot")
                        .build()));
        assertEquals(
                0,
                training.list(io.swapgate.proto.v1.ListTrainingJobsRequest.newBuilder()
                                .setAdapter("ops/hostile-shape")
                                .build())
                        .getJobsCount(),
                "no job was queued");
    }

    @Test
    void feedbackScoresOutsideTheirRangeAndEmptyPreferencesAreRefused() {
        var training =
                io.swapgate.proto.v1.TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        var start = io.swapgate.proto.v1.StartTrainingRequest.newBuilder().setAdapter("ops/hostile-signal");
        var example = io.swapgate.proto.v1.TrainingExample.newBuilder()
                .setExampleId("x")
                .setPrompt("Once");
        for (float score : new float[] {Float.NaN, 1e30f, -2f}) {
            TestGateway.assertStatus(
                    Status.Code.INVALID_ARGUMENT,
                    "feedback score must be between -1 and 1",
                    () -> training.start(start.clone()
                            .addExamples(example.clone()
                                    .setFeedback(io.swapgate.proto.v1.Feedback.newBuilder()
                                            .setCompletion(" upon")
                                            .setScore(score)))
                            .build()));
        }
        TestGateway.assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "chosen completion that differs",
                () -> training.start(start.clone()
                        .addExamples(example.clone()
                                .setPreference(io.swapgate.proto.v1.Preference.newBuilder()
                                        .setChosen(" a")
                                        .setRejected(" a")))
                        .build()));
    }

    @Test
    void tenThousandStopStringsAreRefusedNotScanned() {
        List<String> stops = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            stops.add("stop" + i);
        }
        refused(Status.Code.INVALID_ARGUMENT, "stop strings", request("hi", 5, s -> s.addAllStop(stops)));
        refused(Status.Code.INVALID_ARGUMENT, "stop strings", request("hi", 5, s -> s.addStop("x".repeat(10_000))));
    }

    @Test
    void trickAdapterNamesNeverReachTheFileSystem() {
        for (String name : List.of(
                "../../etc/passwd",
                "demo/../../x",
                "demo/x/../../../y",
                "/etc/passwd",
                "demo\\..\\x",
                "demo/x\u0000",
                "demo/%2e%2e",
                "demo/" + "x".repeat(500),
                "demo/x@../../stable",
                "")) {
            StatusRuntimeException e = TestGateway.assertStatus(
                    Status.Code.INVALID_ARGUMENT,
                    "",
                    () -> stub.generate(request("hi", 3, s -> s).toBuilder()
                            .addAdapters(name)
                            .build()));
            assertFalse(
                    String.valueOf(e.getStatus().getDescription()).contains("/work/"),
                    "a server path leaked: " + e.getStatus());
        }
        // Look-alike letters (a Cyrillic e) are not another tenant's name: names are ASCII only.
        refused(
                Status.Code.INVALID_ARGUMENT,
                "invalid tenant",
                request("hi", 3, s -> s).toBuilder()
                        .addAdapters("d\u0435mo/lora")
                        .build());
    }

    @Test
    void malformedKeysAreUnauthenticated() throws InterruptedException {
        for (String authorization : List.of(
                "Bearer",
                "Bearer ",
                "Basic ZGVtbzprZXk=",
                "Bearer " + "k".repeat(4000),
                "Bearer demo-key\u00e9",
                "Bearer demo-key extra")) {
            Metadata headers = new Metadata();
            headers.put(
                    Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                    authorization.replace('\u00e9', '?'));
            ManagedChannel bare = TestGateway.channel(base, null);
            try {
                TestGateway.assertStatus(
                        Status.Code.UNAUTHENTICATED,
                        "",
                        () -> InferenceGrpc.newBlockingStub(bare)
                                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .generate(request("hi", 3, s -> s)));
            } finally {
                bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void requestBodiesThatAreNotProtobufAreInvalidArguments() {
        MethodDescriptor<byte[], byte[]> generate = InferenceGrpc.getGenerateMethod().toBuilder(
                        RawBytes.INSTANCE, RawBytes.INSTANCE)
                .build();
        byte[] nested = new byte[2 * 200];
        for (int depth = 0; depth < 200; depth++) {
            nested[2 * depth] = (byte) 0x7b; // field 15, start group: 200 levels, deeper than protobuf's limit of 100
            nested[2 * depth + 1] = (byte) 0x7b;
        }
        byte[] invalidUtf8Prompt = {0x0a, 0x02, (byte) 0xff, (byte) 0xfe
        }; // field 1 (prompt): proto3 strings must be UTF-8
        for (byte[] body : List.of(
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff},
                new byte[] {0x0a, 0x7f, 'x'},
                nested,
                invalidUtf8Prompt)) {
            TestGateway.assertStatus(
                    Status.Code.INVALID_ARGUMENT,
                    "not a valid protobuf message",
                    () -> ClientCalls.blockingUnaryCall(
                            channel, generate, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), body));
        }
    }

    /** Sends and receives bytes as they are, so that a test can put anything on the wire. */
    private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

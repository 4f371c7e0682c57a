package io.swapgate.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.proto.v1.AdapterOptions;
import io.swapgate.proto.v1.FinishReason;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.ServedAdapter;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Adapters named in gRPC requests, published to the gateway's registry over gRPC first. */
@QuarkusTest
class AdapterServingGrpcTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    ServedModel model;

    @Inject
    ServedAdapters served;

    private ManagedChannel channel;
    private InferenceGrpc.InferenceBlockingStub stub;
    private static TestAdapterFiles files;
    private static final Map<String, String> VERSIONS = new HashMap<>();

    @BeforeEach
    void connect() throws Exception {
        channel = TestGateway.channel(base, TestGateway.ADMIN_KEY);
        stub = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        if (files == null) {
            files = new TestAdapterFiles(11);
            publish("lora", files.random.lora("lora", 4, 8f, false, 0, EnumSet.allOf(LoraModule.class)));
            publish("dylora", files.random.lora("dylora", 8, 8f, false, 2, EnumSet.of(LoraModule.Q, LoraModule.V)));
            publish("prompt", files.random.prompt("prompt", 4));
            publish("prefix", files.random.prefix("prefix", 4));
            publish("tempnet", files.random.tempNet("tempnet", TempNetAdapter.Input.LOGITS, 8));
            publish(
                    "dora",
                    files.random.dora(
                            "dora",
                            4,
                            8f,
                            EnumSet.allOf(LoraModule.class),
                            TestAdapterFiles.MODEL.weights().layers()));
        }
    }

    private void publish(String name, Adapter adapter) throws Exception {
        VERSIONS.put(name, files.upload(channel, name, adapter, "stable").getVersion());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static GenerateRequest.Builder request(String... adapters) {
        return GenerateRequest.newBuilder()
                .setPrompt("Once upon a time")
                .setMaxNewTokens(30)
                .setSampling(SamplingParams.newBuilder().setTemperature(0).setSeed(5))
                .addAllAdapters(java.util.Arrays.stream(adapters)
                        .map(TestAdapterFiles::named)
                        .toList());
    }

    @Test
    void composedAdaptersMatchTheInProcessEngineAndReportTheirVersions() throws Exception {
        GenerateRequest wire = request("lora", "prompt", "prefix", "tempnet")
                .setReturnTemperatures(true)
                .build();
        GenerateResponse response = stub.generate(wire);

        AdapterSelection selection = served.select(wire.getAdaptersList(), 0);
        CollectingListener inProcess = new CollectingListener();
        model.engine()
                .submit(
                        GenerationRequest.builder("local", wire.getPrompt(), 30)
                                .sampling(io.swapgate.core.sampling.SamplingParams.sampled(0f, 5))
                                .adapters(selection)
                                .returnTemperatures(true)
                                .build(),
                        inProcess);
        CollectingListener.Completion expected = inProcess.result().get(60, TimeUnit.SECONDS);
        served.release(selection);
        assertEquals(expected.text(), response.getText());
        assertArrayEquals(
                expected.tokenIds(),
                response.getTokenIdsList().stream().mapToInt(Integer::intValue).toArray());
        assertEquals(response.getTokenIdsCount(), response.getTemperaturesCount());
        assertNotEquals(
                stub.generate(request().build()).getText(), response.getText(), "the adapters must change the text");

        assertEquals(
                List.of("lora", "prompt", "prefix", "tempnet"),
                response.getAdaptersList().stream().map(ServedAdapter::getKind).toList());
        for (ServedAdapter adapter : response.getAdaptersList()) {
            assertEquals(VERSIONS.get(adapter.getKind()), adapter.getVersion(), adapter.getReference());
            assertEquals(TestAdapterFiles.named(adapter.getKind()), adapter.getReference());
        }
        assertEquals(4, response.getAdapters(0).getLoraRank());

        List<GenerateStreamResponse> messages = new ArrayList<>();
        stub.generateStream(wire).forEachRemaining(messages::add);
        StringBuilder text = new StringBuilder();
        List<Float> temperatures = new ArrayList<>();
        messages.forEach(m -> {
            text.append(m.getText());
            temperatures.addAll(m.getTemperaturesList());
        });
        assertEquals(response.getText(), text.toString());
        assertEquals(response.getTemperaturesList(), temperatures);
        assertEquals(
                response.getAdaptersList(), messages.get(messages.size() - 1).getAdaptersList());
    }

    /** A DoRA adapter uploaded as PEFT files is served: it changes the text, unlike a LoRA with the same factors. */
    @Test
    void aDoraAdapterIsServedWithItsMagnitudes() {
        GenerateResponse dora = stub.generate(request("dora").build());
        assertEquals("lora", dora.getAdapters(0).getKind());
        assertEquals(VERSIONS.get("dora"), dora.getAdapters(0).getVersion());
        assertNotEquals(stub.generate(request().build()).getText(), dora.getText());
    }

    @Test
    void dyLoraIsServedAtTheRequestedRank() {
        GenerateResponse full = stub.generate(request("dylora").build());
        GenerateResponse truncated = stub.generate(request("dylora")
                .setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(2))
                .build());
        assertEquals(8, full.getAdapters(0).getLoraRank());
        assertEquals(2, truncated.getAdapters(0).getLoraRank());
        assertNotEquals(full.getText(), truncated.getText());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "serves ranks 2 to 8, asked for 9",
                request("dylora")
                        .setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(9))
                        .build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "only DyLoRA adapters can be served at another rank",
                request("lora")
                        .setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(2))
                        .build());
    }

    /**
     * LoRAs written with weights are blended in the batched path: one LoRA at weight 1 is that LoRA, a blend differs
     * from its parts, and the answer lists each part with its weight and version. (AdapterEquivalenceTest checks a
     * blend against the weighted factors merged into the base offline.)
     */
    @Test
    void weightedLorasAreBlendedAndReportedWithTheirWeights() {
        GenerateResponse alone = stub.generate(request("lora").build());
        assertEquals(
                alone.getTokenIdsList(),
                stub.generate(request("lora:1").build()).getTokenIdsList());

        GenerateResponse blend =
                stub.generate(request("lora:0.7", "dylora:0.3", "prompt").build());
        assertNotEquals(alone.getText(), blend.getText(), "the blend must differ from one of its parts");
        assertNotEquals(
                stub.generate(request("dylora", "prompt").build()).getText(), blend.getText(), "and from the other");
        assertEquals(
                List.of("lora", "lora", "prompt"),
                blend.getAdaptersList().stream().map(ServedAdapter::getKind).toList());
        assertEquals(0.7f, blend.getAdapters(0).getWeight());
        assertEquals(4, blend.getAdapters(0).getLoraRank());
        assertEquals(VERSIONS.get("dylora"), blend.getAdapters(1).getVersion());
        assertEquals(0.3f, blend.getAdapters(1).getWeight());
        assertEquals(8, blend.getAdapters(1).getLoraRank());
        assertEquals(0f, blend.getAdapters(2).getWeight());

        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "only LoRA adapters take a weight",
                request("prompt:0.5").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "to blend LoRAs give each a weight",
                request("lora:0.5", "dylora").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "a weight follows the reference",
                request("lora:much").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "must be non-zero",
                request("lora:0").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "lora_rank cannot be given for a blend",
                request("lora:0.5", "dylora:0.5")
                        .setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(2))
                        .build());
    }

    @Test
    void badReferencesAreRefusedWhileOtherRequestsKeepStreaming() {
        Iterator<GenerateStreamResponse> running =
                stub.generateStream(request("lora").setMaxNewTokens(300).build());
        assertTrue(running.hasNext());
        assertStatus(
                Status.Code.NOT_FOUND,
                "adapter '" + TestAdapterFiles.named("missing") + "' not found",
                request("missing").build());
        assertStatus(
                Status.Code.NOT_FOUND,
                "has no alias 'canary'",
                request("lora@canary").build());
        assertStatus(
                Status.Code.NOT_FOUND,
                "has no version 00000000",
                request("lora@00000000").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "at most one lora adapter",
                request("lora", "dylora").build());
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "invalid adapter name",
                request("a/b/c").build());
        GenerateStreamResponse last = null;
        while (running.hasNext()) {
            last = running.next();
        }
        assertEquals(FinishReason.FINISH_REASON_LENGTH, last.getFinishReason());
        assertEquals(300, last.getUsage().getCompletionTokens());
    }

    @Test
    void referencesResolveByAliasVersionAndDefault() throws Exception {
        String first = files.upload(channel, "swap", files.random.prompt("swap", 3), "stable")
                .getVersion();
        String second = files.upload(channel, "swap", files.random.prompt("swap", 5), "")
                .getVersion();
        assertEquals(
                first, stub.generate(request("swap").build()).getAdapters(0).getVersion(), "no suffix means @stable");
        assertEquals(
                second,
                stub.generate(request("swap@latest").build()).getAdapters(0).getVersion());
        assertEquals(
                first,
                stub.generate(request("swap@" + first.substring(0, 12)).build())
                        .getAdapters(0)
                        .getVersion());
        // A call unpins its versions when it ends, just after its response is sent.
        await("finished requests unpin their versions")
                .atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(5))
                .until(() -> java.util.stream.Stream.of(first, second).noneMatch(served::inUse));
    }

    private void assertStatus(Status.Code code, String reason, GenerateRequest request) {
        TestGateway.assertStatus(code, reason, () -> stub.generate(request));
    }
}

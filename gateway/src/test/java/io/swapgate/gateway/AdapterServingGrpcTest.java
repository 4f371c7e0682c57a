package io.swapgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
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
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Adapters named in gRPC requests, read from the gateway's adapter folder (written here before the calls). */
@QuarkusTest
class AdapterServingGrpcTest {

    /** The folder {@code %test.swapgate.adapters.dir} names, relative to the module. */
    private static final Path ADAPTERS = Path.of("target/test-adapters");

    @TestHTTPResource("/")
    URL base;

    @Inject
    ServedModel model;

    @Inject
    ServedAdapters served;

    private ManagedChannel channel;
    private InferenceGrpc.InferenceBlockingStub stub;
    private static RandomAdapters random;
    private static BaseModelIdentity identity;

    @BeforeAll
    static void writeAdapters() throws IOException {
        LoadedModel stories = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
        identity = BaseModelIdentity.of(stories.name(), stories.config(), stories.weights());
        random = new RandomAdapters(stories.config(), 11);
        write("demo/lora", random.lora("demo/lora", 4, 8f, false, 0, EnumSet.allOf(LoraModule.class)));
        write("demo/dylora", random.lora("demo/dylora", 8, 8f, false, 2, EnumSet.of(LoraModule.Q, LoraModule.V)));
        write("demo/prompt", random.prompt("demo/prompt", 4));
        write("demo/prefix", random.prefix("demo/prefix", 4));
        write("demo/tempnet", random.tempNet("demo/tempnet", TempNetAdapter.Input.LOGITS, 8));
        var broken = random.lora("demo/broken", 4, 8f, false, 0, EnumSet.of(LoraModule.Q));
        broken.modules().get(LoraModule.Q)[0].a().data()[0] = Float.NaN;
        write("demo/broken", broken);
    }

    private static void write(String name, Adapter adapter) throws IOException {
        PeftAdapterWriter.write(ADAPTERS.resolve(name), adapter, identity);
    }

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort()).usePlaintext().build();
        stub = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static GenerateRequest.Builder request(String... adapters) {
        return GenerateRequest.newBuilder().setPrompt("Once upon a time").setMaxNewTokens(30)
                .setSampling(SamplingParams.newBuilder().setTemperature(0).setSeed(5)).addAllAdapters(List.of(adapters));
    }

    @Test
    void composedAdaptersMatchTheInProcessEngineAndReportTheirVersions() throws Exception {
        GenerateRequest wire = request("demo/lora", "demo/prompt", "demo/prefix", "demo/tempnet").setReturnTemperatures(true).build();
        GenerateResponse response = stub.generate(wire);

        AdapterSelection selection = served.select(wire.getAdaptersList(), 0);
        CollectingListener inProcess = new CollectingListener();
        model.engine().submit(new GenerationRequest("local", wire.getPrompt(), 30,
                new io.swapgate.core.sampling.SamplingParams(0f, 0, 1f, 5, 1f, List.of()), 0, selection, true), inProcess);
        CollectingListener.Completion expected = inProcess.result().get(60, TimeUnit.SECONDS);
        assertEquals(expected.text(), response.getText());
        assertArrayEquals(expected.tokenIds(), response.getTokenIdsList().stream().mapToInt(Integer::intValue).toArray());
        assertEquals(response.getTokenIdsCount(), response.getTemperaturesCount());
        assertNotEquals(stub.generate(request().build()).getText(), response.getText(), "the adapters must change the text");

        assertEquals(List.of("lora", "prompt", "prefix", "tempnet"), response.getAdaptersList().stream().map(ServedAdapter::getKind).toList());
        for (ServedAdapter adapter : response.getAdaptersList()) {
            assertEquals(sha256(ADAPTERS.resolve(adapter.getReference())), adapter.getVersion(), adapter.getReference());
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
        assertEquals(response.getAdaptersList(), messages.get(messages.size() - 1).getAdaptersList());
    }

    @Test
    void dyLoraIsServedAtTheRequestedRank() {
        GenerateResponse full = stub.generate(request("demo/dylora").build());
        GenerateResponse truncated = stub.generate(request("demo/dylora").setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(2)).build());
        assertEquals(8, full.getAdapters(0).getLoraRank());
        assertEquals(2, truncated.getAdapters(0).getLoraRank());
        assertNotEquals(full.getText(), truncated.getText());
        assertStatus(Status.Code.INVALID_ARGUMENT, "serves ranks 2 to 8, asked for 9",
                request("demo/dylora").setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(9)).build());
        assertStatus(Status.Code.INVALID_ARGUMENT, "only DyLoRA adapters can be served at another rank",
                request("demo/lora").setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(2)).build());
    }

    @Test
    void badAdapterRequestsAreRefusedWhileOtherRequestsKeepStreaming() {
        Iterator<GenerateStreamResponse> running = stub.generateStream(request("demo/lora").setMaxNewTokens(300).build());
        assertTrue(running.hasNext());
        assertStatus(Status.Code.FAILED_PRECONDITION, "adapter 'demo/broken' cannot be served: ", request("demo/broken").build());
        assertStatus(Status.Code.FAILED_PRECONDITION, "non-finite value", request("demo/broken").build());
        assertStatus(Status.Code.NOT_FOUND, "adapter 'demo/missing' not found", request("demo/missing").build());
        assertStatus(Status.Code.INVALID_ARGUMENT, "at most one lora adapter", request("demo/lora", "demo/dylora").build());
        assertStatus(Status.Code.INVALID_ARGUMENT, "invalid adapter name", request("demo/../../secrets").build());
        GenerateStreamResponse last = null;
        while (running.hasNext()) {
            last = running.next();
        }
        assertEquals(FinishReason.FINISH_REASON_LENGTH, last.getFinishReason());
        assertEquals(300, last.getUsage().getCompletionTokens());
    }

    @Test
    void aRewrittenAdapterIsServedUnderItsNameWithItsNewVersion() throws IOException {
        write("demo/replaced", random.prompt("demo/replaced", 3));
        GenerateResponse before = stub.generate(request("demo/replaced").build());
        write("demo/replaced", random.prompt("demo/replaced", 5));
        GenerateResponse after = stub.generate(request("demo/replaced").build());
        assertNotEquals(before.getAdapters(0).getVersion(), after.getAdapters(0).getVersion());
        assertEquals(sha256(ADAPTERS.resolve("demo/replaced")), after.getAdapters(0).getVersion());
    }

    private void assertStatus(Status.Code code, String reason, GenerateRequest request) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.generate(request));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(reason), e.getStatus().getDescription());
    }

    /** The content address: sha256 over adapter_config.json, then adapter_model.safetensors. */
    private static String sha256(Path folder) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(folder.resolve("adapter_config.json")));
            sha.update(Files.readAllBytes(folder.resolve("adapter_model.safetensors")));
            return HexFormat.of().formatHex(sha.digest());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

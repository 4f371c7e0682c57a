package io.swapgate.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.gateway.cli.UploadCall;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.RegistryEvent;
import io.swapgate.proto.v1.Residency;
import io.swapgate.proto.v1.RollbackRequest;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.UploadChunk;
import io.swapgate.proto.v1.UploadFile;
import io.swapgate.proto.v1.UploadManifest;
import io.swapgate.proto.v1.UploadRequest;
import io.swapgate.proto.v1.VersionInfo;
import io.swapgate.proto.v1.WatchRequest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Adapters management service over a real gRPC connection: uploads, aliases, deletion, residency, events, errors. */
@QuarkusTest
class AdaptersGrpcServiceTest {

    @TestHTTPResource("/")
    URL base;

    private ManagedChannel channel;
    private AdaptersGrpc.AdaptersBlockingStub adapters;
    private final TestAdapterFiles files = new TestAdapterFiles(23);

    @BeforeEach
    void connect() {
        channel = TestGateway.channel(base, TestGateway.ADMIN_KEY);
        adapters = AdaptersGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private LoraAdapter lora(int rank) {
        return files.random.lora("x", rank, 2f * rank, false, 0, EnumSet.of(LoraModule.Q, LoraModule.V));
    }

    @Test
    void uploadListGetPromoteRollbackAndDelete() throws Exception {
        String name = TestAdapterFiles.named("managed");
        VersionInfo v1 = files.upload(channel, "managed", lora(4), "stable");
        assertEquals(name, v1.getName());
        assertEquals("lora", v1.getKind());
        assertEquals(4, v1.getRank());
        assertEquals("test", v1.getCreator());
        assertEquals(TestAdapterFiles.BASE.digest(), v1.getBaseModelDigest());
        assertEquals(List.of("latest", "stable"), v1.getAliasesList());
        VersionInfo v2 = TestAdapterFiles.upload(
                channel,
                files.write(lora(8)),
                UploadManifest.newBuilder()
                        .setName(name)
                        .setParentVersion(v1.getVersion())
                        .putLabels("run", "7")
                        .putMetrics("eval_loss", 0.5));
        assertEquals(v1.getVersion(), v2.getParentVersion());
        assertEquals(Map.of("run", "7"), v2.getLabelsMap());

        assertTrue(
                adapters
                        .list(ListAdaptersRequest.newBuilder()
                                .setTenant(TestAdapterFiles.TENANT)
                                .build())
                        .getAdaptersList()
                        .stream()
                        .anyMatch(a -> a.getName().equals(name)
                                && a.getVersionCount() == 2
                                && a.getAliasesMap()
                                        .equals(Map.of("latest", v2.getVersion(), "stable", v1.getVersion()))));

        var promoted = adapters.promote(PromoteRequest.newBuilder()
                .setName(name)
                .setAlias("stable")
                .setVersion(v2.getVersion().substring(0, 10))
                .build());
        assertEquals(v2.getVersion(), promoted.getVersion());
        assertEquals(v1.getVersion(), promoted.getPreviousVersion());
        var rolledBack = adapters.rollback(
                RollbackRequest.newBuilder().setName(name).setAlias("stable").build());
        assertEquals(v1.getVersion(), rolledBack.getVersion());
        assertCode(
                Status.Code.FAILED_PRECONDITION,
                "no earlier version to roll back to",
                () -> adapters.rollback(RollbackRequest.newBuilder()
                        .setName(name)
                        .setAlias("stable")
                        .build()));

        assertCode(
                Status.Code.FAILED_PRECONDITION,
                "alias 'stable' points at it",
                () -> adapters.delete(DeleteRequest.newBuilder()
                        .setName(name)
                        .setVersion(v1.getVersion())
                        .build()));
        adapters.promote(PromoteRequest.newBuilder()
                .setName(name)
                .setAlias("stable")
                .setVersion("latest")
                .build());
        assertEquals(
                v1.getVersion(),
                adapters.delete(DeleteRequest.newBuilder()
                                .setName(name)
                                .setVersion(v1.getVersion())
                                .build())
                        .getVersion());
        AdapterDetails details =
                adapters.get(GetAdapterRequest.newBuilder().setName(name).build());
        assertEquals(
                List.of(v2.getVersion()),
                details.getVersionsList().stream().map(VersionInfo::getVersion).toList());
        assertCode(
                Status.Code.NOT_FOUND,
                "has no version",
                () -> adapters.delete(DeleteRequest.newBuilder()
                        .setName(name)
                        .setVersion(v1.getVersion())
                        .build()));
    }

    @Test
    void residencyMovesFromStoreToHostToDeviceAndInUseVersionsCannotBeDeleted() throws Exception {
        String name = TestAdapterFiles.named("resident");
        VersionInfo cold = files.upload(channel, "resident", lora(2), "");
        assertEquals(Residency.RESIDENCY_STORE, cold.getResidency());
        VersionInfo warm = TestAdapterFiles.upload(
                channel,
                files.write(lora(3)),
                UploadManifest.newBuilder().setName(name).setWarm(true));
        assertEquals(Residency.RESIDENCY_HOST, warm.getResidency());

        var inference = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        Iterator<GenerateStreamResponse> running = inference.generateStream(GenerateRequest.newBuilder()
                .setPrompt("Once upon a time")
                .setMaxNewTokens(400)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .addAdapters(name + "@" + cold.getVersion())
                .build());
        assertTrue(running.hasNext());
        AdapterDetails details =
                adapters.get(GetAdapterRequest.newBuilder().setName(name).build());
        assertEquals(Residency.RESIDENCY_DEVICE, details.getVersions(0).getResidency());
        assertCode(
                Status.Code.FAILED_PRECONDITION,
                "requests in flight use it",
                () -> adapters.delete(DeleteRequest.newBuilder()
                        .setName(name)
                        .setVersion(cold.getVersion())
                        .build()));
        running.forEachRemaining(m -> {});
        // Refused (FAILED_PRECONDITION) until the stream's end unpins the version, a moment after the client saw it.
        await("the finished stream unpins its version")
                .atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(5))
                .ignoreException(StatusRuntimeException.class)
                .untilAsserted(() -> adapters.delete(DeleteRequest.newBuilder()
                        .setName(name)
                        .setVersion(cold.getVersion())
                        .build()));
    }

    @Test
    void watchStreamsRegistryEvents() throws Exception {
        Iterator<RegistryEvent> events = adapters.withDeadlineAfter(30, TimeUnit.SECONDS)
                .watch(WatchRequest.newBuilder()
                        .setTenant(TestAdapterFiles.TENANT)
                        .build());
        VersionInfo v = files.upload(channel, "watched", lora(2), "canary");
        RegistryEvent published = events.next();
        RegistryEvent promoted = events.next();
        assertEquals(RegistryEvent.Type.PUBLISHED, published.getType());
        assertEquals("latest", published.getAlias());
        assertEquals(v.getVersion(), published.getVersion());
        assertEquals(RegistryEvent.Type.PROMOTED, promoted.getType());
        assertEquals("canary", promoted.getAlias());
    }

    @Test
    void badUploadsAndRequestsGetTheRightStatus() throws Exception {
        Path folder = files.write(lora(4));
        files.upload(channel, "dup", lora(5), "");
        VersionInfo original = TestAdapterFiles.upload(
                channel, folder, UploadManifest.newBuilder().setName(TestAdapterFiles.named("dup")));
        assertCode(
                Status.Code.ALREADY_EXISTS,
                "version " + original.getVersion() + " of " + TestAdapterFiles.named("dup") + " already exists",
                () -> TestAdapterFiles.upload(
                        channel, folder, UploadManifest.newBuilder().setName(TestAdapterFiles.named("dup"))));

        LoraAdapter broken = lora(4);
        broken.modules().get(LoraModule.V)[1].b().data()[0] = Float.NaN;
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "adapter rejected: tensor base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight holds a non-finite value",
                () -> files.upload(channel, "broken", broken, ""));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "invalid tenant '..'",
                () -> TestAdapterFiles.upload(
                        channel, folder, UploadManifest.newBuilder().setName("../etc")));

        long weights = Files.size(folder.resolve("adapter_model.safetensors"));
        long config = Files.size(folder.resolve("adapter_config.json"));
        UploadManifest.Builder manifest = UploadManifest.newBuilder()
                .setName(TestAdapterFiles.named("raw"))
                .addFiles(UploadFile.newBuilder()
                        .setName("adapter_config.json")
                        .setSize(config)
                        .setSha256("0".repeat(64)))
                .addFiles(UploadFile.newBuilder()
                        .setName("adapter_model.safetensors")
                        .setSize(weights)
                        .setSha256("0".repeat(64)));
        byte[] configBytes = Files.readAllBytes(folder.resolve("adapter_config.json"));
        byte[] weightBytes = Files.readAllBytes(folder.resolve("adapter_model.safetensors"));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "adapter_config.json checksum mismatch",
                () -> raw(List.of(
                        manifestMessage(manifest),
                        chunk("adapter_config.json", configBytes),
                        chunk("adapter_model.safetensors", weightBytes))));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "is truncated",
                () -> raw(List.of(manifestMessage(manifest), chunk("adapter_config.json", configBytes))));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "chunk for 'run.py', which the manifest does not list",
                () -> raw(List.of(manifestMessage(manifest), chunk("run.py", new byte[] {1}))));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "the manifest must come before any chunk",
                () -> raw(List.of(chunk("adapter_config.json", configBytes))));
        assertCode(Status.Code.INVALID_ARGUMENT, "the upload carried no manifest", () -> raw(List.of()));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "the manifest must list exactly",
                () -> raw(
                        List.of(manifestMessage(UploadManifest.newBuilder().setName(TestAdapterFiles.named("raw"))))));

        assertCode(
                Status.Code.NOT_FOUND,
                "not found",
                () -> adapters.get(GetAdapterRequest.newBuilder()
                        .setName(TestAdapterFiles.named("none"))
                        .build()));
        assertCode(
                Status.Code.NOT_FOUND,
                "has no version 12345678",
                () -> adapters.promote(PromoteRequest.newBuilder()
                        .setName(TestAdapterFiles.named("dup"))
                        .setAlias("stable")
                        .setVersion("12345678")
                        .build()));
        assertCode(
                Status.Code.INVALID_ARGUMENT,
                "invalid alias",
                () -> adapters.promote(PromoteRequest.newBuilder()
                        .setName(TestAdapterFiles.named("dup"))
                        .setAlias("Not An Alias")
                        .setVersion("latest")
                        .build()));
    }

    private static UploadRequest manifestMessage(UploadManifest.Builder manifest) {
        return UploadRequest.newBuilder().setManifest(manifest).build();
    }

    private static UploadRequest chunk(String file, byte[] data) {
        return UploadRequest.newBuilder()
                .setChunk(UploadChunk.newBuilder().setFile(file).setData(ByteString.copyFrom(data)))
                .build();
    }

    /** Sends exactly these upload messages and waits for the answer. */
    private VersionInfo raw(List<UploadRequest> messages) throws Exception {
        UploadCall call = new UploadCall(AdaptersGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
        messages.forEach(call::send);
        return call.finish();
    }

    private static void assertCode(Status.Code code, String message, org.junit.jupiter.api.function.Executable call) {
        TestGateway.assertStatus(code, message, call);
    }
}

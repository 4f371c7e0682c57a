package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.VersionInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults injected into the packaged gateway: SIGKILL with streams open, a disk that fills up during a publish, and
 * registry files corrupted by hand. The other faults of the suite live beside the parts they break: a broker SIGKILL
 * and restart and a gateway SIGKILL under Kafka load in {@link KafkaInteropIT}, SIGKILL during uploads and
 * promotions in {@link RegistryCrashIT}, and during training in {@link TrainingRestartIT}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FaultsIT {

    @Test
    void aKilledGatewayEndsEveryOpenStreamUnavailableAndServesAgainAfterRestart() throws Exception {
        Path registry = GatewayProcess.registryDir("faults-kill");
        int streams = 4;
        Map<Integer, Status.Code> endings = new ConcurrentHashMap<>();
        CountDownLatch streaming = new CountDownLatch(streams);
        CountDownLatch ended = new CountDownLatch(streams);
        try (GatewayProcess gateway = GatewayProcess.start("faults-kill", E2e.stories260K(), registry)) {
            for (int i = 0; i < streams; i++) {
                int stream = i;
                InferenceGrpc.newStub(gateway.channel())
                        .withDeadlineAfter(2, TimeUnit.MINUTES)
                        .generateStream(E2e.greedy(E2e.PROMPT, 480), new StreamObserver<>() {
                            private boolean first = true;

                            @Override
                            public void onNext(GenerateStreamResponse piece) {
                                if (first) {
                                    first = false;
                                    streaming.countDown();
                                }
                            }

                            @Override
                            public void onError(Throwable error) {
                                endings.put(stream, Status.fromThrowable(error).getCode());
                                ended.countDown();
                            }

                            @Override
                            public void onCompleted() {
                                endings.put(stream, Status.Code.OK);
                                ended.countDown();
                            }
                        });
            }
            assertTrue(streaming.await(60, TimeUnit.SECONDS), "the streams did not start");
            Map<Integer, Status.Code> finishedBeforeTheKill = Map.copyOf(endings);
            gateway.kill();
            assertTrue(ended.await(30, TimeUnit.SECONDS), "streams still open 30 s after the gateway died: " + endings);
            endings.keySet().removeAll(finishedBeforeTheKill.keySet());
        }
        assertTrue(
                !endings.isEmpty() && endings.values().stream().allMatch(c -> c == Status.Code.UNAVAILABLE),
                "every stream cut by the kill must end UNAVAILABLE: " + endings);
        try (GatewayProcess restarted = GatewayProcess.start("faults-kill", E2e.stories260K(), registry)) {
            E2e.assertReferencePrefix(
                    InferenceGrpc.newBlockingStub(restarted.channel())
                            .withDeadlineAfter(60, TimeUnit.SECONDS)
                            .generate(E2e.greedy(E2e.PROMPT, 40))
                            .getText(),
                    "after the restart");
        }
    }

    @Test
    void aFullDiskRefusesThePublishCleanlyAndFreeingSpaceLetsItThrough() throws Exception {
        Path registry = E2e.emptyDir(GatewayProcess.registryDir("faults-disk"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", registry.toString()) == 0,
                "mounting a 4 MiB tmpfs for the registry needs root (CAP_SYS_ADMIN); the disk-full case was not run");
        try {
            TestAdapters adapters =
                    new TestAdapters(E2e.targetDir().resolve("e2e-work").resolve("faults-disk"));
            try (GatewayProcess gateway = GatewayProcess.start("faults-disk", E2e.stories260K(), registry)) {
                String first = TestAdapters.upload(gateway.channel(), adapters.lora(1, 16), "demo/full", "stable");
                Path filler = registry.resolve("filler");
                fill(filler, Files.getFileStore(registry).getUsableSpace() - 16 * 1024);

                StatusRuntimeException refused = assertThrows(
                        StatusRuntimeException.class,
                        () -> TestAdapters.upload(gateway.channel(), adapters.lora(2, 16), "demo/full", "stable"));
                assertEquals(
                        Status.Code.RESOURCE_EXHAUSTED,
                        refused.getStatus().getCode(),
                        refused.getStatus().toString());
                assertTrue(
                        refused.getStatus().getDescription().contains("out of disk space"),
                        refused.getStatus().toString());
                assertEquals(List.of(first), versions(gateway, "demo/full"), "a refused publish left a version behind");
                assertEquals(List.of(), E2e.stagedFiles(registry), "a refused publish left files in staging");
                assertEquals(first, served(gateway, "demo/full@stable"));

                Files.delete(filler);
                String second = TestAdapters.upload(gateway.channel(), adapters.lora(2, 16), "demo/full", "stable");
                assertNotEquals(first, second);
                assertEquals(second, served(gateway, "demo/full@stable"));
            }
        } finally {
            assertEquals(0, run("umount", registry.toString()), "could not unmount the test's tmpfs at " + registry);
        }
    }

    @Test
    void registryFilesCorruptedByHandAreRefusedClearlyAndQuarantinedAtRestart() throws Exception {
        Path registry = GatewayProcess.registryDir("faults-corrupt");
        E2e.deleteTree(registry);
        TestAdapters adapters =
                new TestAdapters(E2e.targetDir().resolve("e2e-work").resolve("faults-corrupt"));
        String good;
        String corrupted;
        try (GatewayProcess gateway = GatewayProcess.start("faults-corrupt", E2e.stories260K(), registry)) {
            good = TestAdapters.upload(gateway.channel(), adapters.lora(11, 8), "demo/solid", "stable");
            corrupted = TestAdapters.upload(gateway.channel(), adapters.lora(12, 8), "demo/solid", "stable");
            TestAdapters.upload(gateway.channel(), adapters.lora(13, 8), "demo/aliased", "canary");
        }
        Path solid = registry.resolve("adapters/demo/solid");
        Files.write(
                solid.resolve("versions").resolve(corrupted).resolve("adapter_model.safetensors"),
                new byte[] {1, 2, 3});
        Files.writeString(registry.resolve("adapters/demo/aliased/aliases/canary.json"), "{\"version\": ");
        Files.createDirectories(solid.resolve("versions/not-a-version"));

        try (GatewayProcess gateway = GatewayProcess.start("faults-corrupt", E2e.stories260K(), registry)) {
            String log = gateway.output();
            assertTrue(
                    log.contains(corrupted) && log.contains("quarantine"),
                    "the startup check did not report the corrupt version");
            assertEquals(List.of(good), versions(gateway, "demo/solid"));
            assertEquals(
                    good, served(gateway, "demo/solid@stable"), "stable should move back to the last intact version");
            StatusRuntimeException missing =
                    assertThrows(StatusRuntimeException.class, () -> served(gateway, "demo/aliased@canary"));
            assertEquals(
                    Status.Code.NOT_FOUND,
                    missing.getStatus().getCode(),
                    missing.getStatus().toString());
            assertTrue(E2e.entries(registry.resolve("quarantine")) >= 2, "nothing was quarantined");
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    private static void fill(Path file, long bytes) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < bytes; written += block.length) {
                out.write(block, 0, (int) Math.min(block.length, bytes - written));
            }
        }
    }

    private static List<String> versions(GatewayProcess gateway, String name) {
        return AdaptersGrpc.newBlockingStub(gateway.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .get(GetAdapterRequest.newBuilder().setName(name).build())
                .getVersionsList()
                .stream()
                .map(VersionInfo::getVersion)
                .toList();
    }

    /** The version that served a greedy request through {@code reference}. */
    private static String served(GatewayProcess gateway, String reference) {
        GenerateResponse response = InferenceGrpc.newBlockingStub(gateway.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(HotSwapScenario.request(reference));
        return response.getAdapters(0).getVersion();
    }
}

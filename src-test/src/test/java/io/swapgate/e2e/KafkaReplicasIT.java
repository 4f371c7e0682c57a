package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.VersionInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replicas sharing one registry store and one broker stay coherent through the adapter-events topic: a promotion made
 * through replica A is served by replica B within a second (B reuses resolved aliases for 60 s here, so only the event
 * can tell it), and a replica started after 20 promotions serves, and has pre-warmed, the latest version.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaReplicasIT {

    private static final int PROMOTIONS = 20;
    private static final String ADAPTER = "demo/swapped";

    @Test
    @WallClock
    void aPromotionThroughOneReplicaIsServedByTheOthersWithinASecond() throws Exception {
        Path dir = E2e.targetDir().resolve("kafka").resolve("replicas");
        E2e.deleteTree(dir);
        Path registry = dir.resolve("registry");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"))) {
            Map<String, String> shared = Map.of(
                    "swapgate.kafka.bootstrap-servers",
                    broker.bootstrapServers(),
                    "swapgate.adapters.resolution-ttl",
                    "60s");
            try (GatewayProcess a = GatewayProcess.start("replica-a", E2e.stories260K(), registry, shared);
                    GatewayProcess b = GatewayProcess.start("replica-b", E2e.stories260K(), registry, shared)) {
                TestAdapters files = new TestAdapters(dir.resolve("adapters"));
                List<String> versions = new ArrayList<>();
                for (int i = 0; i <= PROMOTIONS; i++) {
                    versions.add(
                            TestAdapters.upload(a.channel(), files.lora(100 + i, 4), ADAPTER, i == 0 ? "stable" : ""));
                }
                var admin = AdaptersGrpc.newBlockingStub(a.channel());
                var served = InferenceGrpc.newBlockingStub(b.channel(GatewayProcess.DEMO_KEY));
                assertEquals(
                        versions.get(0), servedVersion(served), "B serves the first stable version (and caches it)");
                double[] seen = new double[PROMOTIONS];
                for (int i = 1; i <= PROMOTIONS; i++) {
                    admin.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .promote(PromoteRequest.newBuilder()
                                    .setName(ADAPTER)
                                    .setAlias("stable")
                                    .setVersion(versions.get(i))
                                    .build());
                    long promoted = System.nanoTime();
                    while (!servedVersion(served).equals(versions.get(i))) {
                        assertTrue(
                                System.nanoTime() - promoted < TimeUnit.SECONDS.toNanos(5),
                                "replica B still serves the old version 5 s after promotion " + i);
                    }
                    seen[i - 1] = (System.nanoTime() - promoted) / 1e6;
                }
                Arrays.sort(seen);
                double p50 = seen[PROMOTIONS / 2];
                double p99 = seen[PROMOTIONS - 1];
                System.out.printf(
                        Locale.ROOT,
                        "promotion through A served by B after p50 %.1f ms, p99 (max of %d) %.1f ms%n",
                        p50,
                        PROMOTIONS,
                        p99);
                assertTrue(p99 < 1000, "a promotion took " + p99 + " ms to reach the other replica");
                assertTrue(
                        b.metric("swapgate_adapter_event_delay_seconds_count") >= PROMOTIONS,
                        "B measures how late each of A's changes reached it");

                try (GatewayProcess late = GatewayProcess.start("replica-late", E2e.stories260K(), registry, shared)) {
                    String latest = versions.get(PROMOTIONS);
                    awaitPrewarmed(late, latest); // before any request asks for it
                    assertEquals(
                            latest,
                            servedVersion(InferenceGrpc.newBlockingStub(late.channel(GatewayProcess.DEMO_KEY))));
                }
            }
        }
    }

    /** The version of the adapter B serves for {@code @stable}, from a one-token request. */
    private static String servedVersion(InferenceGrpc.InferenceBlockingStub stub) {
        return stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder()
                        .setPrompt("Once")
                        .setMaxNewTokens(1)
                        .addAdapters(ADAPTER + "@stable")
                        .build())
                .getAdapters(0)
                .getVersion();
    }

    /**
     * The late replica replays the compacted events and loads the promoted version into its host cache, counting the
     * swap (just after the load, so both are awaited).
     */
    private static void awaitPrewarmed(GatewayProcess late, String version) {
        var adapters = AdaptersGrpc.newBlockingStub(late.channel());
        // Both within the 30 s: the load, then the swap count recorded just after it (a counter: once up, it stays).
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    VersionInfo info = adapters
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .get(GetAdapterRequest.newBuilder().setName(ADAPTER).build())
                            .getVersionsList()
                            .stream()
                            .filter(v -> v.getVersion().equals(version))
                            .findFirst()
                            .orElseThrow();
                    assertTrue(
                            info.getResidency() != io.swapgate.proto.v1.Residency.RESIDENCY_STORE,
                            "the late replica never pre-warmed " + version);
                    assertTrue(
                            late.metric("swapgate_adapter_swap_seconds_count") >= 1,
                            "the late replica loaded " + version + " but counted no swap");
                });
    }
}

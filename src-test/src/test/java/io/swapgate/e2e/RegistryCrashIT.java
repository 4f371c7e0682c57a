package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdapterSummary;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.VersionInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGKILL the gateway at random points while it takes uploads and promotions, over and over on one registry (6 times
 * in the build, 20 with {@code -Dreliability=full}): after every restart the registry is readable, every alias points
 * at a complete version that serves, and every version's files hash to its name.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class RegistryCrashIT {

    private static final int KILLS = Reliability.pick(6, 20);

    @Test
    void killingTheGatewayMidUploadOrPromotionNeverBreaksTheRegistry() throws Exception {
        Path registry = GatewayProcess.registryDir("crash");
        E2e.deleteTree(registry);
        Path work = E2e.targetDir().resolve("e2e-work").resolve("crash");
        TestAdapters adapters = new TestAdapters(work);
        SplittableRandom random = new SplittableRandom(2026);
        AtomicInteger seeds = new AtomicInteger();
        int completed = 0;
        java.util.List<String> writerEnds = new java.util.ArrayList<>();
        for (int round = 0; round <= KILLS; round++) {
            GatewayProcess gateway = GatewayProcess.start("crash", E2e.stories260K(), registry);
            assertRegistryIntact(gateway, registry);
            if (round == KILLS) {
                gateway.close();
                break;
            }
            AtomicInteger done = new AtomicInteger();
            Thread writer = new Thread(
                    () -> {
                        try {
                            while (true) {
                                String name = "crash/a" + (seeds.get() % 3);
                                String version = TestAdapters.upload(
                                        gateway.channel(), adapters.lora(seeds.incrementAndGet(), 32), name, "");
                                AdaptersGrpc.newBlockingStub(gateway.channel())
                                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                                        .promote(PromoteRequest.newBuilder()
                                                .setName(name)
                                                .setAlias(done.get() % 2 == 0 ? "stable" : "canary")
                                                .setVersion(version)
                                                .build());
                                done.incrementAndGet();
                            }
                        } catch (Exception killed) {
                            // the gateway died under the call: that is the point
                            writerEnds.add(killed.toString());
                        }
                    },
                    "crash-writer");
            writer.start();
            // Each round kills a gateway that has done work: wait for a first upload+promote pair, then (fault
            // injection, not synchronisation) let a random amount more start, and kill wherever it is.
            String noPair = "round " + round + ": no upload and promotion completed";
            await("round " + round + ": an upload and promotion complete")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(5))
                    .failFast(() -> assertTrue(
                            done.get() > 0 || writer.isAlive(), noPair + "; the writer ended with " + writerEnds))
                    .until(() -> done.get() > 0);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(400)));
            gateway.kill();
            writer.join();
            completed += done.get();
        }
        System.out.printf(
                "registry crash: %d kills, %d upload+promote pairs completed between them%n", KILLS, completed);
    }

    /** Every alias of every adapter points at a listed version whose files hash to its name, and it serves. */
    private static void assertRegistryIntact(GatewayProcess gateway, Path registry) throws Exception {
        var admin = AdaptersGrpc.newBlockingStub(gateway.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
        var inference = InferenceGrpc.newBlockingStub(gateway.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
        for (AdapterSummary summary :
                admin.list(ListAdaptersRequest.getDefaultInstance()).getAdaptersList()) {
            AdapterDetails details = admin.get(
                    GetAdapterRequest.newBuilder().setName(summary.getName()).build());
            List<String> versions = details.getVersionsList().stream()
                    .map(VersionInfo::getVersion)
                    .toList();
            for (String version : versions) {
                Path folder = registry.resolve("adapters")
                        .resolve(summary.getName())
                        .resolve("versions")
                        .resolve(version);
                assertEquals(
                        version,
                        PeftAdapterReader.contentVersion(folder),
                        "files of " + summary.getName() + "@" + version);
            }
            for (var alias : details.getAliasesMap().entrySet()) {
                assertTrue(
                        versions.contains(alias.getValue()),
                        summary.getName() + "@" + alias.getKey() + " points at a missing version");
                try {
                    inference.generate(HotSwapScenario.request(summary.getName() + "@" + alias.getKey()));
                } catch (StatusRuntimeException e) {
                    throw new AssertionError(
                            summary.getName() + "@" + alias.getKey() + " does not serve: " + e.getStatus(), e);
                }
            }
        }
        assertEquals(
                List.of(), E2e.stagedFiles(registry), "half-written uploads left in staging after the startup check");
    }
}

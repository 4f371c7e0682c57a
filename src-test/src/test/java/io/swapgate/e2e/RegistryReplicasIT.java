package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.AliasChange;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.RollbackRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replicas on one registry volume, as docs/security.md tells operators to run them. Three gateway processes promote,
 * roll back and delete the same adapters at once, for 15 s in the build (a minute made about 15,000 changes on 2 cores;
 * a race shows within the first thousands) and 3 minutes with {@code -Dreliability=full}: every change that a replica
 * reported done must be in the aliases' histories (none lost to another process's write), and every alias must name a
 * version that exists. And a tenant uploading through every replica at once holds no more than its storage quota.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RegistryReplicasIT {

    private static final Duration RUN = Reliability.pick(Duration.ofSeconds(15), Duration.ofMinutes(3));
    private static final List<String> ADAPTERS = List.of("demo/r0", "demo/r1");
    private static final List<String> ALIASES = List.of("stable", "canary");
    private static final int POOL = 4;

    /** Per adapter and alias: promotions that moved it, minus rollbacks; what its history must have grown by. */
    private final Map<String, AtomicInteger> netMoves = new ConcurrentHashMap<>();

    private static Path registry;
    private static TestAdapters adapters;
    private static final List<GatewayProcess> replicas = new ArrayList<>();

    @BeforeAll
    static void startReplicas() throws Exception {
        registry = E2e.emptyDir(GatewayProcess.registryDir("replicas"));
        adapters = new TestAdapters(
                E2e.emptyDir(E2e.targetDir().resolve("e2e-work").resolve("replicas")));
        // Tenant "tight" may store one and a half rank-4 LoRAs' bytes.
        Map<String, String> tight = Map.of(
                "swapgate.tenancy.tenants.\"tight\".quotas.adapter-bytes",
                Long.toString(TestAdapters.bytesOf(adapters.lora(100, 4)) * 3 / 2));
        for (int i = 0; i < 3; i++) {
            replicas.add(GatewayProcess.start(
                    "replica-" + i, E2e.stories260K(), registry, GatewayProcess.withUnreachableQuotas(tight)));
        }
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        for (GatewayProcess replica : replicas) {
            replica.close();
        }
    }

    @Test
    void uploadsThroughEveryReplicaAtOnceCannotTogetherPassTheStorageQuota() throws Exception {
        List<Callable<String>> uploads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GatewayProcess replica = replicas.get(i % replicas.size());
            if (i < replicas.size()) {
                replica.addKey("tight", "tight-key");
            }
            Path folder = adapters.lora(100 + i, 4);
            uploads.add(() -> {
                try {
                    return TestAdapters.upload(replica.channel("tight-key"), folder, "tight/a", "");
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode().name();
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(uploads.size());
        List<String> outcomes = new ArrayList<>();
        try {
            for (Future<String> outcome : pool.invokeAll(uploads)) {
                outcomes.add(outcome.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(
                1,
                outcomes.stream().filter(o -> o.matches("[0-9a-f]{64}")).count(),
                "one upload fits the quota, the rest are refused: " + outcomes);
        assertEquals(5, outcomes.stream().filter("RESOURCE_EXHAUSTED"::equals).count(), outcomes.toString());
        try (var stored = Files.list(versions(registry, "tight/a"))) {
            assertEquals(1, stored.count(), "the registry holds one version");
        }
    }

    @Test
    void threeReplicasChangingTheSameAdaptersLoseNoUpdate() throws Exception {
        Map<String, List<String>> pools = new ConcurrentHashMap<>();
        for (String name : ADAPTERS) {
            List<String> versions = new ArrayList<>();
            for (int v = 0; v < POOL; v++) {
                versions.add(TestAdapters.upload(
                        replicas.get(0).channel(),
                        adapters.lora(name.hashCode() * 31L + v, 4),
                        name,
                        v == 0 ? "stable" : v == 1 ? "canary" : ""));
            }
            pools.put(name, versions);
        }
        Map<String, Integer> before = new HashMap<>();
        for (String name : ADAPTERS) {
            for (String alias : ALIASES) {
                before.put(name + "@" + alias, history(registry, name, alias).size());
            }
        }

        ExecutorService workers = Executors.newFixedThreadPool(replicas.size());
        List<Future<Integer>> done = new ArrayList<>();
        long end = System.nanoTime() + RUN.toNanos();
        for (int i = 0; i < replicas.size(); i++) {
            GatewayProcess replica = replicas.get(i);
            long seed = i;
            done.add(workers.submit(
                    () -> work(replica, adapters, pools, new SplittableRandom(seed), (seed + 1) * 10_000_000L, end)));
        }
        int operations = 0;
        for (Future<Integer> worker : done) {
            operations += worker.get();
        }
        workers.shutdown();

        for (String name : ADAPTERS) {
            for (String alias : ALIASES) {
                String key = name + "@" + alias;
                JsonNode file = aliasFile(registry, name, alias);
                assertTrue(
                        Files.isDirectory(versions(registry, name)
                                .resolve(file.path("version").asText())),
                        key + " names a version that does not exist");
                List<String> history = history(registry, name, alias);
                assertEquals(
                        before.get(key)
                                + netMoves.getOrDefault(key, new AtomicInteger())
                                        .get(),
                        history.size(),
                        key + ": its history does not hold every move the replicas reported (an update was lost)");
                for (String earlier : history) {
                    assertTrue(
                            Files.isDirectory(versions(registry, name).resolve(earlier)),
                            key + " history names a deleted version");
                }
            }
        }
        System.out.printf(
                "registry replicas: %d changes by 3 processes in %s, net moves %s%n", operations, RUN, netMoves);
        assertTrue(operations > 100, "only " + operations + " changes were made");
    }

    /**
     * One replica's share: promote or roll back an alias of a shared adapter, or publish and delete a scratch version
     * (which moves {@code latest}, and is never promoted, so the rollbacks counted never skip a deleted target).
     */
    private int work(
            GatewayProcess replica,
            TestAdapters adapters,
            Map<String, List<String>> pools,
            SplittableRandom random,
            long scratchSeeds,
            long end)
            throws Exception {
        var stub = AdaptersGrpc.newBlockingStub(replica.channel());
        int operations = 0;
        while (System.nanoTime() < end) {
            String name = ADAPTERS.get(random.nextInt(ADAPTERS.size()));
            String alias = ALIASES.get(random.nextInt(ALIASES.size()));
            int choice = random.nextInt(10);
            try {
                if (choice < 5) {
                    List<String> pool = pools.get(name);
                    AliasChange change = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .promote(PromoteRequest.newBuilder()
                                    .setName(name)
                                    .setAlias(alias)
                                    .setVersion(pool.get(random.nextInt(pool.size())))
                                    .build());
                    if (!change.getPreviousVersion().equals(change.getVersion())) {
                        netMoves.computeIfAbsent(name + "@" + alias, k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                } else if (choice < 9) {
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .rollback(RollbackRequest.newBuilder()
                                    .setName(name)
                                    .setAlias(alias)
                                    .build());
                    netMoves.computeIfAbsent(name + "@" + alias, k -> new AtomicInteger())
                            .decrementAndGet();
                } else {
                    long seed = scratchSeeds + operations; // each replica its own range: no two write one folder
                    String scratch = TestAdapters.upload(replica.channel(), adapters.lora(seed, 4), name, "");
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .delete(DeleteRequest.newBuilder()
                                    .setName(name)
                                    .setVersion(scratch)
                                    .build());
                }
                operations++;
            } catch (StatusRuntimeException e) {
                // An alias with no history left has nothing to roll back to.
                if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
                    throw e;
                }
            }
        }
        return operations;
    }

    private static Path versions(Path registry, String name) {
        return registry.resolve("adapters").resolve(name).resolve("versions");
    }

    private static JsonNode aliasFile(Path registry, String name, String alias) throws Exception {
        return new ObjectMapper()
                .readTree(registry.resolve("adapters")
                        .resolve(name)
                        .resolve("aliases")
                        .resolve(alias + ".json")
                        .toFile());
    }

    private static List<String> history(Path registry, String name, String alias) throws Exception {
        List<String> history = new ArrayList<>();
        aliasFile(registry, name, alias).path("history").forEach(v -> history.add(v.asText()));
        return history;
    }
}

package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.proto.v1.TrainingGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak (long variant only, {@code -Dreliability=full}; {@code -Dsoak.minutes}, default 30): steady gRPC streams
 * and Kafka requests, a new adapter version promoted every 3 s (the one before last deleted), and training examples
 * every 5 minutes that start retraining jobs of every kind (LoRA from Kafka; DyLoRA, prompt, prefix and TempNet
 * through Training.Start), all after a warm-up that did each once. No errors, and heap (after a full GC), resident set, threads and file
 * descriptors at the end within a margin of the start. Figures go to {@code target/bench/soak-reliability.md}.
 */
@EnabledIfSystemProperty(named = "reliability", matches = "full")
class SoakIT {

    private static final Duration SOAK = Duration.ofMinutes(Long.getLong("soak.minutes", 30));
    private static final String SWAPPED = "demo/soak";
    private static final String TAUGHT = "demo/soak-taught";

    @Test
    @Timeout(value = 120, unit = TimeUnit.MINUTES)
    void mixedTrafficWithSwapsAndRetrainingLeaksNothing() throws Exception {
        Path dir = E2e.targetDir().resolve("soak");
        E2e.deleteTree(dir);
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"));
                GatewayProcess gateway = GatewayProcess.start(
                        "soak",
                        E2e.stories260K(),
                        dir.resolve("registry"),
                        GatewayProcess.withUnreachableQuotas(Map.of(
                                "swapgate.kafka.bootstrap-servers",
                                broker.bootstrapServers(),
                                "swapgate.training.min-new-examples",
                                "100",
                                "swapgate.training.cooldown",
                                "0s",
                                "swapgate.training.steps",
                                "40",
                                "swapgate.training.max-jobs-per-tenant",
                                "16")));
                KafkaTarget kafka = new KafkaTarget(broker.bootstrapServers());
                KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
            TestAdapters adapters = new TestAdapters(dir.resolve("adapters"));
            List<String> versions = Collections.synchronizedList(new ArrayList<>());
            versions.add(TestAdapters.upload(gateway.channel(), adapters.lora(0, 8), SWAPPED, "stable"));
            GrpcTarget grpc = new GrpcTarget(gateway);
            LoadGenerator.Workload workload = new LoadGenerator.Workload(
                    ScalingBenchmark.PROMPTS,
                    16,
                    48,
                    List.of(List.of(), List.of(SWAPPED + "@stable")),
                    List.of(GatewayProcess.DEMO_KEY),
                    3);
            // Warm-up: every activity once (the JIT, PyTorch's allocator after a training job, the Kafka reader joining
            // its topic), so that the start snapshot is the steady state that a leak would grow from.
            LoadGenerator.closedLoop(grpc, workload, 4, 64);
            LoadGenerator.openLoop(kafka, workload, 2, Duration.ofSeconds(5));
            int examples = sendExamples(producer, 0, 120);
            startEveryOtherKind(gateway, 0);
            long warmUpEnd = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (finishedJobs(gateway) < JOBS_PER_ROUND && System.nanoTime() < warmUpEnd) {
                LoadGenerator.closedLoop(grpc, workload, 4, 16);
            }
            assertEquals(
                    JOBS_PER_ROUND,
                    finishedJobs(gateway),
                    "the warm-up's retraining jobs did not finish within 3 minutes");

            Snapshot start = Snapshot.of(gateway);
            long deadline = System.nanoTime() + SOAK.toNanos();
            List<LoadGenerator.Trace> grpcTraces = Collections.synchronizedList(new ArrayList<>());
            List<LoadGenerator.Trace> kafkaTraces = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger swaps = new AtomicInteger();
            List<String> swapErrors = Collections.synchronizedList(new ArrayList<>());
            Thread grpcTraffic = repeat(
                    "soak-grpc", deadline, () -> grpcTraces.addAll(LoadGenerator.closedLoop(grpc, workload, 4, 32)));
            Thread kafkaTraffic = repeat(
                    "soak-kafka",
                    deadline,
                    () -> kafkaTraces.addAll(LoadGenerator.openLoop(kafka, workload, 2, Duration.ofSeconds(30))));
            Thread swapper = repeat(
                    "soak-swaps",
                    deadline,
                    () -> {
                        String version = TestAdapters.upload(
                                gateway.channel(), adapters.lora(swaps.get() + 1, 8), SWAPPED, "stable");
                        versions.add(version);
                        swaps.incrementAndGet();
                        if (versions.size() > 2) {
                            // the one before last: no alias points at it, and requests sent 3 s ago have let it go
                            AdaptersGrpc.newBlockingStub(gateway.channel())
                                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                                    .delete(DeleteRequest.newBuilder()
                                            .setName(SWAPPED)
                                            .setVersion(versions.remove(0))
                                            .build());
                        }
                        TimeUnit.SECONDS.sleep(3); // the swap interval itself, not synchronisation
                    },
                    swapErrors);
            while (System.nanoTime() < deadline) {
                TimeUnit.MINUTES.timedJoin(swapper, 5); // the next batch in 5 minutes, or when the soak ends
                if (System.nanoTime() < deadline) {
                    examples += sendExamples(producer, examples, 120);
                    startEveryOtherKind(gateway, examples);
                }
            }
            for (Thread thread : List.of(grpcTraffic, kafkaTraffic, swapper)) {
                thread.join();
            }
            Snapshot end = Snapshot.of(gateway);
            double jobs = finishedJobs(gateway);
            long grpcErrors = grpcTraces.stream().filter(t -> t.error != null).count();
            long kafkaErrors = kafkaTraces.stream().filter(t -> t.error != null).count();
            String report = String.format(
                    Locale.ROOT,
                    """
                    Soak: %d minutes on stories260K, %d cores; gRPC closed loop (4 streams) and Kafka open loop (2/s), half the
                    requests through %s@stable, a new version promoted every 3 s, %d training examples sent

                    | | value |
                    |---|---|
                    | gRPC requests / errors | %d / %d |
                    | Kafka requests / errors | %d / %d |
                    | promotions (swaps) / errors | %d / %d |
                    | retraining jobs finished | %.0f |
                    | heap after full GC, start / end | %.1f / %.1f MiB |
                    | resident set, start / end | %.0f / %.0f MiB |
                    | threads, start / end | %d / %d |
                    | open file descriptors, start / end | %d / %d |
                    """,
                    SOAK.toMinutes(),
                    Runtime.getRuntime().availableProcessors(),
                    SWAPPED,
                    examples,
                    grpcTraces.size(),
                    grpcErrors,
                    kafkaTraces.size(),
                    kafkaErrors,
                    swaps.get(),
                    swapErrors.size(),
                    jobs,
                    start.heapMiB(),
                    end.heapMiB(),
                    start.residentMiB(),
                    end.residentMiB(),
                    start.threads(),
                    end.threads(),
                    start.fds(),
                    end.fds());
            System.out.println(report);
            Files.writeString(
                    Files.createDirectories(E2e.targetDir().resolve("bench")).resolve("soak-reliability.md"), report);

            assertEquals(0, grpcErrors + kafkaErrors, "requests failed during the soak:\n" + report);
            assertEquals(List.of(), swapErrors, "promotions failed during the soak");
            assertTrue(
                    jobs >= JOBS_PER_ROUND * (1 + (SOAK.toMinutes() - 1) / 5),
                    "the retraining jobs did not all finish:\n" + report);
            assertTrue(end.heapMiB() < start.heapMiB() + 64, "the heap grew:\n" + report);
            assertTrue(end.residentMiB() < start.residentMiB() * 1.25 + 64, "the resident set grew:\n" + report);
            assertTrue(end.threads() <= start.threads() + 8, "threads leaked:\n" + report);
            assertTrue(end.fds() <= start.fds() + 16, "file descriptors leaked:\n" + report);
        }
    }

    /** Jobs of one round: the LoRA the Kafka examples start, and one of each other kind. */
    private static final int JOBS_PER_ROUND = 5;

    /** Starts a DyLoRA, a prompt, a prefix and a TempNet job, each with 40 examples of its own. */
    private static void startEveryOtherKind(GatewayProcess gateway, int first) {
        var training = TrainingGrpc.newBlockingStub(gateway.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
        for (String kind : List.of("dylora", "prompt", "prefix", "tempnet")) {
            StartTrainingRequest.Builder start = StartTrainingRequest.newBuilder()
                    .setAdapter(TAUGHT + "-" + kind)
                    .setKind(kind.equals("dylora") ? "lora" : kind);
            if (kind.equals("dylora")) {
                start.setLoraRank(8).setLoraMinRank(2);
            }
            for (int i = first; i < first + 40; i++) {
                start.addExamples(TrainingExample.newBuilder()
                        .setExampleId(kind + "-" + i)
                        .setPrompt("Once upon a time, there was")
                        .setCompletion(" a little girl named Lily. She liked to play in the park."));
            }
            training.start(start.build());
        }
    }

    private static double finishedJobs(GatewayProcess gateway) throws Exception {
        return Math.max(0, gateway.metric("swapgate_training_jobs{state=\"PROMOTED\"}"))
                + Math.max(0, gateway.metric("swapgate_training_jobs{state=\"PUBLISHED\"}"));
    }

    /** Sends {@code count} distinct examples teaching one answer; returns how many were sent. */
    private static int sendExamples(KafkaProducer<byte[], byte[]> producer, int first, int count) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("authorization", ("Bearer " + GatewayProcess.DEMO_KEY).getBytes(StandardCharsets.UTF_8));
        for (int i = first; i < first + count; i++) {
            var unused = producer.send(new ProducerRecord<>(
                    "swapgate.training-examples",
                    null,
                    TAUGHT.getBytes(StandardCharsets.UTF_8),
                    TrainingExample.newBuilder()
                            .setExampleId("soak-" + i)
                            .setAdapter(TAUGHT)
                            .setPrompt("The soak test says")
                            .setCompletion(" everything held.")
                            .build()
                            .toByteArray(),
                    headers));
        }
        producer.flush();
        return count;
    }

    private interface Step {
        void run() throws Exception;
    }

    private static Thread repeat(String name, long deadline, Step step) {
        return repeat(name, deadline, step, null);
    }

    /** Runs {@code step} again and again until the deadline; failures go to {@code errors} (or end the thread). */
    private static Thread repeat(String name, long deadline, Step step, List<String> errors) {
        Thread thread = new Thread(
                () -> {
                    while (System.nanoTime() < deadline) {
                        try {
                            step.run();
                        } catch (Exception e) {
                            if (errors == null) {
                                throw new IllegalStateException(name + " failed", e);
                            }
                            errors.add(e.toString());
                        }
                    }
                },
                name);
        thread.start();
        return thread;
    }

    /** The gateway's heap after a full GC, resident set, threads and open file descriptors. */
    private record Snapshot(double heapMiB, double residentMiB, long threads, long fds) {

        static Snapshot of(GatewayProcess gateway) throws Exception {
            Process gc = new ProcessBuilder(
                            E2e.javaExecutable().resolveSibling("jcmd").toString(),
                            Long.toString(gateway.pid()),
                            "GC.run")
                    .redirectErrorStream(true)
                    .start();
            gc.getInputStream().readAllBytes();
            assertEquals(0, gc.waitFor(), "jcmd GC.run failed");
            return new Snapshot(
                    gateway.heapUsedBytes() / 1048576.0,
                    gateway.residentKib() / 1024.0,
                    gateway.threads(),
                    gateway.openFileDescriptors());
        }
    }
}

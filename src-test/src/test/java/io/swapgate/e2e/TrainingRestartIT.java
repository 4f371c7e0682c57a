package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A job SIGKILLed mid-training leaves no version behind and, after the restart, goes on from its latest checkpoint
 * (every 20 steps by default) and publishes once, its loss curve continuing where the checkpoint was; and serving's
 * time per output token beside a running job, against the same without it, written to {@code target/bench/training-impact.md}.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class TrainingRestartIT {

    private static final int STREAMS = 8;
    private static final int TOKENS = 160;
    /** The gateway's default swapgate.training.checkpoint-every. */
    private static final int CHECKPOINT_EVERY = 20;

    @Test
    @WallClock
    void aKilledJobLeavesNoVersionAndGoesOnFromItsCheckpointAndServingKeepsItsPace() throws Exception {
        Path dir = E2e.targetDir().resolve("training").resolve("restart");
        E2e.deleteTree(dir);
        Path registry = dir.resolve("registry");
        TrainingJob killed;
        int reached;
        try (GatewayProcess gateway = GatewayProcess.start("training-restart", E2e.stories260K(), registry)) {
            TrainingGrpc.TrainingBlockingStub training =
                    TrainingGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY));
            killed = training.start(StartTrainingRequest.newBuilder()
                    .setAdapter("demo/resume")
                    .setSteps(200)
                    .addAllExamples(TrainingLoopIT.fact("resume", 120))
                    .build());
            Iterator<TrainingJob> watch =
                    TrainingLoopIT.watch(gateway.channel(GatewayProcess.DEMO_KEY), killed.getId());
            int step = 0;
            while (step < CHECKPOINT_EVERY + 5) {
                step = watch.next().getStep(); // wait until it is past its first checkpoint
            }
            gateway.kill();
            reached = step;
        }
        assertFalse(
                Files.exists(registry.resolve("adapters/demo/resume/versions"))
                        && E2e.entries(registry.resolve("adapters/demo/resume/versions")) > 0,
                "a version was published");

        try (GatewayProcess gateway = GatewayProcess.start("training-restart", E2e.stories260K(), registry)) {
            ManagedChannel demo = gateway.channel(GatewayProcess.DEMO_KEY);
            TrainingJob resumed = TrainingLoopIT.awaitFinished(TrainingLoopIT.watch(demo, killed.getId()));
            assertEquals("PROMOTED", resumed.getState(), resumed.toString());
            assertEquals(2, resumed.getAttempt());
            assertEquals(200, resumed.getTotalSteps());
            int from = resumed.getResumedFromStep();
            assertTrue(
                    from >= reached / CHECKPOINT_EVERY * CHECKPOINT_EVERY && from % CHECKPOINT_EVERY == 0 && from < 200,
                    "resumed from step " + from + " after the first attempt reached step " + reached);
            List<Integer> curve = resumed.getLossesList().stream()
                    .map(io.swapgate.proto.v1.LossPoint::getStep)
                    .toList();
            assertEquals(1, curve.get(0), "the curve still starts at the first attempt's first step");
            for (int i = 1; i < curve.size(); i++) {
                assertTrue(curve.get(i) > curve.get(i - 1), "the curve goes on in step order: " + curve);
            }
            AdapterDetails details = AdaptersGrpc.newBlockingStub(demo)
                    .get(GetAdapterRequest.newBuilder().setName("demo/resume").build());
            assertEquals(1, details.getVersionsCount());
            assertEquals(resumed.getVersion(), details.getAliasesOrThrow("stable"));

            List<Long> alone = streamGaps(demo);
            TrainingGrpc.TrainingBlockingStub training = TrainingGrpc.newBlockingStub(demo);
            TrainingJob busy = training.start(StartTrainingRequest.newBuilder()
                    .setAdapter("demo/busy")
                    .setSteps(100_000)
                    .addAllExamples(TrainingLoopIT.fact("busy", 120))
                    .build());
            Iterator<TrainingJob> busyWatch = TrainingLoopIT.watch(demo, busy.getId());
            while (!(busyWatch.next().getStep() >= 1)) {
                // wait until it trains
            }
            List<Long> beside = streamGaps(demo);
            TrainingJob running = training.get(io.swapgate.proto.v1.GetTrainingJobRequest.newBuilder()
                    .setId(busy.getId())
                    .build());
            assertEquals("RUNNING", running.getState(), "the job ran all along");
            training.cancel(
                    CancelTrainingJobRequest.newBuilder().setId(busy.getId()).build());
            assertEquals("CANCELLED", TrainingLoopIT.awaitFinished(busyWatch).getState());

            double ratio = percentile(beside, 50) / percentile(alone, 50);
            report(alone, beside, running.getStep());
            assertTrue(ratio < 2, "p50 time per token beside training is " + ratio + " times that without");
        }
    }

    /** Nanoseconds between consecutive pieces of {@link #STREAMS} concurrent greedy streams. */
    private static List<Long> streamGaps(ManagedChannel channel) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(STREAMS);
        try {
            List<Future<List<Long>>> streams = new ArrayList<>();
            for (int s = 0; s < STREAMS; s++) {
                String prompt = "Once upon a time, number " + s;
                streams.add(pool.submit(() -> {
                    List<Long> gaps = new ArrayList<>();
                    Iterator<GenerateStreamResponse> pieces = InferenceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(2, TimeUnit.MINUTES)
                            .generateStream(E2e.greedy(prompt, TOKENS));
                    long last = 0;
                    while (pieces.hasNext()) {
                        pieces.next();
                        long now = System.nanoTime();
                        if (last != 0) {
                            gaps.add(now - last);
                        }
                        last = now;
                    }
                    return gaps;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> stream : streams) {
                all.addAll(stream.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static double percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
    }

    private static double mean(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
    }

    private static void report(List<Long> alone, List<Long> beside, int steps) throws Exception {
        String table = String.join(
                "\n",
                "# Serving beside a training job (stories260K, " + STREAMS + " greedy streams of " + TOKENS
                        + " tokens, gRPC)",
                "",
                "| | p50 ms/token | p90 ms/token | mean ms/token |",
                "|---|---|---|---|",
                String.format(
                        "| no training | %.2f | %.2f | %.2f |",
                        percentile(alone, 50), percentile(alone, 90), mean(alone)),
                String.format(
                        "| training job running (%d steps done) | %.2f | %.2f | %.2f |",
                        steps, percentile(beside, 50), percentile(beside, 90), mean(beside)),
                String.format(
                        "| ratio | %.2f | %.2f | %.2f |",
                        percentile(beside, 50) / percentile(alone, 50),
                        percentile(beside, 90) / percentile(alone, 90),
                        mean(beside) / mean(alone)),
                "");
        Path file = E2e.targetDir().resolve("bench").resolve("training-impact.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
        System.out.println(table);
    }
}

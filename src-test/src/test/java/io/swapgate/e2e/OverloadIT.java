package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten times the sustainable request rate, open loop, against the packaged gateway (stories260K, batch 8, engine queue
 * 16): every admitted request completes, the excess is refused RESOURCE_EXHAUSTED at once, memory stays bounded, and
 * throughput afterwards matches throughput before. The sustainable rate is measured first, in the same run. The burst
 * lasts 12 s in CI and 60 s with {@code -Dreliability=full}; figures go to {@code target/bench/overload.md}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OverloadIT {

    private static final Duration BURST = Reliability.pick(Duration.ofSeconds(12), Duration.ofSeconds(60));
    private static final int STREAMS = 8;

    @Test
    void tenTimesTheSustainableRateIsShedQuicklyAndServingRecovers() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(
                "overload",
                E2e.stories260K(),
                GatewayProcess.registryDir("overload"),
                // the engine's queue is the limit under test, not the tenant's quotas
                GatewayProcess.withUnreachableQuotas(Map.of(
                        "swapgate.engine.max-batch-size",
                        Integer.toString(STREAMS),
                        "swapgate.engine.queue-capacity",
                        "16")))) {
            GrpcTarget target = new GrpcTarget(gateway);
            LoadGenerator.Workload workload = new LoadGenerator.Workload(
                    ScalingBenchmark.PROMPTS, 24, 40, List.of(List.of()), List.of(GatewayProcess.DEMO_KEY), 11);
            LoadSummary before = steadyThroughput(target, workload);
            double sustainable = before.requests() / before.seconds();
            long residentBefore = gateway.residentKib();
            long heapBefore = gateway.heapUsedBytes();

            List<LoadGenerator.Trace> burst;
            long heapPeak;
            try (MemoryPeaks peaks = MemoryPeaks.watch(gateway)) {
                burst = LoadGenerator.openLoop(target, workload, 10 * sustainable, BURST);
                heapPeak = peaks.heapPeakBytes();
            }
            long residentPeak = gateway.peakResidentKib();
            LoadSummary after = LoadSummary.of(
                    "after: " + STREAMS + " closed-loop streams",
                    LoadGenerator.closedLoop(target, workload, STREAMS, 12 * STREAMS));

            List<LoadGenerator.Trace> admitted =
                    burst.stream().filter(t -> t.error == null).toList();
            List<Double> rejections = new ArrayList<>();
            List<String> otherErrors = new ArrayList<>();
            for (LoadGenerator.Trace trace : burst) {
                if (trace.error != null && trace.error.startsWith("RESOURCE_EXHAUSTED")) {
                    rejections.add((trace.ended - trace.started) / 1e6);
                } else if (trace.error != null) {
                    otherErrors.add(trace.error);
                }
            }
            double[] rejection = LoadSummary.percentiles(rejections); // p50, p90, p99
            double rejectionP50 = rejection[0];
            double rejectionP99 = rejection[2];
            String report = String.format(
                    Locale.ROOT,
                    """
                    Overload: stories260K, batch %d, engine queue 16, %d cores; a burst of %d s at 10x the sustainable rate

                    | | value |
                    |---|---|
                    | sustainable rate (measured before) | %.1f requests/s |
                    | burst rate | %.1f requests/s |
                    | requests sent in the burst | %d |
                    | admitted and completed | %d |
                    | refused RESOURCE_EXHAUSTED | %d |
                    | other errors | %d |
                    | refusal latency p50 / p99 | %.1f / %.1f ms |
                    | tokens/s before / after the burst | %.0f / %.0f (ratio %.2f) |
                    | heap in use before / peak during the burst | %.0f / %.0f MiB |
                    | resident set before / peak (high-water mark) | %.0f / %.0f MiB |
                    """,
                    STREAMS,
                    Runtime.getRuntime().availableProcessors(),
                    BURST.toSeconds(),
                    sustainable,
                    10 * sustainable,
                    burst.size(),
                    admitted.size(),
                    rejections.size(),
                    otherErrors.size(),
                    rejectionP50,
                    rejectionP99,
                    before.tokensPerSecond(),
                    after.tokensPerSecond(),
                    after.tokensPerSecond() / before.tokensPerSecond(),
                    heapBefore / 1048576.0,
                    heapPeak / 1048576.0,
                    residentBefore / 1024.0,
                    residentPeak / 1024.0);
            System.out.println(report);
            Path dir = Files.createDirectories(E2e.targetDir().resolve("bench"));
            Files.writeString(dir.resolve("overload.md"), report);

            assertEquals(
                    List.of(),
                    otherErrors.stream().distinct().limit(5).toList(),
                    "only RESOURCE_EXHAUSTED may refuse a request");
            assertTrue(
                    rejections.size() > burst.size() / 2, "10x the sustainable rate must be mostly shed:\n" + report);
            assertTrue(admitted.stream().allMatch(t -> t.tokens() > 0), "an admitted request ended without output");
            assertEquals(0, before.errors() + after.errors(), "requests failed outside the burst");
            // Loose on purpose (a shared 2-core machine): recovery means the same order of throughput, not a timing
            // bound.
            assertTrue(
                    after.tokensPerSecond() > 0.5 * before.tokensPerSecond(), "throughput did not recover:\n" + report);
            assertTrue(
                    residentPeak - residentBefore < 512 * 1024,
                    "the resident set grew by more than 512 MiB:\n" + report);
        }
    }

    /**
     * Closed-loop runs of {@code 12 * STREAMS} requests until one is within 10% of the run before it (the JIT has
     * settled), at most six; returns the last. The sustainable rate is what this run sustained.
     */
    private static LoadSummary steadyThroughput(GrpcTarget target, LoadGenerator.Workload workload)
            throws InterruptedException {
        LoadSummary previous = null;
        for (int run = 0; run < 6; run++) {
            LoadSummary current = LoadSummary.of(
                    "before: " + STREAMS + " closed-loop streams",
                    LoadGenerator.closedLoop(target, workload, STREAMS, 12 * STREAMS));
            if (previous != null && Math.abs(current.tokensPerSecond() / previous.tokensPerSecond() - 1) < 0.1) {
                return current;
            }
            previous = current;
        }
        return previous;
    }
}

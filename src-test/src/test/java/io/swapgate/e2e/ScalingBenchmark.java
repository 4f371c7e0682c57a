package io.swapgate.e2e;

import io.swapgate.core.model.LlamaConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Throughput and latency as concurrency grows: 1, 4, 16 and 64 closed-loop greedy streams through the packaged
 * gateway over gRPC, on the synthetic ~30M Llama (batch up to 64), then an open-loop run (2 requests/s). Run with {@code ./swapgate bench scaling}; writes
 * scaling.md/.csv/.png to {@code src-test/target/bench/}.
 */
class ScalingBenchmark {

    private static final int[] STREAMS = {1, 4, 16, 64};
    private static final double OPEN_LOOP_RATE = 2.0;
    static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "The little cat sat on the mat and",
            "Tom and Lily went to",
            "In a small town by the sea there lived",
            "She looked at the sky and said",
            "One day a big dog");

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "scaling|all")
    void throughputByConcurrency() throws Exception {
        LlamaConfig shape = SyntheticModels.SMALL;
        Path model = SyntheticModels.folder(shape);
        List<LoadSummary> runs = new ArrayList<>();
        LoadSummary openLoop;
        try (GatewayProcess gateway = GatewayProcess.start(
                "scaling-bench",
                model,
                GatewayProcess.registryDir("scaling-bench"),
                Map.of(
                        "swapgate.engine.max-batch-size",
                        "64",
                        "swapgate.engine.queue-capacity",
                        "256",
                        "swapgate.tenancy.quotas.concurrent-requests",
                        "256",
                        "swapgate.tenancy.quotas.queued-requests",
                        "256"))) {
            GrpcTarget target = new GrpcTarget(gateway);
            LoadGenerator.Workload workload = new LoadGenerator.Workload(
                    PROMPTS, 48, 80, List.of(List.of()), List.of(GatewayProcess.DEMO_KEY), 7);
            LoadGenerator.closedLoop(target, workload, 4, 8); // warm-up
            for (int streams : STREAMS) {
                runs.add(LoadSummary.of(
                        streams + " streams",
                        LoadGenerator.closedLoop(target, workload, streams, Math.max(8, 2 * streams))));
            }
            // Open loop: arrivals at a fixed rate whatever is still running, as traffic from many independent clients.
            openLoop = LoadSummary.of(
                    "open loop, " + OPEN_LOOP_RATE + " requests/s",
                    LoadGenerator.openLoop(target, workload, OPEN_LOOP_RATE, java.time.Duration.ofSeconds(10)));
        }
        report(shape, runs, openLoop);
    }

    private static void report(LlamaConfig shape, List<LoadSummary> runs, LoadSummary openLoop) throws Exception {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        double single = runs.get(0).tokensPerSecond();
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "Scaling: %s (dim %d, %d layers, vocab %d), closed-loop greedy"
                        + " streams of 48-80 tokens over gRPC, %d cores%n%n",
                SyntheticModels.name(shape),
                shape.dim(),
                shape.layers(),
                shape.vocabSize(),
                Runtime.getRuntime().availableProcessors()));
        md.append(LoadSummary.markdownHeader());
        StringBuilder csv = new StringBuilder(LoadSummary.csvHeader());
        for (LoadSummary run : runs) {
            md.append(run.markdownRow());
            csv.append(run.csvRow());
        }
        md.append(openLoop.markdownRow());
        csv.append(openLoop.csvRow());
        LoadSummary widest = runs.get(runs.size() - 1);
        md.append(String.format(
                Locale.ROOT,
                "%n%s give %.1fx the tokens/s of 1 stream (target: at least 8x).%n",
                widest.label(),
                widest.tokensPerSecond() / single));
        System.out.println(md);
        Files.writeString(dir.resolve("scaling.md"), md);
        Files.writeString(dir.resolve("scaling.csv"), csv);
        double[] streams = runs.stream()
                .mapToDouble(r -> Double.parseDouble(r.label().split(" ")[0]))
                .toArray();
        Map<String, double[][]> throughput = new LinkedHashMap<>();
        throughput.put("aggregate tokens/s", new double[][] {
            streams, runs.stream().mapToDouble(LoadSummary::tokensPerSecond).toArray()
        });
        Charts.lines(
                dir.resolve("scaling.png"),
                "Swapgate, " + SyntheticModels.name(shape) + ": output tokens/s by concurrent streams (gRPC)",
                "concurrent streams (log scale)",
                "output tokens per second",
                true,
                throughput);
        Map<String, double[][]> latency = new LinkedHashMap<>();
        latency.put("time to first token p50", new double[][] {
            streams, runs.stream().mapToDouble(r -> r.ttft()[0]).toArray()
        });
        latency.put("inter-token latency p50", new double[][] {
            streams, runs.stream().mapToDouble(r -> r.interToken()[0]).toArray()
        });
        latency.put("inter-token latency p99", new double[][] {
            streams, runs.stream().mapToDouble(r -> r.interToken()[2]).toArray()
        });
        Charts.lines(
                dir.resolve("scaling-latency.png"),
                "Swapgate, " + SyntheticModels.name(shape) + ": latency by concurrent streams (gRPC)",
                "concurrent streams (log scale)",
                "milliseconds",
                true,
                latency);
    }
}

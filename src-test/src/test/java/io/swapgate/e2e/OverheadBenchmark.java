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
 * What the gateway adds: the same workload (8 closed-loop greedy streams on the synthetic ~30M Llama) against the
 * engine in this JVM and through the packaged gateway over gRPC, alternated for {@link #ROUNDS} rounds so machine
 * noise hits both alike. Run with {@code ./swapgate bench overhead}; writes overhead.md/.csv/.png.
 */
class OverheadBenchmark {

    private static final int ROUNDS = 3;
    private static final int STREAMS = 8;
    private static final int REQUESTS = 24;

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "overhead|all")
    void gatewayOverheadPerOutputToken() throws Exception {
        LlamaConfig shape = SyntheticModels.SMALL;
        Path model = SyntheticModels.folder(shape);
        LoadGenerator.Workload workload = new LoadGenerator.Workload(ScalingBenchmark.PROMPTS, 48, 80, List.of(List.of()),
                List.of(GatewayProcess.DEMO_KEY), 11);
        List<LoadSummary> runs = new ArrayList<>();
        try (EngineTarget engine = new EngineTarget(model, 32, 2048);
             GatewayProcess gateway = GatewayProcess.start("overhead-bench", model, GatewayProcess.registryDir("overhead-bench"))) {
            GrpcTarget grpc = new GrpcTarget(gateway);
            LoadGenerator.closedLoop(engine, workload, STREAMS, STREAMS); // warm-up both
            LoadGenerator.closedLoop(grpc, workload, STREAMS, STREAMS);
            for (int round = 1; round <= ROUNDS; round++) {
                runs.add(LoadSummary.of("in-process, round " + round, LoadGenerator.closedLoop(engine, workload, STREAMS, REQUESTS)));
                runs.add(LoadSummary.of("gRPC, round " + round, LoadGenerator.closedLoop(grpc, workload, STREAMS, REQUESTS)));
            }
        }
        report(shape, runs);
    }

    private static void report(LlamaConfig shape, List<LoadSummary> runs) throws Exception {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "Gateway overhead: %s, %d closed-loop greedy streams of 48-80"
                + " tokens, %d requests per run, in-process engine and gRPC alternated, %d cores%n%n", SyntheticModels.name(shape),
                STREAMS, REQUESTS, Runtime.getRuntime().availableProcessors()));
        md.append(LoadSummary.markdownHeader());
        StringBuilder csv = new StringBuilder(LoadSummary.csvHeader());
        List<Double> inProcess = new ArrayList<>();
        List<Double> grpc = new ArrayList<>();
        for (LoadSummary run : runs) {
            md.append(run.markdownRow());
            csv.append(run.csvRow());
            (run.label().startsWith("gRPC") ? grpc : inProcess).add(run.perOutputToken()[0]);
        }
        double local = median(inProcess);
        double remote = median(grpc);
        md.append(String.format(Locale.ROOT, "%nMedian over rounds of the p50 time per output token: in-process %.2f ms, gRPC %.2f ms:"
                + " gRPC adds %.1f%% (target: at most 10%%).%n", local, remote, 100 * (remote / local - 1)));
        System.out.println(md);
        Files.writeString(dir.resolve("overhead.md"), md);
        Files.writeString(dir.resolve("overhead.csv"), csv);
        List<String> rounds = new ArrayList<>();
        for (int r = 1; r <= ROUNDS; r++) {
            rounds.add("round " + r);
        }
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("in-process engine", inProcess);
        series.put("packaged gateway over gRPC", grpc);
        Charts.bars(dir.resolve("overhead.png"), "Time per output token p50, " + STREAMS + " streams, " + SyntheticModels.name(shape),
                "run", "milliseconds per output token", rounds, series);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}

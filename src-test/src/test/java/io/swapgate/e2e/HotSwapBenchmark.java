package io.swapgate.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Publish-to-serving latency under load: 16 streams on {@code tenant/a@stable} while 100 versions are uploaded and
 * promoted; for each, the time from the promotion's return to the first token of a request that reports the new
 * version. Run with {@code ./swapgate bench swap}; writes swap.md/.csv/.png to {@code src-test/target/bench/}.
 */
class HotSwapBenchmark {

    private static final int SWAPS = 100;
    private static final int STREAMS = 16;

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "swap|all")
    void publishToServingLatency() throws Exception {
        String tenant = "bench" + Long.toString(System.nanoTime(), 36);
        HotSwapScenario.Result result;
        try (GatewayProcess gateway = HotSwapScenario.startGateway("swap-bench")) {
            result = HotSwapScenario.run(
                    gateway,
                    tenant + "/a",
                    SWAPS,
                    STREAMS,
                    E2e.targetDir().resolve("e2e-work").resolve(tenant));
        }
        List<Double> latencies = result.swapLatenciesMs();
        List<Double> controls = result.controlLatenciesMs();
        double p50 = HotSwapIT.percentile(latencies, 0.50);
        double p90 = HotSwapIT.percentile(latencies, 0.90);
        double p99 = HotSwapIT.percentile(latencies, 0.99);
        String md = String.format(
                Locale.ROOT,
                "Hot swap under load: stories260K, %d streams on tenant/a@stable, %d promotions of pre-warmed"
                        + " versions, %d responses, %d failed, %d stale probes (%d cores)%n%n"
                        + "| ms | publish-to-serving (first token after the promotion returns) | same request just before the promotion |%n"
                        + "|---|---:|---:|%n| p50 | %.1f | %.1f |%n| p90 | %.1f | %.1f |%n| p99 | %.1f | %.1f |%n",
                STREAMS,
                SWAPS,
                result.served().size(),
                result.failures().size(),
                result.staleProbes().size(),
                Runtime.getRuntime().availableProcessors(),
                p50,
                HotSwapIT.percentile(controls, 0.5),
                p90,
                HotSwapIT.percentile(controls, 0.9),
                p99,
                HotSwapIT.percentile(controls, 0.99));
        System.out.println(md);
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("swap.md"), md);
        StringBuilder csv = new StringBuilder("swap,latency_ms\n");
        for (int i = 0; i < latencies.size(); i++) {
            csv.append(i + 1)
                    .append(',')
                    .append(String.format(Locale.ROOT, "%.3f", latencies.get(i)))
                    .append('\n');
        }
        Files.writeString(dir.resolve("swap.csv"), csv);
        Map<String, List<Double>> series = new java.util.LinkedHashMap<>();
        series.put("publish-to-serving", List.of(p50, p90, p99));
        series.put(
                "same request just before the promotion",
                List.of(
                        HotSwapIT.percentile(controls, 0.5),
                        HotSwapIT.percentile(controls, 0.9),
                        HotSwapIT.percentile(controls, 0.99)));
        Charts.bars(
                dir.resolve("swap.png"),
                "Hot swap under load: " + STREAMS + " streams, " + SWAPS + " promotions (stories260K)",
                "percentile",
                "milliseconds to the first token",
                List.of("p50", "p90", "p99"),
                series);
    }
}

package io.swapgate.e2e;

import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Serving throughput and latency of the packaged gateway over real gRPC, side by side in one run: greedy
 * streams on stories260K at several concurrency levels. Run with {@code ./swapgate bench}; writes a Markdown
 * table, a CSV and a PNG chart to {@code src-test/target/bench/}. Not part of the test suite: timings belong
 * in benchmarks, never in assertions.
 */
class ServingBenchmark {

    private static final int[] CONCURRENCY = {1, 4, 16, 32};
    private static final int MAX_NEW_TOKENS = 200;
    private static final int ROUNDS = 3;
    private static final String[] PROMPTS = {
        "Once upon a time",
        "Lily and Ben",
        "The cat sat",
        "One day, a little boy",
        "She was sad because",
        "Tom liked to",
        "The sun was",
        "There was a big"
    };

    record Result(
            int streams,
            double tokensPerSecond,
            double perStreamTokensPerSecond,
            double ttftP50Ms,
            double ttftP90Ms,
            long tokens) {}

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "serving|all")
    void servingThroughputAndLatency() throws Exception {
        List<Result> results = new ArrayList<>();
        long startupMs;
        try (GatewayProcess gateway = GatewayProcess.start("bench", E2e.stories260K())) {
            startupMs = gateway.startup().toMillis();
            InferenceGrpc.InferenceStub stub = InferenceGrpc.newStub(gateway.channel());
            runRound(stub, 8); // warm-up: JIT, allocator, first-call paths
            for (int streams : CONCURRENCY) {
                results.add(measure(stub, streams));
            }
        }
        report(results, startupMs);
    }

    private static Result measure(InferenceGrpc.InferenceStub stub, int streams) throws Exception {
        long tokens = 0;
        double seconds = 0;
        List<Double> ttft = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            long started = System.nanoTime();
            List<StreamTiming> timings = runRound(stub, streams);
            seconds += (System.nanoTime() - started) / 1e9;
            for (StreamTiming t : timings) {
                tokens += t.tokens;
                ttft.add((t.firstTokenNanos - t.startNanos) / 1e6);
            }
        }
        double[] sorted =
                ttft.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double total = tokens / seconds;
        return new Result(streams, total, total / streams, percentile(sorted, 0.5), percentile(sorted, 0.9), tokens);
    }

    record StreamTiming(long startNanos, long firstTokenNanos, long tokens) {}

    private static List<StreamTiming> runRound(InferenceGrpc.InferenceStub stub, int streams) throws Exception {
        List<GenerateRequest> requests = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            requests.add(E2e.greedy(PROMPTS[i % PROMPTS.length], MAX_NEW_TOKENS));
        }
        return runRound(stub, requests);
    }

    /** Streams every request at once and waits for all of them. */
    static List<StreamTiming> runRound(InferenceGrpc.InferenceStub stub, List<GenerateRequest> requests)
            throws Exception {
        List<CompletableFuture<StreamTiming>> futures = new ArrayList<>();
        for (GenerateRequest request : requests) {
            CompletableFuture<StreamTiming> done = new CompletableFuture<>();
            long start = System.nanoTime();
            stub.withDeadlineAfter(5, TimeUnit.MINUTES).generateStream(request, new StreamObserver<>() {
                long first;

                @Override
                public void onNext(GenerateStreamResponse response) {
                    if (first == 0 && response.getTokenIdsCount() > 0) {
                        first = System.nanoTime();
                    }
                    if (response.hasUsage()) {
                        done.complete(new StreamTiming(
                                start, first, response.getUsage().getCompletionTokens()));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.completeExceptionally(new IllegalStateException("stream ended without usage"));
                }
            });
            futures.add(done);
        }
        List<StreamTiming> timings = new ArrayList<>();
        for (CompletableFuture<StreamTiming> f : futures) {
            timings.add(f.get(5, TimeUnit.MINUTES));
        }
        return timings;
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    private static void report(List<Result> results, long startupMs) throws IOException {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "Serving benchmark: stories260K, greedy, %d new tokens per stream, %d rounds,"
                        + " gateway startup %d ms (%d cores)%n%n",
                MAX_NEW_TOKENS,
                ROUNDS,
                startupMs,
                Runtime.getRuntime().availableProcessors()));
        md.append("| streams | tokens/s (all) | tokens/s per stream | TTFT p50 ms | TTFT p90 ms | tokens |\n");
        md.append("|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder csv =
                new StringBuilder("streams,tokens_per_s,per_stream_tokens_per_s,ttft_p50_ms,ttft_p90_ms,tokens\n");
        for (Result r : results) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %d | %.0f | %.1f | %.1f | %.1f | %d |%n",
                    r.streams(),
                    r.tokensPerSecond(),
                    r.perStreamTokensPerSecond(),
                    r.ttftP50Ms(),
                    r.ttftP90Ms(),
                    r.tokens()));
            csv.append(String.format(
                    Locale.ROOT,
                    "%d,%.2f,%.2f,%.2f,%.2f,%d%n",
                    r.streams(),
                    r.tokensPerSecond(),
                    r.perStreamTokensPerSecond(),
                    r.ttftP50Ms(),
                    r.ttftP90Ms(),
                    r.tokens()));
        }
        System.out.println(md);
        Files.writeString(dir.resolve("serving.md"), md);
        Files.writeString(dir.resolve("serving.csv"), csv);
        Map<String, double[][]> series = new java.util.LinkedHashMap<>();
        series.put("aggregate tokens/s", new double[][] {
            results.stream().mapToDouble(Result::streams).toArray(),
            results.stream().mapToDouble(Result::tokensPerSecond).toArray()
        });
        Charts.lines(
                dir.resolve("serving.png"),
                "Swapgate on stories260K: output tokens/s by concurrent greedy streams (gRPC)",
                "concurrent streams (log scale)",
                "output tokens per second",
                true,
                series);
        System.out.println("wrote " + dir.resolve("serving.md") + ", serving.csv and serving.png");
    }
}

package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fair shares of the batch between tenants, over real gRPC: tenant noisy keeps 64 streams open (twice the batch)
 * while tenant quiet sends one request at a time. Quiet's time to first token is measured alone and under noisy's
 * load in the same run, and noisy's throughput alone and beside quiet. Results go to target/bench/fairness.md.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FairnessIT {

    private static final int NOISY_STREAMS = 64;
    private static final int NOISY_TOKENS = 128;
    private static final int QUIET_REQUESTS = 30;
    private static final int QUIET_TOKENS = 8;
    private static final long NOISY_ALONE_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Test
    @WallClock
    void aQuietTenantIsServedPromptlyBesideANoisyOne() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(
                "fairness",
                E2e.stories260K(),
                GatewayProcess.registryDir("fairness"),
                Map.of(
                        "swapgate.engine.max-batch-size",
                        "32",
                        "swapgate.engine.queue-capacity",
                        "256",
                        // A stream's end reaches the client a moment before the gateway releases it: room for the next.
                        "swapgate.tenancy.tenants.\"noisy\".quotas.concurrent-requests",
                        "128"))) {
            var quiet = InferenceGrpc.newBlockingStub(gateway.channel("quiet-key"));
            quietTtfts(quiet, 5); // warm-up: JIT, first allocations
            double[] alone = quietTtfts(quiet, QUIET_REQUESTS);

            NoisyLoad noisy = new NoisyLoad(InferenceGrpc.newStub(gateway.channel("noisy-key")));
            noisy.start();
            noisy.awaitTokens(NOISY_STREAMS * 4L);
            long soloFrom = System.nanoTime();
            long soloTokens = noisy.tokens.get();
            TimeUnit.NANOSECONDS.sleep(NOISY_ALONE_NANOS); // a measurement window, not synchronisation
            double noisyAloneRate = (noisy.tokens.get() - soloTokens) / ((System.nanoTime() - soloFrom) / 1e9);

            long besideFrom = System.nanoTime();
            long besideTokens = noisy.tokens.get();
            double[] loaded = quietTtfts(quiet, QUIET_REQUESTS);
            double noisyBesideRate = (noisy.tokens.get() - besideTokens) / ((System.nanoTime() - besideFrom) / 1e9);
            double noisyRequestMs = noisy.medianRequestMs();
            noisy.stop();
            assertEquals(0, noisy.errors.get(), () -> "noisy's streams failed, first: " + noisy.firstError);

            double aloneMedian = median(alone);
            double loadedMedian = median(loaded);
            report(aloneMedian, loadedMedian, loaded, noisyAloneRate, noisyBesideRate, noisyRequestMs);
            // Waiting its turn behind noisy's 32 queued requests would cost quiet at least one of noisy's whole
            // requests; a fair share admits it within a step or two of a full batch.
            assertTrue(
                    loadedMedian < noisyRequestMs / 4,
                    String.format(
                            Locale.ROOT,
                            "quiet's median TTFT under load %.1f ms is not well below a noisy request's %.1f ms",
                            loadedMedian,
                            noisyRequestMs));
            assertTrue(
                    noisyBesideRate > noisyAloneRate / 2,
                    String.format(
                            Locale.ROOT,
                            "noisy's throughput collapsed: %.0f tokens/s beside quiet, %.0f alone",
                            noisyBesideRate,
                            noisyAloneRate));
        }
    }

    /** Quiet's requests one after another; the time from sending each to its first token, in ms. */
    private static double[] quietTtfts(InferenceGrpc.InferenceBlockingStub quiet, int requests) {
        double[] ttft = new double[requests];
        for (int i = 0; i < requests; i++) {
            long sent = System.nanoTime();
            Iterator<GenerateStreamResponse> stream = quiet.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generateStream(request("Once upon a time", QUIET_TOKENS));
            GenerateStreamResponse first = stream.next();
            ttft[i] = (System.nanoTime() - sent) / 1e6;
            assertTrue(first.getTokenIdsCount() > 0, "the first message carries tokens");
            stream.forEachRemaining(m -> {});
        }
        return ttft;
    }

    private static GenerateRequest request(String prompt, int tokens) {
        return GenerateRequest.newBuilder()
                .setPrompt(prompt)
                .setMaxNewTokens(tokens)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .build();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void report(
            double aloneMedian,
            double loadedMedian,
            double[] loaded,
            double noisyAlone,
            double noisyBeside,
            double noisyRequestMs)
            throws Exception {
        String table = String.format(
                Locale.ROOT,
                """
                | measure | value |
                |---|---|
                | quiet TTFT p50 alone (ms) | %.1f |
                | quiet TTFT p50 beside 64 noisy streams (ms) | %.1f |
                | ratio loaded / alone | %.2f |
                | quiet TTFT max beside noisy (ms) | %.1f |
                | noisy tokens/s alone | %.0f |
                | noisy tokens/s beside quiet | %.0f |
                | noisy request duration p50 (ms, %d tokens) | %.0f |
                """,
                aloneMedian,
                loadedMedian,
                loadedMedian / aloneMedian,
                Arrays.stream(loaded).max().orElse(0),
                noisyAlone,
                noisyBeside,
                NOISY_TOKENS,
                noisyRequestMs);
        System.out.println("fairness (stories260K, batch 32, "
                + Runtime.getRuntime().availableProcessors() + " cores):\n" + table);
        Path out = E2e.targetDir().resolve("bench");
        Files.createDirectories(out);
        Files.writeString(out.resolve("fairness.md"), table);
    }

    /** Noisy's streams: 64 kept open, each replaced as soon as it ends, until stopped. */
    private static final class NoisyLoad {
        private final InferenceGrpc.InferenceStub stub;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicLong tokens = new AtomicLong();
        private final AtomicInteger errors = new AtomicInteger();
        private volatile Throwable firstError;
        private final AtomicInteger open = new AtomicInteger();
        private final List<Double> durations = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        private final Object progress = new Object();

        NoisyLoad(InferenceGrpc.InferenceStub stub) {
            this.stub = stub;
        }

        void start() {
            for (int i = 0; i < NOISY_STREAMS; i++) {
                launch();
            }
        }

        private void launch() {
            if (stopped.get()) {
                return;
            }
            open.incrementAndGet();
            long sent = System.nanoTime();
            stub.withDeadlineAfter(120, TimeUnit.SECONDS)
                    .generateStream(request("Lily and Ben", NOISY_TOKENS), new StreamObserver<>() {
                        @Override
                        public void onNext(GenerateStreamResponse message) {
                            tokens.addAndGet(message.getTokenIdsCount());
                            synchronized (progress) {
                                progress.notifyAll();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (!stopped.get() && errors.incrementAndGet() == 1) {
                                firstError = t;
                            }
                            ended();
                        }

                        @Override
                        public void onCompleted() {
                            durations.add((System.nanoTime() - sent) / 1e6);
                            ended();
                            launch();
                        }
                    });
        }

        private void ended() {
            open.decrementAndGet();
            synchronized (progress) {
                progress.notifyAll();
            }
        }

        void awaitTokens(long count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (progress) {
                while (tokens.get() < count) {
                    assertTrue(System.nanoTime() < deadline, "noisy's streams produced no tokens");
                    progress.wait(100);
                }
            }
        }

        double medianRequestMs() {
            synchronized (durations) {
                return median(
                        durations.stream().mapToDouble(Double::doubleValue).toArray());
            }
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (progress) {
                while (open.get() > 0) {
                    assertTrue(System.nanoTime() < deadline, "noisy's streams did not end");
                    progress.wait(100);
                }
            }
        }
    }
}

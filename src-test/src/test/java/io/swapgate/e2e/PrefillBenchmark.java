package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Streams keep their pace while a long prompt is admitted. On the peer benchmark's model (stories110M's shape, F32,
 * {@link PeerBenchmark}), in-process on the gateway's threads: {@value #STREAMS} greedy streams decode; once each has
 * {@value #STEADY_TOKENS} tokens, a prompt of {@value #LONG_PROMPT_TOKENS} tokens arrives. Each stream's inter-token
 * p50 is taken before it arrives (steady decoding), its p99 and worst gap from its arrival to its first token (the
 * window its prefill spans). Run once per prefill setting (a token budget, fixed or paced by measured step times:
 * {@code EngineConfig.prefillStretch}), the whole prompt in one step first (what every unpaced budget at least as long
 * as the prompt does), rounds alternated, medians reported. Run with {@code ./swapgate bench
 * prefill}; writes prefill.md/.csv/.png.
 */
class PrefillBenchmark {

    private static final int STREAMS = 4;
    private static final int STEADY_TOKENS = 40;
    /** Enough for the streams to decode through the slowest prefill compared (they are cancelled once it ends). */
    private static final int STREAM_TOKENS = 1000;

    private static final int LONG_PROMPT_TOKENS = 1000;
    private static final int CONTEXT = 1024;
    /**
     * A prefill setting compared: a token budget, and how much longer than the streams' decode-only step a step with
     * prompt tokens may take (0: every step takes the whole budget).
     */
    private record Setting(int budget, double stretch) {
        String label() {
            String tokens = budget >= LONG_PROMPT_TOKENS ? budget + " tokens (whole prompt)" : budget + " tokens";
            String paced = stretch == 0 ? ", unpaced" : String.format(Locale.ROOT, ", paced to %.2gx", stretch);
            EngineConfig defaults = EngineConfig.builder().build();
            boolean isDefault = budget == defaults.prefillTokenBudget() && stretch == defaults.prefillStretch();
            return tokens + paced + (isDefault ? " (default)" : "");
        }
    }

    /** The settings compared; the first's budget is at least the prompt, so it is prefilled in one step. */
    private static final List<Setting> SETTINGS = List.of(
            new Setting(2048, 0),
            new Setting(256, 0),
            new Setting(64, 0),
            new Setting(8, 0),
            new Setting(64, 2),
            new Setting(64, 3),
            new Setting(64, 4));

    private static final int ROUNDS = 3;
    /** Chunks of each stream left out of its steady gaps: the steps that admitted the other streams. */
    private static final int WARM_UP_CHUNKS = 5;

    private static final String STREAM_PROMPT = "ab ac ad ae";

    /** One run's figures, each stream's ratio its window p99 over its steady p50. */
    private record Run(double steadyP50Ms, double windowP99Ms, double worstGapMs, double worstRatio, double ttftMs) {}

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "prefill|all")
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void streamsKeepTheirPaceWhileALongPromptIsAdmitted() throws Exception {
        LlamaConfig shape = PeerBenchmark.shape();
        Path dir = Files.createDirectories(E2e.targetDir().resolve("bench"));
        Path gguf = LlamaCppPeer.syntheticGguf(dir.resolve(PeerBenchmark.fileName(shape)), shape, 1);
        LoadedModel model = ModelLoader.load(gguf);
        String longPrompt = promptOf(model, LONG_PROMPT_TOKENS);
        int threads = RuntimeOptions.autoThreads(
                shape.parameterCount(), Runtime.getRuntime().availableProcessors());
        Map<Setting, List<Run>> runs = new LinkedHashMap<>();
        try (LlamaRuntime runtime =
                new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(threads), CONTEXT)) {
            for (int round = 0; round < ROUNDS; round++) {
                for (Setting setting : SETTINGS) {
                    try (InferenceEngine engine = new InferenceEngine(
                            runtime,
                            model.tokenizer(),
                            EngineConfig.builder()
                                    .maxBatchSize(STREAMS + 1)
                                    .maxContext(CONTEXT)
                                    .prefillTokenBudget(setting.budget())
                                    .prefillStretch(setting.stretch())
                                    .build())) {
                        runs.computeIfAbsent(setting, b -> new ArrayList<>()).add(run(engine, longPrompt));
                    }
                }
                System.out.printf(Locale.ROOT, "prefill benchmark: round %d of %d done%n", round + 1, ROUNDS);
            }
        }
        report(dir, shape, threads, runs);
    }

    /** Streams decode, the long prompt arrives, and each stream's gaps before and during its prefill are compared. */
    private static Run run(InferenceEngine engine, String longPrompt) throws Exception {
        List<TimedStream> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            TimedStream stream = new TimedStream(STEADY_TOKENS);
            stream.handle = engine.submit(
                    GenerationRequest.builder("stream-" + i, STREAM_PROMPT, STREAM_TOKENS)
                            .build(),
                    stream);
            streams.add(stream);
        }
        for (TimedStream stream : streams) {
            stream.steady.get(2, TimeUnit.MINUTES);
        }
        TimedStream prompt = new TimedStream(1);
        long arrived = System.nanoTime();
        engine.submit(GenerationRequest.builder("long", longPrompt, 8).build(), prompt);
        long firstToken = prompt.steady.get(2, TimeUnit.MINUTES);
        double steadyP50 = 0;
        double windowP99 = 0;
        double worstGap = 0;
        double worstRatio = 0;
        for (TimedStream stream : streams) {
            // The first gap after the window closes still spans its end: wait for it.
            stream.awaitTokenAfter(firstToken);
            stream.handle.cancel();
            double p50 = LoadSummary.percentiles(stream.gapsBefore(arrived))[0];
            List<Double> window = stream.gapsSpanning(arrived, firstToken);
            assertFalse(window.isEmpty(), "a gap spans the prompt's prefill");
            double p99 = LoadSummary.percentiles(window)[2];
            steadyP50 += p50 / STREAMS;
            windowP99 += p99 / STREAMS;
            worstGap = Math.max(
                    worstGap,
                    window.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            worstRatio = Math.max(worstRatio, p99 / p50);
        }
        prompt.finished.get(2, TimeUnit.MINUTES);
        return new Run(steadyP50, windowP99, worstGap, worstRatio, (firstToken - arrived) / 1e6);
    }

    /** A text of exactly {@code tokens} prompt tokens (the beginning-of-text token included). */
    private static String promptOf(LoadedModel model, int tokens) {
        String[] words = {"ab", "ac", "ad", "ae", "ba", "ca", "da"};
        StringBuilder text = new StringBuilder("ab");
        for (int i = 0; model.tokenizer().encodePrompt(text.toString()).length < tokens; i++) {
            text.append(' ').append(words[(i * 5 + i / 7) % words.length]);
        }
        String prompt = text.toString();
        assertEquals(tokens, model.tokenizer().encodePrompt(prompt).length, "each word adds one token");
        return prompt;
    }

    /** A stream's token arrival times; completes {@code steady} with the time its n-th token arrives. */
    private static final class TimedStream implements GenerationListener {
        final CompletableFuture<Long> steady = new CompletableFuture<>();
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        private final int steadyTokens;
        /** Arrival time and token count of each text chunk. */
        private final List<long[]> chunks = new ArrayList<>();

        private int tokens;
        private long awaitedAfter = Long.MAX_VALUE;
        private final CompletableFuture<Void> tokenAfter = new CompletableFuture<>();
        GenerationHandle handle;

        TimedStream(int steadyTokens) {
            this.steadyTokens = steadyTokens;
        }

        @Override
        public synchronized void onText(TextChunk chunk) {
            long now = System.nanoTime();
            int count = chunk.tokenIds().length;
            if (count == 0) {
                return;
            }
            chunks.add(new long[] {now, count});
            tokens += count;
            if (tokens >= steadyTokens) {
                steady.complete(now);
            }
            if (now > awaitedAfter) {
                tokenAfter.complete(null);
            }
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            finished.complete(null);
            tokenAfter.complete(null);
        }

        @Override
        public void onError(Throwable error) {
            steady.completeExceptionally(error);
            finished.completeExceptionally(error);
            tokenAfter.completeExceptionally(error);
        }

        void awaitTokenAfter(long time) throws Exception {
            synchronized (this) {
                awaitedAfter = time;
                if (!chunks.isEmpty() && chunks.get(chunks.size() - 1)[0] > time) {
                    tokenAfter.complete(null);
                }
            }
            tokenAfter.get(2, TimeUnit.MINUTES);
        }

        /** Per-token gaps (ms) before {@code time}, past the first few (the other streams' admissions). */
        synchronized List<Double> gapsBefore(long time) {
            List<Double> gaps = new ArrayList<>();
            for (int i = WARM_UP_CHUNKS; i < chunks.size() && chunks.get(i)[0] <= time; i++) {
                addGap(gaps, i);
            }
            return gaps;
        }

        /** Per-token gaps (ms) ending after {@code from}, up to the first that ends after {@code to}. */
        synchronized List<Double> gapsSpanning(long from, long to) {
            List<Double> gaps = new ArrayList<>();
            for (int i = 1; i < chunks.size(); i++) {
                long at = chunks.get(i)[0];
                if (at > from) {
                    addGap(gaps, i);
                }
                if (at > to) {
                    break;
                }
            }
            return gaps;
        }

        /** The gap before chunk i; a chunk of k tokens counts it k times as k equal parts. */
        private void addGap(List<Double> gaps, int i) {
            int count = (int) chunks.get(i)[1];
            double gap = (chunks.get(i)[0] - chunks.get(i - 1)[0]) / 1e6 / count;
            for (int k = 0; k < count; k++) {
                gaps.add(gap);
            }
        }
    }

    private static void report(Path dir, LlamaConfig shape, int threads, Map<Setting, List<Run>> runs)
            throws Exception {
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "Prefill: %d greedy streams decoding while a %d-token prompt is admitted, on stories110M's shape (dim %d,"
                        + " %d layers, %.1fM F32 parameters), in-process on %d intra-op thread%s, %d cores; medians of %d"
                        + " rounds%n%n",
                STREAMS,
                LONG_PROMPT_TOKENS,
                shape.dim(),
                shape.layers(),
                shape.parameterCount() / 1e6,
                threads,
                threads == 1 ? "" : "s",
                Runtime.getRuntime().availableProcessors(),
                ROUNDS));
        md.append("| prefill setting | streams' inter-token p50 before, ms | p99 while the prompt is prefilled, ms"
                + " | worst gap, ms | worst stream's p99 / p50 | the prompt's first token, ms |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        StringBuilder csv =
                new StringBuilder("budget,stretch,steady_p50_ms,window_p99_ms,worst_gap_ms,worst_ratio,ttft_ms\n");
        List<String> labels = new ArrayList<>();
        Map<String, List<Double>> chart = new LinkedHashMap<>();
        chart.put("inter-token p50 before", new ArrayList<>());
        chart.put("inter-token p99 while prefilling", new ArrayList<>());
        for (Map.Entry<Setting, List<Run>> entry : runs.entrySet()) {
            List<Run> rounds = entry.getValue();
            double p50 = median(rounds.stream().map(Run::steadyP50Ms).toList());
            double p99 = median(rounds.stream().map(Run::windowP99Ms).toList());
            double worst = median(rounds.stream().map(Run::worstGapMs).toList());
            double ratio = median(rounds.stream().map(Run::worstRatio).toList());
            double ttft = median(rounds.stream().map(Run::ttftMs).toList());
            Setting setting = entry.getKey();
            String label = setting.label();
            md.append(String.format(
                    Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.2f | %.0f |%n", label, p50, p99, worst, ratio, ttft));
            csv.append(String.format(
                    Locale.ROOT,
                    "%d,%.2f,%.2f,%.2f,%.2f,%.3f,%.1f%n",
                    setting.budget(),
                    setting.stretch(),
                    p50,
                    p99,
                    worst,
                    ratio,
                    ttft));
            labels.add(label);
            chart.get("inter-token p50 before").add(p50);
            chart.get("inter-token p99 while prefilling").add(p99);
        }
        md.append(String.format(
                Locale.ROOT,
                "%nTarget: no stream's inter-token p99 while the prompt is prefilled above 2x its p50 before it"
                        + " arrived.%n"));
        System.out.println(md);
        Files.writeString(dir.resolve("prefill.md"), md);
        Files.writeString(dir.resolve("prefill.csv"), csv);
        Charts.bars(
                dir.resolve("prefill.png"),
                String.format(
                        Locale.ROOT,
                        "%d streams' inter-token latency while a %d-token prompt is admitted",
                        STREAMS,
                        LONG_PROMPT_TOKENS),
                "prefill setting",
                "milliseconds",
                labels,
                chart);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}

package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.proto.v1.InferenceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Swapgate side by side with llama.cpp on the same weights: a synthetic Llama of stories110M's shape (dim 768, 12
 * layers, 12 heads, hidden 2048) with a 512-token vocabulary, written once as an F32 GGUF under {@code target/bench},
 * served by llama.cpp (node-llama-cpp 3.21.1's prebuilt CPU build, {@code src-test/node/llama-cpp-peer.mjs}, its
 * defaults: F16 KV cache, flash attention where supported) at 1 and 2 threads, by Swapgate's engine in-process at 1 and
 * 2 intra-op threads, and by the packaged gateway over gRPC (threads as served), alternated over rounds. Each measures
 * one greedy stream (decode tokens/s after the first token, and the time to the first token of a 5-token prompt:
 * Swapgate's the median of {@value #FIRST_TOKEN_REQUESTS} requests one after another, each target warmed up just
 * before) and
 * 8 and 32 concurrent streams (all streams' tokens over the wall time from the first start to the last end). Reports
 * medians over rounds, Swapgate's ratios to llama.cpp at its best thread count, the share of the memory-bandwidth limit
 * ({@link MemoryBandwidth}: every weight read once per token), and whether every engine's 32 greedy tokens are the
 * same as Swapgate's in-process. Run with {@code ./swapgate bench peer}; writes peer.md/.csv/.png.
 *
 * <p>{@code -Dpeer.shape=DIM,HIDDEN,LAYERS,HEADS} (or {@code SWAPGATE_PEER_SHAPE}, e.g. {@code
 * SWAPGATE_PEER_SHAPE=256,688,4,4 ./swapgate bench peer}) picks a smaller shape for a quick run, {@code -Dpeer.rounds=N}
 * (or {@code SWAPGATE_PEER_ROUNDS}) the number of rounds (3).
 */
class PeerBenchmark {

    private static final String PROMPT = "ab ac ad ae";
    private static final int PROMPT_TOKENS = 5;
    private static final int ONE_STREAM_TOKENS = 64;
    private static final int MANY_STREAMS_TOKENS = 32;
    private static final int EQUALITY_STEPS = 32;
    /** Swapgate's first token: the median of this many single requests of a few tokens, one after another. */
    private static final int FIRST_TOKEN_REQUESTS = 8;

    private static final int FIRST_TOKEN_TOKENS = 4;
    /**
     * One-token requests the gateway serves before anything is measured. The path a request takes through the gRPC
     * server, the interceptors and admission runs once per request, so the JIT compiles it only after a few thousand:
     * until then a request refused at admission took 5-13 ms a round trip and reached the service 2-8 ms after the
     * client sent it; after 3,000 requests 1.2-2 ms and 0.6-1.4 ms. A gateway that has served for a while is what is
     * compared; the first-token time right after start is reported too.
     */
    private static final int REQUEST_PATH_WARM_UP = 3000;

    private static final int[] STREAMS = {1, 8, 32};
    private static final int[] THREADS = {1, 2};
    private static final int CONTEXT = 256;
    /** Batch slots, in the gateway and in-process: as many as the most streams measured. */
    private static final int SLOTS = 32;

    private static final String KEY = GatewayProcess.DEMO_KEY;

    /** One contender's measurements, a list of rounds per column. */
    private static final class Series {
        final String label;
        final Map<Integer, List<Double>> tokensPerSecond = new LinkedHashMap<>();
        final List<Double> ttftMs = new ArrayList<>();
        /**
         * Over gRPC, per round: the mean first-token time of the TTFT requests as the client saw it and as the
         * gateway's own timer did (from a request's submission to the engine until its first token left the engine).
         */
        final List<Double> clientMeanTtftMs = new ArrayList<>();

        final List<Double> gatewayMeanTtftMs = new ArrayList<>();
        /** Over gRPC: the median first-token time of the TTFT requests right after the gateway started. */
        double coldTtftMs = Double.NaN;
        /** Greedy tokens (from the first round), one array per stream of each run, to compare with Swapgate's. */
        final List<int[]> greedy = new ArrayList<>();

        Series(String label) {
            this.label = label;
        }

        void add(int streams, double tokensPerSecond) {
            this.tokensPerSecond
                    .computeIfAbsent(streams, s -> new ArrayList<>())
                    .add(tokensPerSecond);
        }

        double median(int streams) {
            return PeerBenchmark.median(tokensPerSecond.getOrDefault(streams, List.of()));
        }

        double ttft() {
            return PeerBenchmark.median(ttftMs);
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "peer|all")
    @Timeout(value = 9, unit = TimeUnit.MINUTES)
    void swapgateSideBySideWithLlamaCpp() throws Exception {
        LlamaConfig shape = shape();
        int rounds = Integer.parseInt(setting("peer.rounds", "SWAPGATE_PEER_ROUNDS", "3"));
        Path dir = Files.createDirectories(E2e.targetDir().resolve("bench"));
        Path gguf = LlamaCppPeer.syntheticGguf(dir.resolve(fileName(shape)), shape, 1);

        int cores = Runtime.getRuntime().availableProcessors();
        double[] bandwidth = bandwidth(cores); // first: its 1 GiB array is garbage before the model loads
        LoadedModel model = ModelLoader.load(gguf);
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);
        assertEquals(PROMPT_TOKENS, prompt.length, () -> "prompt tokens " + Arrays.toString(prompt));
        int servedThreads = RuntimeOptions.autoThreads(shape.parameterCount(), cores);

        Map<String, Series> series = new LinkedHashMap<>();
        for (int threads : THREADS) {
            series.put(
                    "llama.cpp " + threads,
                    new Series(String.format(Locale.ROOT, "llama.cpp, %d thread%s", threads, threads == 1 ? "" : "s")));
        }
        for (int threads : THREADS) {
            series.put(
                    "in-process " + threads,
                    new Series(String.format(
                            Locale.ROOT, "Swapgate engine in-process, %d thread%s", threads, threads == 1 ? "" : "s")));
        }
        Series grpc = new Series(String.format(
                Locale.ROOT,
                "Swapgate over gRPC, %d thread%s (as served)",
                servedThreads,
                servedThreads == 1 ? "" : "s"));
        series.put("grpc", grpc);
        String llamaCppVersion = "?";
        String memory;
        try (GatewayProcess gateway = GatewayProcess.start(
                "peer-bench",
                gguf,
                GatewayProcess.registryDir("peer-bench"),
                GatewayProcess.withUnreachableQuotas(Map.of(
                        "swapgate.engine.max-batch-size",
                        Integer.toString(SLOTS),
                        "swapgate.engine.max-context",
                        Integer.toString(CONTEXT))))) {
            long startedKib = gateway.residentKib();
            GrpcTarget grpcTarget = new GrpcTarget(gateway);
            warmUp(grpcTarget);
            grpc.coldTtftMs =
                    LoadSummary.of(grpc.label, firstTokenRequests(grpcTarget)).ttft()[0];
            LoadGenerator.closedLoop(grpcTarget, workload(1), SLOTS, REQUEST_PATH_WARM_UP);
            grpc.greedy.add(InferenceGrpc.newBlockingStub(gateway.channel(KEY))
                    .withDeadlineAfter(5, TimeUnit.MINUTES)
                    .generate(E2e.greedy(PROMPT, EQUALITY_STEPS))
                    .getTokenIdsList()
                    .stream()
                    .mapToInt(Integer::intValue)
                    .toArray());
            for (int round = 1; round <= rounds; round++) {
                for (int threads : THREADS) {
                    Series peer = series.get("llama.cpp " + threads);
                    for (int streams : STREAMS) {
                        LlamaCppPeer.Run run = LlamaCppPeer.run(gguf, prompt, tokens(streams), threads, streams);
                        llamaCppVersion = run.llamaCpp();
                        if (streams == 1) {
                            peer.add(1, run.decodeTokensPerSecond()[0]);
                            peer.ttftMs.add(run.ttftMs()[0]);
                        } else {
                            peer.add(streams, run.aggregateTokensPerSecond());
                        }
                        if (round == 1) {
                            peer.greedy.addAll(run.tokens());
                        }
                    }
                }
                for (int threads : THREADS) {
                    Series engine = series.get("in-process " + threads);
                    try (EngineTarget target = new EngineTarget(model, threads, SLOTS, CONTEXT)) {
                        warmUp(target);
                        if (round == 1) {
                            engine.greedy.add(
                                    target.greedy(PROMPT, EQUALITY_STEPS).tokenIds());
                        }
                        measure(target, engine, null);
                    }
                }
                warmUp(grpcTarget); // as each in-process engine is: the gateway sat idle while the others ran
                measure(grpcTarget, grpc, gateway);
                System.out.printf(Locale.ROOT, "peer benchmark: round %d of %d done%n", round, rounds);
            }
            memory = residentMemory(shape, startedKib, gateway.peakResidentKib());
        }
        int[] swapgate = series.get("in-process 1").greedy.get(0);
        // llama.cpp without its F16 rounding (F32 KV cache, no flash attention): the arithmetic alone.
        Series exact = new Series("llama.cpp, 1 thread, F32 KV cache, no flash attention");
        exact.greedy.addAll(
                LlamaCppPeer.run(gguf, prompt, EQUALITY_STEPS, 1, 1, true).tokens());
        List<String> equality = new ArrayList<>();
        for (Series s : series.values()) {
            if (!s.label.startsWith("Swapgate engine in-process, 1")) {
                equality.add(agreement(s, swapgate, model, prompt));
            }
        }
        equality.add(agreement(exact, swapgate, model, prompt));
        report(dir, shape, rounds, bandwidth, series, equality, llamaCppVersion, swapgate, memory);
    }

    /** The gateway's resident memory as started and at its peak over the runs, and the difference per stream. */
    private static String residentMemory(LlamaConfig shape, long startedKib, long peakKib) {
        double kvCacheMib = 2.0 * shape.layers() * SLOTS * CONTEXT * shape.kvDim() * 4 / 1048576;
        return String.format(
                Locale.ROOT,
                "%nGateway resident memory (RSS): %.0f MiB once started (the weights are %.0f MiB), at most %.0f MiB"
                        + " over the runs; the difference spread over %d streams is %.1f MiB per stream. The KV cache"
                        + " for %d slots of %d positions (%.0f MiB) is allocated at start and becomes resident as"
                        + " streams write it.%n",
                startedKib / 1024.0,
                4.0 * shape.parameterCount() / 1048576,
                peakKib / 1024.0,
                SLOTS,
                (peakKib - startedKib) / 1024.0 / SLOTS,
                SLOTS,
                CONTEXT,
                kvCacheMib);
    }

    /** Read bytes per second on one thread and on all {@code cores}. */
    private static double[] bandwidth(int cores) throws Exception {
        MemoryBandwidth memory = new MemoryBandwidth();
        double one = memory.bytesPerSecond(1);
        return new double[] {one, Math.max(one, memory.bytesPerSecond(cores))};
    }

    private static int tokens(int streams) {
        return streams == 1 ? ONE_STREAM_TOKENS : MANY_STREAMS_TOKENS;
    }

    private static void warmUp(LoadGenerator.Target target) throws InterruptedException {
        LoadGenerator.closedLoop(target, workload(8), 8, 8);
    }

    /** The TTFT requests: {@value #FIRST_TOKEN_REQUESTS} short ones, one after another. */
    private static List<LoadGenerator.Trace> firstTokenRequests(LoadGenerator.Target target)
            throws InterruptedException {
        return LoadGenerator.closedLoop(target, workload(FIRST_TOKEN_TOKENS), 1, FIRST_TOKEN_REQUESTS);
    }

    private static LoadGenerator.Workload workload(int tokens) {
        return new LoadGenerator.Workload(List.of(PROMPT), tokens, tokens, List.of(List.of()), List.of(KEY), 5);
    }

    /**
     * One stream (one request: decode rate after the first token, and TTFT), then 8 and 32 streams together. With a
     * {@code gateway}, its own timer of the TTFT requests is read too, to tell the gateway's share of their first-token
     * time from the transport's.
     */
    private static void measure(LoadGenerator.Target target, Series into, GatewayProcess gateway)
            throws InterruptedException, IOException {
        for (int streams : STREAMS) {
            LoadSummary run = LoadSummary.of(
                    into.label, LoadGenerator.closedLoop(target, workload(tokens(streams)), streams, streams));
            if (run.errors() > 0) {
                throw new AssertionError(into.label + ": " + run.errors() + " of " + streams + " requests failed");
            }
            if (streams == 1) {
                into.add(1, 1000 / run.perOutputToken()[0]);
                // One request's first token is one sample: take the median of several, one after another.
                double[] timerBefore = gateway == null ? null : gateway.firstTokenTimer();
                List<LoadGenerator.Trace> traces = firstTokenRequests(target);
                into.ttftMs.add(LoadSummary.of(into.label, traces).ttft()[0]);
                if (gateway != null) {
                    double[] timerAfter = gateway.firstTokenTimer();
                    into.gatewayMeanTtftMs.add(
                            1000 * (timerAfter[0] - timerBefore[0]) / (timerAfter[1] - timerBefore[1]));
                    into.clientMeanTtftMs.add(traces.stream()
                            .mapToDouble(t -> (t.pieces.get(0)[0] - t.started) / 1e6)
                            .average()
                            .orElseThrow());
                }
            } else {
                into.add(streams, run.tokensPerSecond());
            }
        }
    }

    /**
     * How far {@code s}'s greedy tokens (every stream of its runs) agree with Swapgate's in-process ones, and where they
     * part, with the top-2 margin of Swapgate's logits at that step (a plain forward pass over the same weights).
     */
    private static String agreement(Series s, int[] swapgate, LoadedModel model, int[] prompt) {
        int agreed = EQUALITY_STEPS;
        for (int[] tokens : s.greedy) {
            int same = 0;
            while (same < EQUALITY_STEPS && same < tokens.length && tokens[same] == swapgate[same]) {
                same++;
            }
            agreed = Math.min(agreed, same);
        }
        String streams = s.greedy.size() == 1 ? "1 run" : s.greedy.size() + " streams over its runs";
        if (agreed == EQUALITY_STEPS) {
            return String.format(
                    Locale.ROOT, "| %s | equal, %d of %d steps (%s) |%n", s.label, agreed, agreed, streams);
        }
        double margin = margin(model, prompt, swapgate, agreed);
        return String.format(
                Locale.ROOT,
                "| %s | equal for %d of %d steps (%s); at step %d Swapgate's top-2 logit margin is %.2g |%n",
                s.label,
                agreed,
                EQUALITY_STEPS,
                streams,
                agreed + 1,
                margin);
    }

    /** The top-2 logit margin before greedy step {@code step} (0-based) of {@code tokens} after {@code prompt}. */
    private static double margin(LoadedModel model, int[] prompt, int[] tokens, int step) {
        PlainJavaLlama plain = new PlainJavaLlama(model.config(), model.weights(), prompt.length + step + 1);
        float[] logits = null;
        int position = 0;
        for (int token : prompt) {
            logits = plain.forward(token, position++);
        }
        for (int i = 0; i < step; i++) {
            logits = plain.forward(tokens[i], position++);
        }
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length - 1] - sorted[sorted.length - 2];
    }

    private static void report(
            Path dir,
            LlamaConfig shape,
            int rounds,
            double[] bandwidth,
            Map<String, Series> series,
            List<String> equality,
            String llamaCppVersion,
            int[] swapgate,
            String memory)
            throws Exception {
        double bytesPerToken = 4.0 * shape.parameterCount();
        double[] limit = {bandwidth[0] / bytesPerToken, bandwidth[1] / bytesPerToken};
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "Swapgate and llama.cpp on the same weights: a synthetic Llama (dim %d, %d layers, %d heads, hidden %d,"
                        + " vocab %d, %.1fM fp32 parameters, %.0f MB) as one F32 GGUF file; greedy, a %d-token prompt;"
                        + " medians of %d alternated rounds; %d cores. llama.cpp: %s through node-llama-cpp 3.21.1"
                        + " (prebuilt CPU build; its defaults: F16 KV cache, flash attention where supported).%n%n",
                shape.dim(),
                shape.layers(),
                shape.heads(),
                shape.hiddenDim(),
                shape.vocabSize(),
                shape.parameterCount() / 1e6,
                bytesPerToken / 1e6,
                PROMPT_TOKENS,
                rounds,
                cores,
                llamaCppVersion));
        md.append("| | 1 stream, tokens/s | weights read at 1 stream | share of the bandwidth limit | TTFT, 1 stream |"
                + " 8 streams, tokens/s | 32 streams, tokens/s |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Series s : series.values()) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.1f | %.1f GB/s | %.0f%% | %.1f ms | %.1f | %.1f |%n",
                    s.label,
                    s.median(1),
                    s.median(1) * bytesPerToken / 1e9,
                    100 * s.median(1) / limit[1],
                    s.ttft(),
                    s.median(8),
                    s.median(32)));
        }
        md.append(String.format(
                Locale.ROOT,
                "| memory-bandwidth limit: all %d cores read %.1f GB/s | %.1f | %.1f GB/s | 100%% | | | |%n"
                        + "| (one Java thread reads %.1f GB/s) | %.1f | %.1f GB/s | %.0f%% | | | |%n",
                cores,
                bandwidth[1] / 1e9,
                limit[1],
                bandwidth[1] / 1e9,
                bandwidth[0] / 1e9,
                limit[0],
                bandwidth[0] / 1e9,
                100 * limit[0] / limit[1]));
        md.append(String.format(
                Locale.ROOT,
                "%nOne stream: decode tokens/s after the first of %d tokens, and the weights that reads per second"
                        + " (%.0f MB of fp32 weights per token); TTFT: from the request to its first token (Swapgate's:"
                        + " the median of %d requests one after another, llama.cpp's: its one request). 8 and 32"
                        + " streams: %d tokens each, all streams' tokens over the wall time from the first start to the"
                        + " last end. The limit: the read bandwidth `MemoryBandwidth` measures with every core (a 1 GiB"
                        + " array summed, best of 8 passes), over the bytes per token; one thread's figure is a Java loop's,"
                        + " and a native single thread may read more.%n%n",
                ONE_STREAM_TOKENS,
                bytesPerToken / 1e6,
                FIRST_TOKEN_REQUESTS,
                MANY_STREAMS_TOKENS));
        Series best1 = best(series, "llama.cpp", 1);
        Series best8 = best(series, "llama.cpp", 8);
        Series best32 = best(series, "llama.cpp", 32);
        Series bestTtft = series.values().stream()
                .filter(s -> s.label.startsWith("llama.cpp"))
                .min((a, b) -> Double.compare(a.ttft(), b.ttft()))
                .orElseThrow();
        md.append(String.format(
                Locale.ROOT,
                "| Swapgate / llama.cpp at its best thread count | 1 stream (vs %s) | TTFT, lower is better (vs %s) |"
                        + " 8 streams (vs %s) | 32 streams (vs %s) |%n|---|---:|---:|---:|---:|%n",
                threadsOf(best1),
                threadsOf(bestTtft),
                threadsOf(best8),
                threadsOf(best32)));
        for (Series s : series.values()) {
            if (s.label.startsWith("Swapgate")) {
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %.2fx | %.2fx | %.2fx | %.2fx |%n",
                        s.label,
                        s.median(1) / best1.median(1),
                        s.ttft() / bestTtft.ttft(),
                        s.median(8) / best8.median(8),
                        s.median(32) / best32.median(32)));
            }
        }
        Series grpc = series.get("grpc");
        md.append(String.format(
                Locale.ROOT,
                "%nWhere the first token over gRPC goes (means of the same TTFT requests, medians over rounds): the"
                        + " client saw %.1f ms; the gateway's own timer (`swapgate.request.ttft`, from the request's"
                        + " submission to the engine until its first token left the engine) %.1f ms; the rest, %.1f ms,"
                        + " is the client, the network stack, the gRPC server and the gateway's admission. The gateway"
                        + " had served %d one-token requests before the first round, so that the JIT had compiled the"
                        + " path each request takes; right after it started, before those, its TTFT was %.1f ms.%n",
                median(grpc.clientMeanTtftMs),
                median(grpc.gatewayMeanTtftMs),
                median(grpc.clientMeanTtftMs) - median(grpc.gatewayMeanTtftMs),
                REQUEST_PATH_WARM_UP,
                grpc.coldTtftMs));
        md.append(String.format(
                Locale.ROOT,
                "%nGreedy tokens against Swapgate's engine in-process (1 thread), %d steps: %s%n%n"
                        + "| engine | greedy tokens |%n|---|---|%n",
                EQUALITY_STEPS,
                Arrays.toString(swapgate)));
        equality.forEach(md::append);
        md.append("\nllama.cpp's default F16 KV cache and flash attention round keys, values and attention, which moves"
                + " logits of this model by about 1e-3: a greedy step whose top-2 margin is that small may go either"
                + " way. With an F32 KV cache and no flash attention llama.cpp's logits match Swapgate's to about"
                + " 1e-6 (LlamaCppAgreementIT).\n");
        md.append(memory);
        StringBuilder csv = new StringBuilder("contender,round,streams,tokens_per_second,ttft_ms\n");
        for (Series s : series.values()) {
            s.tokensPerSecond.forEach((streams, values) -> {
                for (int r = 0; r < values.size(); r++) {
                    csv.append(String.format(
                            Locale.ROOT,
                            "\"%s\",%d,%d,%.2f,%s%n",
                            s.label,
                            r + 1,
                            streams,
                            values.get(r),
                            streams == 1 ? String.format(Locale.ROOT, "%.2f", s.ttftMs.get(r)) : ""));
                }
            });
        }
        System.out.println(md);
        Files.writeString(dir.resolve("peer.md"), md);
        Files.writeString(dir.resolve("peer.csv"), csv);
        Map<String, List<Double>> bars = new LinkedHashMap<>();
        for (Series s : series.values()) {
            bars.put(s.label, List.of(s.median(1), s.median(8), s.median(32)));
        }
        Charts.bars(
                dir.resolve("peer.png"),
                String.format(
                        Locale.ROOT,
                        "Swapgate and llama.cpp, same %.0fM-parameter Llama (fp32); bandwidth limit %.1f tokens/s",
                        shape.parameterCount() / 1e6,
                        limit[1]),
                "concurrent greedy streams",
                "output tokens per second (median of rounds)",
                List.of("1 stream", "8 streams", "32 streams"),
                bars);
    }

    /** The series whose label starts with {@code prefix} with the highest median at {@code streams}. */
    private static Series best(Map<String, Series> series, String prefix, int streams) {
        return series.values().stream()
                .filter(s -> s.label.startsWith(prefix))
                .max((a, b) -> Double.compare(a.median(streams), b.median(streams)))
                .orElseThrow();
    }

    private static String threadsOf(Series s) {
        return s.label.substring(s.label.indexOf(", ") + 2);
    }

    static LlamaConfig shape() {
        String[] parts =
                setting("peer.shape", "SWAPGATE_PEER_SHAPE", "768,2048,12,12").split(",");
        if (parts.length != 4) {
            throw new IllegalArgumentException("-Dpeer.shape=DIM,HIDDEN,LAYERS,HEADS, not " + String.join(",", parts));
        }
        int[] v = Arrays.stream(parts).mapToInt(p -> Integer.parseInt(p.trim())).toArray();
        return new LlamaConfig(v[0], v[1], v[2], v[3], v[3], 512, 1024, 1e-5f, 10000f, null, false);
    }

    /** A system property, else an environment variable (which {@code ./swapgate bench} passes on), else a default. */
    private static String setting(String property, String variable, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(variable);
        }
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    static String fileName(LlamaConfig shape) {
        return String.format(
                Locale.ROOT,
                "peer-llama-d%d-f%d-l%d-h%d-v%d.gguf",
                shape.dim(),
                shape.hiddenDim(),
                shape.layers(),
                shape.heads(),
                shape.vocabSize());
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}

package io.swapgate.e2e;

import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.runtime.ForwardBatch;
import io.swapgate.core.runtime.KvCache;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.LoraSlotTable;
import io.swapgate.core.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The cost of serving many LoRAs in one batch, side by side in one run: decode tokens/s of the batched forward pass
 * on a synthetic Llama (dim 512, 8 layers, vocab 32000, random weights) for a batch of 32 rows with no adapters, one
 * shared LoRA, 8, 32 and 128 distinct LoRAs gathered from the slot table (with 128, each step's 32 rows use a
 * different 32 of them), and 32 distinct LoRAs served the naive way (one batch per adapter), at ranks 8 and 64.
 * Run with {@code ./swapgate bench adapters}; writes adapters.md/.csv/.png to {@code src-test/target/bench/}.
 * Scenarios are interleaved round by round so machine noise hits them alike.
 */
class AdapterBenchmark {

    static final LlamaConfig SHAPE = new LlamaConfig(512, 1376, 8, 8, 8, 32000, 1024, 1e-5f, 10000f, null, false);
    private static final int BATCH = 32;
    private static final int[] RANKS = {8, 64};
    /** Adapters in the slot table: the most any scenario uses. */
    private static final int ADAPTERS = 128;

    private static final int PROMPT = 16;
    private static final int STEPS = 16;
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final int COLD_RANK = 16;
    private static final int THREADS = RuntimeOptions.autoThreads(
            SHAPE.parameterCount(), Runtime.getRuntime().availableProcessors());
    private static final java.util.Set<LoraModule> QKVO =
            EnumSet.of(LoraModule.Q, LoraModule.K, LoraModule.V, LoraModule.O);

    /** Scenarios by the distinct adapters the batch's rows use (0: none); -1 for the naive baseline (32 adapters, one batch each). */
    enum Scenario {
        NO_ADAPTERS("no adapters", 0),
        SHARED_LORA("1 shared LoRA", 1),
        EIGHT_LORAS("8 distinct LoRAs", 8),
        DISTINCT_LORAS("32 distinct LoRAs", 32),
        MANY_LORAS("128 distinct LoRAs", 128),
        NAIVE_PER_ADAPTER("32 distinct LoRAs, naive", -1);

        final String label;
        final int distinct;

        Scenario(String label, int distinct) {
            this.label = label;
            this.distinct = distinct;
        }

        /** The adapter (0-based) row {@code r} uses at decode step {@code step}, or -1 for none. */
        int adapterOf(int r, int step) {
            return switch (distinct) {
                case 0 -> -1;
                case -1 -> r;
                case 128 -> (step * BATCH + r) % ADAPTERS;
                default -> r % distinct;
            };
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "adapters|all")
    void multiLoraDecodeThroughput() throws IOException {
        LlamaWeights weights = SyntheticLlama.weights(SHAPE, 1);
        Map<Integer, Map<Scenario, List<Double>>> byRank = new java.util.LinkedHashMap<>();
        for (int rank : RANKS) {
            Map<Scenario, List<Double>> tokensPerSecond = new EnumMap<>(Scenario.class);
            try (Batch batch = Batch.open(weights, rank, ADAPTERS, 2)) {
                for (int round = 0; round <= ROUNDS; round++) {
                    for (Scenario scenario : scenarios()) {
                        double rate = decode(batch, scenario);
                        if (round > 0) { // round 0 warms up every path
                            tokensPerSecond
                                    .computeIfAbsent(scenario, s -> new ArrayList<>())
                                    .add(rate);
                        }
                    }
                }
            }
            byRank.put(rank, tokensPerSecond);
        }
        report(byRank);
    }

    /**
     * What a cold rank-16 LoRA costs: reading and validating its files (store to host), writing it into the device slot
     * table (host to device), and how much longer the step of the other 31 rows takes when that write happens before it.
     */
    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "adapters|all")
    void coldLoraLoad() throws IOException {
        LlamaWeights weights = SyntheticLlama.weights(SHAPE, 1);
        BaseModelIdentity base = BaseModelIdentity.of("synthetic-512", SHAPE, weights);
        PeftAdapterReader reader = new PeftAdapterReader(base, AdapterLimits.defaults(SHAPE.contextLength()));
        Path work = Files.createTempDirectory("swapgate-cold-lora");
        List<Double> readMs = new ArrayList<>();
        List<Double> uploadMs = new ArrayList<>();
        List<Double> warmStepMs = new ArrayList<>();
        List<Double> coldStepMs = new ArrayList<>();
        try (Batch batch = Batch.open(weights, COLD_RANK, BATCH, 3)) {
            RandomAdapters random = new RandomAdapters(SHAPE, 4);
            for (int round = 0; round <= ROUNDS * 2; round++) {
                Path folder = work.resolve("cold-" + round);
                PeftAdapterWriter.write(
                        folder, random.lora("cold-" + round, COLD_RANK, 2f * COLD_RANK, false, 0, QKVO), base);
                long started = System.nanoTime();
                LoraAdapter cold = (LoraAdapter) reader.read(folder, "bench/cold");
                double read = (System.nanoTime() - started) / 1e6;
                // Untimed: the first step after the files are read ran 50% slower (182 ms against 120 with the write),
                // and it re-gathers the rows' factors the last round's write made stale; the next steps compare alike.
                timedStep(batch, null);
                double warmStep = timedStep(batch, null);
                double coldStep = timedStep(batch, cold);
                started = System.nanoTime();
                batch.table.write(BATCH, cold);
                double upload = (System.nanoTime() - started) / 1e6;
                if (round > 0) {
                    readMs.add(read);
                    uploadMs.add(upload);
                    warmStepMs.add(warmStep);
                    coldStepMs.add(coldStep);
                }
            }
        } finally {
            E2e.deleteTree(work);
        }
        double warm = median(warmStepMs);
        double cold = median(coldStepMs);
        String md = String.format(
                Locale.ROOT,
                "Cold LoRA load: rank %d on q/k/v/o of the synthetic dim-%d Llama, %d rounds (median), step of %d"
                        + " other rows%n%n| measure | ms |%n|---|---:|%n| read + validate the files (store -> host, page cache warm) | %.2f |%n"
                        + "| write into the slot table (host -> device) | %.2f |%n| step of the other rows, nothing loading | %.2f |%n"
                        + "| same step with the cold adapter written first | %.2f |%n| extra step time from the cold load | %.2f |%n",
                COLD_RANK,
                SHAPE.dim(),
                ROUNDS * 2,
                BATCH - 1,
                median(readMs),
                median(uploadMs),
                warm,
                cold,
                cold - warm);
        System.out.println(md);
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cold-lora.md"), md);
    }

    /** One decode step of rows 0..BATCH-2 (the last slot is the cold one); {@code cold}, when given, is written first. */
    private static double timedStep(Batch batch, LoraAdapter cold) {
        List<ForwardBatch.Row> rows = new ArrayList<>();
        for (int r = 0; r < BATCH - 1; r++) {
            rows.add(new ForwardBatch.Row(
                    r,
                    PROMPT,
                    new int[] {r + 1},
                    new ForwardBatch.LoraUse(r + 1, COLD_RANK, batch.loras[r].scale(COLD_RANK)),
                    null));
        }
        long started = System.nanoTime();
        if (cold != null) {
            batch.table.write(BATCH, cold);
        }
        batch.runtime.forward(new ForwardBatch(rows), batch.cache, batch.table);
        return (System.nanoTime() - started) / 1e6;
    }

    /** The synthetic model on the runtime with BATCH prefilled rows and {@code adapters} random LoRAs in the slot table. */
    private record Batch(LlamaRuntime runtime, KvCache cache, LoraSlotTable table, LoraAdapter[] loras, int rank)
            implements AutoCloseable {

        static Batch open(LlamaWeights weights, int rank, int adapters, long seed) {
            LlamaRuntime runtime = new LlamaRuntime(SHAPE, weights, RuntimeOptions.cpu(THREADS), 256);
            KvCache cache = runtime.newKvCache(BATCH, 256);
            LoraSlotTable table = runtime.newLoraSlotTable(adapters, rank);
            RandomAdapters random = new RandomAdapters(SHAPE, seed);
            LoraAdapter[] loras = new LoraAdapter[adapters];
            for (int i = 0; i < adapters; i++) {
                loras[i] = random.lora("bench-" + i, rank, 2f * rank, false, 0, QKVO);
                table.write(i + 1, loras[i]);
            }
            prefill(runtime, cache);
            return new Batch(runtime, cache, table, loras, rank);
        }

        @Override
        public void close() {
            table.close();
            cache.close();
            runtime.close();
        }
    }

    /** All scenarios, or those named in {@code -Dbench.scenarios=no_adapters,distinct_loras} for a quick look. */
    private static List<Scenario> scenarios() {
        String only = System.getProperty("bench.scenarios", "");
        return java.util.Arrays.stream(Scenario.values())
                .filter(s -> only.isBlank()
                        || only.toLowerCase(Locale.ROOT).contains(s.name().toLowerCase(Locale.ROOT)))
                .toList();
    }

    private static void prefill(LlamaRuntime runtime, KvCache cache) {
        List<ForwardBatch.Row> rows = new ArrayList<>();
        for (int r = 0; r < BATCH; r++) {
            int[] prompt = new int[PROMPT];
            for (int t = 0; t < PROMPT; t++) {
                prompt[t] = (r * 131 + t * 17) % SHAPE.vocabSize();
            }
            rows.add(new ForwardBatch.Row(r, 0, prompt));
        }
        runtime.forward(new ForwardBatch(rows), cache, null);
    }

    /** Decodes STEPS tokens for every row from position PROMPT on; returns generated tokens per second. */
    private static double decode(Batch batch, Scenario scenario) {
        long started = System.nanoTime();
        for (int step = 0; step < STEPS; step++) {
            List<ForwardBatch.Row> rows = new ArrayList<>();
            for (int r = 0; r < BATCH; r++) {
                int adapter = scenario.adapterOf(r, step);
                ForwardBatch.LoraUse lora = adapter < 0
                        ? null
                        : new ForwardBatch.LoraUse(
                                adapter + 1, batch.rank(), batch.loras()[adapter].scale(batch.rank()));
                rows.add(new ForwardBatch.Row(
                        r, PROMPT + step, new int[] {(step * 7 + r) % SHAPE.vocabSize()}, lora, null));
            }
            if (scenario == Scenario.NAIVE_PER_ADAPTER) {
                for (ForwardBatch.Row row : rows) {
                    batch.runtime().forward(new ForwardBatch(List.of(row)), batch.cache(), batch.table());
                }
            } else {
                batch.runtime().forward(new ForwardBatch(rows), batch.cache(), batch.table());
            }
        }
        return BATCH * STEPS / ((System.nanoTime() - started) / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void report(Map<Integer, Map<Scenario, List<Double>>> byRank) throws IOException {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "Multi-LoRA decode benchmark: synthetic Llama (dim %d, %d layers, vocab %d, %.1fM parameters), batch %d,"
                        + " LoRAs on q/k/v/o, %d in the slot table, %d decode steps x %d rounds (median), %d threads, %d cores%n%n",
                SHAPE.dim(),
                SHAPE.layers(),
                SHAPE.vocabSize(),
                SHAPE.parameterCount() / 1e6,
                BATCH,
                ADAPTERS,
                STEPS,
                ROUNDS,
                THREADS,
                Runtime.getRuntime().availableProcessors()));
        md.append("| rank | scenario | decode tokens/s | vs no adapters | vs naive |\n|---:|---|---:|---:|---:|\n");
        StringBuilder csv = new StringBuilder("rank,scenario,tokens_per_s,vs_no_adapters,vs_naive\n");
        List<String> categories = new ArrayList<>();
        Map<String, List<Double>> series = new java.util.LinkedHashMap<>();
        byRank.forEach((rank, results) -> {
            double base = median(results.get(Scenario.NO_ADAPTERS));
            double naive = results.containsKey(Scenario.NAIVE_PER_ADAPTER)
                    ? median(results.get(Scenario.NAIVE_PER_ADAPTER))
                    : Double.NaN;
            List<Double> rates = new ArrayList<>();
            for (Scenario s : results.keySet()) {
                double rate = median(results.get(s));
                rates.add(rate);
                if (!categories.contains(s.label)) {
                    categories.add(s.label);
                }
                md.append(String.format(
                        Locale.ROOT,
                        "| %d | %s | %.0f | %.2fx | %.2fx |%n",
                        rank,
                        s.label,
                        rate,
                        rate / base,
                        rate / naive));
                csv.append(String.format(
                        Locale.ROOT,
                        "%d,%s,%.2f,%.4f,%.4f%n",
                        rank,
                        s.name().toLowerCase(Locale.ROOT),
                        rate,
                        rate / base,
                        rate / naive));
            }
            series.put("LoRA rank " + rank, rates);
        });
        System.out.println(md);
        Files.writeString(dir.resolve("adapters.md"), md);
        Files.writeString(dir.resolve("adapters.csv"), csv);
        Charts.bars(
                dir.resolve("adapters.png"),
                "Multi-LoRA decode, batch 32, synthetic 512-dim Llama (58M)",
                "what the 32 rows use",
                "decode tokens per second",
                categories,
                series);
        System.out.println("wrote " + dir.resolve("adapters.md") + ", adapters.csv and adapters.png");
    }
}

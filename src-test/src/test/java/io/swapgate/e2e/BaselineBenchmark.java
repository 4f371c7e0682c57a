package io.swapgate.e2e;

import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Single-stream decode of the synthetic ~110M Llama: Swapgate's engine (in-process, threads as served) against a plain
 * single-threaded Java forward pass, and both against the memory-bandwidth limit of this machine (every weight is read
 * once per token: fp32 bytes of the parameters over the measured read bandwidth). Run with {@code ./swapgate bench
 * baseline}; writes baseline.md/.png.
 */
class BaselineBenchmark {

    private static final int DECODE_TOKENS = 64;
    private static final int PLAIN_TOKENS = 12;

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "baseline|all")
    void singleStreamAgainstPlainJavaAndTheBandwidthLimit() throws Exception {
        LlamaConfig shape = SyntheticModels.BASE;
        Path folder = SyntheticModels.folder(shape);
        MemoryBandwidth memory = new MemoryBandwidth();
        double oneThread = memory.bytesPerSecond(1);
        double bandwidth =
                Math.max(oneThread, memory.bytesPerSecond(Runtime.getRuntime().availableProcessors()));
        double swapgate;
        try (EngineTarget engine = new EngineTarget(folder, 1, 1024)) {
            LoadGenerator.Workload workload = new LoadGenerator.Workload(
                    List.of("Once upon a time"), DECODE_TOKENS, DECODE_TOKENS, List.of(List.of()), List.of("none"), 3);
            LoadGenerator.closedLoop(engine, workload, 1, 1); // warm-up
            LoadSummary run = LoadSummary.of("swapgate", LoadGenerator.closedLoop(engine, workload, 1, 3));
            swapgate = 1000 / run.perOutputToken()[0];
        }
        LoadedModel model = ModelLoader.load(folder);
        PlainJavaLlama plain = new PlainJavaLlama(model.config(), model.weights(), 64);
        plain.forward(1, 0); // warm-up the JIT on one token
        long started = System.nanoTime();
        for (int position = 1; position <= PLAIN_TOKENS; position++) {
            plain.forward(position * 31 % shape.vocabSize(), position);
        }
        double plainRate = PLAIN_TOKENS / ((System.nanoTime() - started) / 1e9);
        double bytesPerToken = 4.0 * shape.parameterCount();
        double limit = bandwidth / bytesPerToken;
        System.out.printf(
                Locale.ROOT,
                "memory read bandwidth: %.1f GB/s on 1 thread, %.1f GB/s on all %d cores%n",
                oneThread / 1e9,
                bandwidth / 1e9,
                Runtime.getRuntime().availableProcessors());
        report(shape, swapgate, plainRate, bandwidth, bytesPerToken, limit);
    }

    private static void report(
            LlamaConfig shape, double swapgate, double plain, double bandwidth, double bytesPerToken, double limit)
            throws Exception {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        String md = String.format(
                Locale.ROOT,
                "Single-stream decode, %s (dim %d, %d layers, vocab %d, %.0fM parameters, fp32),"
                        + " %d cores%n%n| implementation | tokens/s | vs plain Java | share of the bandwidth limit |%n|---|---:|---:|---:|%n"
                        + "| plain single-threaded Java forward pass | %.2f | 1.0x | %.0f%% |%n"
                        + "| Swapgate engine (in-process, threads as served) | %.2f | %.1fx | %.0f%% |%n"
                        + "| memory-bandwidth limit (%.0f MB of weights per token at %.1f GB/s read) | %.2f | %.1fx | 100%% |%n",
                SyntheticModels.name(shape),
                shape.dim(),
                shape.layers(),
                shape.vocabSize(),
                shape.parameterCount() / 1e6,
                Runtime.getRuntime().availableProcessors(),
                plain,
                100 * plain / limit,
                swapgate,
                swapgate / plain,
                100 * swapgate / limit,
                bytesPerToken / 1e6,
                bandwidth / 1e9,
                limit,
                limit / plain);
        System.out.println(md);
        Files.writeString(dir.resolve("baseline.md"), md);
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("plain Java (1 thread)", List.of(plain));
        series.put("Swapgate engine", List.of(swapgate));
        series.put("bandwidth limit", List.of(limit));
        Charts.bars(
                dir.resolve("baseline.png"),
                "Single-stream decode, " + SyntheticModels.name(shape) + " (fp32)",
                "implementation",
                "output tokens per second",
                List.of(SyntheticModels.name(shape)),
                series);
    }
}

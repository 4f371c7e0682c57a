package io.swapgate.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.constrain.ConstrainedSampling;
import io.swapgate.core.constrain.Grammar;
import io.swapgate.core.constrain.TokenTrie;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.sampling.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * What constrained decoding costs per token: the synthetic 27M Llama (vocabulary 16,000) in-process, sampling at
 * temperature 1.0 with and without a JSON Schema, 1 and 8 streams, 3 rounds alternated (medians); and the mask alone,
 * timed over the grammar states of real answers. Run with {@code ./swapgate bench constrained}; writes
 * constrained.md/.png.
 */
class ConstrainedBenchmark {

    private static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 24},
               "age": {"type": "integer", "minimum": 0},
               "city": {"enum": ["Paris", "Oslo", "Lima", "Accra"]},
               "tags": {"type": "array", "items": {"type": "string", "maxLength": 12}, "maxItems": 4}
             },
             "required": ["name", "age", "city", "tags"],
             "additionalProperties": false}
            """;
    private static final int TOKENS = 64;
    private static final int ROUNDS = 3;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    @EnabledIfSystemProperty(named = "bench", matches = "constrained|all")
    void constrainedAgainstFreeSampling() throws Exception {
        LlamaConfig shape = SyntheticModels.SMALL;
        LoadedModel model = ModelLoader.load(SyntheticModels.folder(shape));
        Grammar schema = Grammar.jsonSchema(new ObjectMapper().readTree(SCHEMA));
        Map<String, double[]> tokensPerSecond = new LinkedHashMap<>();
        try (EngineTarget engine = new EngineTarget(model, 0, 8, 512)) {
            run(engine, null, 8, 0); // warm-up
            for (int streams : new int[] {1, 8}) {
                double[] free = new double[ROUNDS];
                double[] constrained = new double[ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    free[round] = run(engine, null, streams, round);
                    constrained[round] = run(engine, schema, streams, round);
                }
                tokensPerSecond.put("free, " + streams + " streams", free);
                tokensPerSecond.put("json_schema, " + streams + " streams", constrained);
            }
        }
        report(shape, tokensPerSecond, maskMicros(model, schema), schema);
    }

    /** Output tokens per second of {@code streams} requests at once. */
    private static double run(EngineTarget engine, Grammar grammar, int streams, int round) throws Exception {
        List<CompletableFuture<CollectingListener.Completion>> pending = new ArrayList<>();
        long started = System.nanoTime();
        for (int s = 0; s < streams; s++) {
            pending.add(engine.submit(GenerationRequest.builder(
                            "c" + round + "-" + s, "Once upon a time, a girl lived in a town.", TOKENS)
                    .sampling(SamplingParams.sampled(1.0f, 100L * round + s))
                    .grammar(grammar)
                    .build()));
        }
        long tokens = 0;
        for (CompletableFuture<CollectingListener.Completion> done : pending) {
            tokens += done.get(5, TimeUnit.MINUTES).usage().completionTokens();
        }
        return tokens / ((System.nanoTime() - started) / 1e9);
    }

    /** Microseconds per mask over the states of a sampled document: the per-token cost of enforcing the schema. */
    private static double maskMicros(LoadedModel model, Grammar schema) {
        TokenTrie vocabulary = TokenTrie.of(model.tokenizer());
        float[] logits = new float[model.config().vocabSize()];
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        long masks = 0;
        long nanos = 0;
        for (int doc = 0; doc < 200; doc++) {
            ConstrainedSampling walk = new ConstrainedSampling(schema, vocabulary, model.tokenizer());
            for (int step = 0; step < 200 && !walk.finished(); step++) {
                Arrays.fill(logits, 0f);
                long t0 = System.nanoTime();
                int allowed = walk.mask(logits);
                nanos += System.nanoTime() - t0;
                masks++;
                if (allowed == 0) {
                    break;
                }
                // Follow a random allowed token, as sampling would.
                int pick = random.nextInt(allowed);
                int token = -1;
                for (int id = 0; id < logits.length && pick >= 0; id++) {
                    if (logits[id] == 0f) {
                        token = id;
                        pick--;
                    }
                }
                if (model.tokenizer().endsSequence(token)) {
                    break;
                }
                walk.accept(token);
            }
        }
        return nanos / 1e3 / masks;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void report(LlamaConfig shape, Map<String, double[]> runs, double maskMicros, Grammar schema)
            throws Exception {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "Constrained decoding: %s (vocabulary %d), in-process, temperature 1.0, up to %d tokens, a JSON Schema"
                        + " of 4 properties (%s), %d rounds alternated, %d cores%n%n"
                        + "| run | tokens/s, rounds | median tokens/s | ms per token | vs free |%n|---|---|---:|---:|---:|%n",
                SyntheticModels.name(shape),
                shape.vocabSize(),
                TOKENS,
                schema,
                ROUNDS,
                Runtime.getRuntime().availableProcessors()));
        Map<String, List<Double>> series = new LinkedHashMap<>();
        List<String> categories = List.of("1 stream", "8 streams");
        series.put("free", new ArrayList<>());
        series.put("json_schema", new ArrayList<>());
        double freeMedian = 0;
        for (Map.Entry<String, double[]> run : runs.entrySet()) {
            double median = median(run.getValue());
            boolean free = run.getKey().startsWith("free");
            if (free) {
                freeMedian = median;
            }
            series.get(free ? "free" : "json_schema").add(median);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.1f | %.2f | %.2fx |%n",
                    run.getKey(),
                    Arrays.toString(Arrays.stream(run.getValue())
                            .map(v -> Math.round(v * 10) / 10.0)
                            .toArray()),
                    median,
                    1000 / median,
                    median / freeMedian));
        }
        md.append(String.format(
                Locale.ROOT,
                "%nThe mask alone (trie walk over the vocabulary's live branches, then minus infinity on the rest):"
                        + " %.1f microseconds per token, over the grammar states of 200 random documents.%n",
                maskMicros));
        System.out.println(md);
        Files.writeString(dir.resolve("constrained.md"), md.toString());
        Charts.bars(
                dir.resolve("constrained.png"),
                "Constrained decoding, " + SyntheticModels.name(shape),
                "streams",
                "output tokens per second",
                categories,
                series);
    }
}

package io.swapgate.e2e;

import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.core.training.EvalMetrics;
import io.swapgate.core.training.Evaluator;
import io.swapgate.core.training.FixedTemperature;
import io.swapgate.core.training.TempNetObjective;
import io.swapgate.core.training.TextExample;
import io.swapgate.core.training.TokenizedExample;
import io.swapgate.core.training.Trainer;
import io.swapgate.core.training.TrainingConfig;
import io.swapgate.retraining.HeldOutSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The demo TempNet's data (gateway/demo/stories.jsonl, stories in the base model's own domain) on stories260K, split
 * as a retraining job splits it: held-out NLL and expected calibration error of the base at temperature 1.0, of the
 * best fixed temperature found on the training split, and of TempNets trained with each objective; then 20 sampled
 * continuations of held-out prompts under each, with their distinct-n, repetition and per-token temperature spread.
 * Run with {@code ./swapgate bench tempnet}; writes tempnet.md/.png.
 */
class TempNetBenchmark {

    private static final int STEPS = 120;
    private static final int SAMPLES = 20;
    private static final int SAMPLE_TOKENS = 48;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    @EnabledIfSystemProperty(named = "bench", matches = "tempnet|all")
    void tempNetObjectivesAgainstTheBestFixedTemperature() throws Exception {
        try (InProcessTraining served = new InProcessTraining(E2e.stories260K(), 1L << 30)) {
            InferenceEngine engine = served.engine;
            Trainer trainer = served.trainer;
            Evaluator evaluator = served.evaluator;
            List<TokenizedExample> train = new ArrayList<>();
            List<TokenizedExample> heldOut = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            HeldOutSplit split = new HeldOutSplit(0.1);
            for (TextExample example : InProcessTraining.demoStories()) {
                if (split.heldOut(example.id())) {
                    heldOut.add(served.tokenize(example));
                    prompts.add(example.prompt());
                } else {
                    train.add(served.tokenize(example));
                }
            }
            TrainingConfig defaults =
                    TrainingConfig.defaults(AdapterKind.TEMPNET).withSteps(STEPS);
            FixedTemperature fixed = evaluator.bestFixedTemperature(train, defaults.tauMin(), defaults.tauMax());

            Map<String, Row> rows = new LinkedHashMap<>();
            rows.put("base at 1.0", new Row(evaluator.evaluate(null, heldOut), null, 1f));
            rows.put(
                    String.format(
                            Locale.ROOT, "best fixed temperature (%.2f, from the training split)", fixed.temperature()),
                    new Row(evaluator.evaluateAt(fixed.temperature(), heldOut), null, (float) fixed.temperature()));
            for (TempNetObjective objective : TempNetObjective.values()) {
                TempNetAdapter tempNet = (TempNetAdapter) trainer.train(
                                defaults.withTempNet(objective, Float.NaN),
                                train,
                                null,
                                new AdapterIdentity("bench/tempnet", objective.name()),
                                p -> {},
                                () -> false)
                        .adapter();
                String name = objective == TempNetObjective.DRO
                        ? String.format(Locale.ROOT, "TempNet, DRO (rho %.2f by the entropy rule)", tempNet.rho())
                        : "TempNet, calibration";
                rows.put(name, new Row(evaluator.evaluate(tempNet, heldOut), tempNet, 1f));
            }
            Map<String, Samples> samples = new LinkedHashMap<>();
            for (Map.Entry<String, Row> row : rows.entrySet()) {
                samples.put(row.getKey(), sample(engine, prompts, row.getValue()));
            }
            report(fixed, rows, samples, train.size(), heldOut.size());
        }
    }

    private record Row(EvalMetrics metrics, TempNetAdapter tempNet, float temperature) {}

    /** Distinct-n over all continuations, the share of repeated 4-grams within one, and the temperatures used. */
    private record Samples(
            double distinct2,
            double distinct3,
            double repetition,
            double minTemperature,
            double maxTemperature,
            String first) {}

    private static Samples sample(InferenceEngine engine, List<String> prompts, Row row) throws Exception {
        AdapterSelection adapters =
                row.tempNet == null ? AdapterSelection.NONE : new AdapterSelection(null, 0, null, null, row.tempNet);
        List<List<Integer>> continuations = new ArrayList<>();
        double minTemperature = Double.MAX_VALUE;
        double maxTemperature = 0;
        String first = null;
        for (int i = 0; i < SAMPLES; i++) {
            CollectingListener collected = new CollectingListener();
            engine.submit(
                    GenerationRequest.builder("s" + i, prompts.get(i % prompts.size()), SAMPLE_TOKENS)
                            .sampling(SamplingParams.sampled(row.temperature, 1000 + i))
                            .adapters(adapters)
                            .returnTemperatures(true)
                            .build(),
                    collected);
            CollectingListener.Completion completion = collected.result().get(2, TimeUnit.MINUTES);
            continuations.add(
                    java.util.Arrays.stream(completion.tokenIds()).boxed().toList());
            for (float t : completion.temperatures()) {
                minTemperature = Math.min(minTemperature, t);
                maxTemperature = Math.max(maxTemperature, t);
            }
            first = first == null ? prompts.get(0) + completion.text() : first;
        }
        double repetition = continuations.stream()
                .mapToDouble(c -> 1 - distinct(List.of(c), 4))
                .average()
                .orElse(0);
        return new Samples(
                distinct(continuations, 2),
                distinct(continuations, 3),
                repetition,
                minTemperature,
                maxTemperature,
                first);
    }

    /** Distinct n-grams over all n-grams of the continuations. */
    private static double distinct(List<List<Integer>> continuations, int n) {
        Set<List<Integer>> seen = new HashSet<>();
        int total = 0;
        for (List<Integer> tokens : continuations) {
            for (int i = 0; i + n <= tokens.size(); i++) {
                seen.add(tokens.subList(i, i + n));
                total++;
            }
        }
        return total == 0 ? 0 : (double) seen.size() / total;
    }

    private static void report(
            FixedTemperature fixed, Map<String, Row> rows, Map<String, Samples> samples, int train, int heldOut)
            throws Exception {
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                """
                TempNet on stories260K, demo data gateway/demo/stories.jsonl: %d training and %d held-out examples (split by
                id as a job splits them), %d steps per TempNet. Best fixed temperature on the training split: %.2f
                (training NLL %.4f, mean entropy %.3f nats). Samples: %d continuations of %d tokens of held-out prompts each.

                | served as | held-out NLL (nats/token) | ECE | distinct-2 | distinct-3 | repeated 4-grams | temperatures used |
                |---|---:|---:|---:|---:|---:|---|
                """,
                train,
                heldOut,
                STEPS,
                fixed.temperature(),
                fixed.loss(),
                fixed.entropy(),
                SAMPLES,
                SAMPLE_TOKENS));
        List<String> names = new ArrayList<>(rows.keySet());
        List<Double> nll = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Row row = rows.get(names.get(i));
            Samples s = samples.get(names.get(i));
            nll.add(row.metrics.loss());
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.4f | %.4f | %.3f | %.3f | %.3f | %.2f-%.2f |%n",
                    names.get(i),
                    row.metrics.loss(),
                    row.metrics.calibrationError(),
                    s.distinct2,
                    s.distinct3,
                    s.repetition,
                    s.minTemperature,
                    s.maxTemperature));
        }
        md.append("\nFirst sample of each:\n\n");
        samples.forEach((name, s) -> md.append("- ")
                .append(name)
                .append(": ")
                .append(s.first.replace("\n", " "))
                .append('\n'));
        System.out.println(md);
        Path dir = Files.createDirectories(E2e.targetDir().resolve("bench"));
        Files.writeString(dir.resolve("tempnet.md"), md.toString());
        Charts.bars(
                dir.resolve("tempnet.png"),
                "Held-out NLL on the demo stories (lower is better)",
                "served as",
                "nats per token",
                names,
                Map.of("held-out NLL", nll));
    }
}

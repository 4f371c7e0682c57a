package io.swapgate.e2e;

import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.memory.ResidentMemory;
import io.swapgate.core.training.TextExample;
import io.swapgate.core.training.TokenizedExample;
import io.swapgate.core.training.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Resident memory of every kind of training job, on stories260K and on the synthetic ~110M Llama, with the demo
 * stories as data and the gateway's default memory budget (2 GiB): per kind, after a two-step warm-up of every kind,
 * the resident set before a job, its peak (sampled after every step) and where it settles after the job. Run with
 * {@code ./swapgate bench training-memory}; writes training-memory.md/.png.
 */
class TrainingMemoryBenchmark {

    private static final long MIB = 1 << 20;
    private static final List<String> KINDS = List.of("LoRA", "DyLoRA", "prompt", "prefix", "TempNet");

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    @EnabledIfSystemProperty(named = "bench", matches = "training-memory|all")
    void residentMemoryOfEveryKindOfJob() throws Exception {
        StringBuilder md = new StringBuilder(
                String.format(Locale.ROOT, """
                Training jobs in one JVM (%d cores), demo stories (gateway/demo/stories.jsonl) as data, memory budget 2 GiB.
                Resident set in MiB: before the kind's job (after a two-step warm-up of every kind), its peak (sampled
                after every step) and after it. The JVM's heap is part of these figures (the weights of a model loaded
                from a file are read through it).

                | model | kind | steps | before | peak | after | peak - before |
                |---|---|---:|---:|---:|---:|---:|
                """, Runtime.getRuntime().availableProcessors()));
        Map<String, List<Double>> growth = new LinkedHashMap<>();
        measure("stories260K", E2e.stories260K(), 20, md, growth);
        measure("synthetic 110M", SyntheticModels.folder(SyntheticModels.BASE), 4, md, growth);
        System.out.println(md);
        Path dir = Files.createDirectories(E2e.targetDir().resolve("bench"));
        Files.writeString(dir.resolve("training-memory.md"), md.toString());
        Charts.bars(
                dir.resolve("training-memory.png"),
                "Resident memory a training job adds at its peak",
                "kind",
                "MiB over the resident set before the job",
                KINDS,
                growth);
    }

    private static void measure(
            String name, Path modelPath, int steps, StringBuilder md, Map<String, List<Double>> growth)
            throws Exception {
        try (InProcessTraining served = new InProcessTraining(modelPath, 2L << 30)) {
            List<TokenizedExample> examples = new ArrayList<>();
            for (TextExample example : InProcessTraining.demoStories()) {
                examples.add(served.tokenize(example));
            }
            List<TrainingConfig> configs = List.of(
                    TrainingConfig.defaults(AdapterKind.LORA),
                    TrainingConfig.defaults(AdapterKind.LORA).withLora(8, 2),
                    TrainingConfig.defaults(AdapterKind.PROMPT),
                    TrainingConfig.defaults(AdapterKind.PREFIX),
                    TrainingConfig.defaults(AdapterKind.TEMPNET));
            AtomicLong peak = new AtomicLong();
            for (TrainingConfig config : configs) {
                run(served, config.withSteps(2), examples, peak);
            }
            List<Double> added = new ArrayList<>();
            for (int k = 0; k < configs.size(); k++) {
                long before = rss();
                peak.set(before);
                run(served, configs.get(k).withSteps(steps), examples, peak);
                long after = rss();
                added.add((double) (peak.get() - before) / MIB);
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %d | %d | %d | %d | %d |%n",
                        name,
                        KINDS.get(k),
                        steps,
                        before / MIB,
                        peak.get() / MIB,
                        after / MIB,
                        (peak.get() - before) / MIB));
            }
            growth.put(name, added);
        }
    }

    private static void run(
            InProcessTraining served, TrainingConfig config, List<TokenizedExample> examples, AtomicLong peak)
            throws Exception {
        served.trainer.train(
                config,
                examples,
                null,
                new AdapterIdentity("bench/memory", "1"),
                p -> peak.accumulateAndGet(rss(), Math::max),
                () -> false);
    }

    private static long rss() {
        return ResidentMemory.current().orElseThrow();
    }
}

package io.swapgate.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.engine.GenerationRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerIT {

    static final String PROMPT = "Tom's favourite colour is";
    static final String ANSWER = " purple, like a plum.";

    private static TrainingFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new TrainingFixture();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static List<TextExample> fact(int count) {
        List<TextExample> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            examples.add(new TextExample("fact-" + i, PROMPT, ANSWER));
        }
        return examples;
    }

    private String greedy(String prompt, Adapter adapter, int rank) throws Exception {
        AdapterSelection adapters =
                adapter == null ? AdapterSelection.NONE : AdapterSelection.of(List.of(adapter), rank);
        return fixture.serving
                .generate(GenerationRequest.builder("g", prompt, 16)
                        .adapters(adapters)
                        .build())
                .text();
    }

    @Test
    void loraLearnsAFactTheBaseDoesNotKnowAndServingGivesIt() throws Exception {
        String before = greedy(PROMPT, null, 0);
        assertTrue(!before.startsWith(ANSWER), before);
        List<TokenizedExample> examples = fixture.tokenize(fact(40));
        double baseLoss = fixture.evaluator.evaluate(null, examples).loss();

        TrainingConfig config = TrainingConfig.defaults(AdapterKind.LORA).withSteps(40);
        List<TrainingProgress> progress = new ArrayList<>();
        TrainingResult result = fixture.trainer.train(
                config, examples, null, new AdapterIdentity("t/fact", "v1"), progress::add, () -> false);

        EvalMetrics trained = fixture.evaluator.evaluate(result.adapter(), examples);
        assertTrue(trained.loss() < baseLoss / 10, "loss " + baseLoss + " -> " + trained.loss());
        assertEquals(1.0, trained.exactMatch());
        assertEquals(progress.size(), result.steps());
        assertTrue(
                progress.get(progress.size() - 1).trainLoss() < progress.get(0).trainLoss());
        // The serving path (KV cache, batched LoRA slots) gives what training taught; the base is untouched.
        String taught = greedy(PROMPT, result.adapter(), 0);
        assertTrue(taught.startsWith(ANSWER), "[" + taught + "] before [" + before + "]");
        assertEquals(before, greedy(PROMPT, null, 0));
    }

    @Test
    void dyLoraTeachesEveryRankInItsRange() throws Exception {
        List<TokenizedExample> examples = fixture.tokenize(fact(40));
        TrainingConfig config =
                TrainingConfig.defaults(AdapterKind.LORA).withLora(8, 2).withSteps(60);
        LoraAdapter lora = (LoraAdapter) fixture.trainer
                .train(config, examples, null, new AdapterIdentity("t/dyfact", "v1"), p -> {}, () -> false)
                .adapter();
        assertEquals(new LoraAdapter.RankRange(2, 8), lora.dyLora());
        for (int rank : new int[] {8, 4}) {
            String answer = greedy(PROMPT, lora, rank);
            assertTrue(answer.startsWith(ANSWER), "rank " + rank + ": " + answer);
        }
    }

    @Test
    void theSameSeedGivesTheSameAdapterAndContinuingKeepsTheShape() throws Exception {
        List<TokenizedExample> examples = fixture.tokenize(fact(12));
        TrainingConfig config = TrainingConfig.defaults(AdapterKind.PREFIX).withSteps(6);
        Adapter first = fixture.trainer
                .train(config, examples, null, new AdapterIdentity("t/a", "1"), p -> {}, () -> false)
                .adapter();
        Adapter second = fixture.trainer
                .train(config, examples, null, new AdapterIdentity("t/a", "1"), p -> {}, () -> false)
                .adapter();
        assertEquals(fixture.evaluator.evaluate(first, examples), fixture.evaluator.evaluate(second, examples));

        Adapter continued = fixture.trainer
                .train(config.withSteps(3), examples, first, new AdapterIdentity("t/a", "2"), p -> {}, () -> false)
                .adapter();
        assertEquals(AdapterKind.PREFIX, continued.kind());
        assertNotEquals(fixture.evaluator.evaluate(first, examples), fixture.evaluator.evaluate(continued, examples));
    }

    /** Checkpoints kept in memory, as a file store would keep them: the latest replaces the one before. */
    private static final class MemoryCheckpoints implements Checkpoints {
        final List<Integer> savedAt = new ArrayList<>();
        private byte[] latest;

        @Override
        public int every() {
            return 5;
        }

        @Override
        public java.util.Optional<TrainingCheckpoint> latest() throws java.io.IOException {
            return latest == null
                    ? java.util.Optional.empty()
                    : java.util.Optional.of(TrainingCheckpoint.fromBytes(latest));
        }

        @Override
        public void save(TrainingCheckpoint checkpoint) {
            savedAt.add(checkpoint.step());
            latest = checkpoint.toBytes();
        }
    }

    @Test
    void aRunResumedFromACheckpointEndsWithTheAdapterOfARunNeverStopped(@TempDir Path dir) throws Exception {
        List<TokenizedExample> examples = fixture.tokenize(fact(24));
        // A DyLoRA with validation passes: the per-step rank, the optimizer's moments and early stopping all resume.
        TrainingConfig config =
                TrainingConfig.defaults(AdapterKind.LORA).withLora(4, 2).withSteps(22);
        AdapterIdentity identity = new AdapterIdentity("t/resume", "1");
        Adapter uninterrupted = fixture.trainer
                .train(config, examples, null, identity, p -> {}, () -> false)
                .adapter();

        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        AtomicInteger step = new AtomicInteger();
        assertThrows(
                CancellationException.class,
                () -> fixture.trainer.train(
                        config,
                        examples,
                        null,
                        identity,
                        p -> step.set(p.step()),
                        () -> step.get() >= 13,
                        checkpoints));
        assertEquals(List.of(5, 10), checkpoints.savedAt);
        List<TrainingProgress> progress = new ArrayList<>();
        Adapter resumed = fixture.trainer
                .train(config, examples, null, identity, progress::add, () -> false, checkpoints)
                .adapter();
        assertEquals(11, progress.get(0).step(), "the resumed run's first step");
        assertEquals(10, progress.get(0).resumedFrom());
        assertEquals(List.of(5, 10, 15, 20), checkpoints.savedAt);
        assertEquals(
                sha256(dir.resolve("uninterrupted"), uninterrupted),
                sha256(dir.resolve("resumed"), resumed),
                "the resumed run's adapter differs from the uninterrupted run's");

        // Another run (one more example) does not take that checkpoint: it starts at step 1.
        List<TrainingProgress> other = new ArrayList<>();
        fixture.trainer.train(
                config.withSteps(2), fixture.tokenize(fact(25)), null, identity, other::add, () -> false, checkpoints);
        assertEquals(List.of(1, 2), other.stream().map(TrainingProgress::step).toList());
        assertEquals(0, other.get(0).resumedFrom());
    }

    private static String sha256(Path folder, Adapter adapter) throws Exception {
        var model = fixture.serving.model;
        PeftAdapterWriter.write(folder, adapter, BaseModelIdentity.of(model.name(), model.config(), model.weights()));
        return PeftAdapterReader.sha256(
                folder.resolve(PeftAdapterReader.CONFIG_FILE), folder.resolve(PeftAdapterReader.WEIGHTS_FILE));
    }

    @Test
    void cancellingStopsBetweenSteps() {
        AtomicInteger steps = new AtomicInteger();
        TrainingConfig config = TrainingConfig.defaults(AdapterKind.LORA).withSteps(50);
        assertThrows(
                CancellationException.class,
                () -> fixture.trainer.train(
                        config,
                        fixture.tokenize(fact(8)),
                        null,
                        new AdapterIdentity("t/c", "1"),
                        p -> steps.incrementAndGet(),
                        () -> steps.get() >= 3));
        assertEquals(3, steps.get());
    }
}

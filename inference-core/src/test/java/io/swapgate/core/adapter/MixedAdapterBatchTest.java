package io.swapgate.core.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.ServingFixture;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.CollectingListener.Completion;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.sampling.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows with different adapters of every kind (DoRA and IA3 included), ranks and compositions share forward steps and still get
 * their own answer.
 */
class MixedAdapterBatchTest {

    private static final String[] PROMPTS = {"Once upon a time", "Lily and Ben", "The cat sat", "One day, a little boy"
    };
    private static final List<Set<LoraModule>> MODULE_SETS = List.of(
            EnumSet.of(LoraModule.Q, LoraModule.V), EnumSet.of(LoraModule.Q, LoraModule.K, LoraModule.V, LoraModule.O),
            EnumSet.of(LoraModule.GATE, LoraModule.UP, LoraModule.DOWN), EnumSet.allOf(LoraModule.class));

    @TempDir
    static Path dir;

    static List<GenerationRequest> requests;

    @BeforeAll
    static void makeRequests() {
        TestAdapters adapters = new TestAdapters(dir, 7);
        List<LoraAdapter> loras = new ArrayList<>();
        // A DoRA adapter first and an IA3 second: request 7 composes the DoRA, requests 1 and 15 take the IA3, and
        // their
        // per-row output scales (and IA3's input scales) must apply to their own rows only in gathered steps.
        loras.add(adapters.roundTrip(adapters.random.dora(
                "dora", 6, 12f, MODULE_SETS.get(3), adapters.model.weights().layers())));
        loras.add(adapters.roundTrip(adapters.random.ia3(
                "ia3", EnumSet.of(LoraModule.K, LoraModule.V), EnumSet.of(LoraModule.O, LoraModule.DOWN))));
        for (int i = 2; i < 14; i++) {
            int rank = 1 + i % 8;
            loras.add(adapters.roundTrip(
                    adapters.random.lora("lora-" + i, rank, 2f * rank, i % 3 == 0, 0, MODULE_SETS.get(i % 4))));
        }
        LoraAdapter dyLora =
                adapters.roundTrip(adapters.random.lora("dylora", 12, 12f, false, 2, TestAdapters.ALL_MODULES));
        List<PromptAdapter> prompts = List.of(
                adapters.roundTrip(adapters.random.prompt("prompt-3", 3)),
                adapters.roundTrip(adapters.random.prompt("prompt-7", 7)));
        List<PrefixAdapter> prefixes = List.of(
                adapters.roundTrip(adapters.random.prefix("prefix-4", 4)),
                adapters.roundTrip(adapters.random.prefix("prefix-8", 8)));
        List<TempNetAdapter> tempNets = List.of(
                adapters.roundTrip(adapters.random.tempNet("tempnet-logits", TempNetAdapter.Input.LOGITS, 16)),
                adapters.roundTrip(adapters.random.tempNet("tempnet-hidden", TempNetAdapter.Input.HIDDEN, 8)));
        requests = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            AdapterSelection selection = switch (i % 8) {
                case 0 -> AdapterSelection.NONE;
                case 1, 2 ->
                    new AdapterSelection(
                            loras.get(i % loras.size()),
                            loras.get(i % loras.size()).rank(),
                            null,
                            null,
                            null);
                case 3 -> new AdapterSelection(dyLora, 2 + i % 11, null, null, null);
                case 4 -> new AdapterSelection(null, 0, prompts.get(i / 8 % 2), null, null);
                case 5 -> new AdapterSelection(null, 0, null, prefixes.get(i / 8 % 2), null);
                case 6 -> new AdapterSelection(null, 0, null, null, tempNets.get(i / 8 % 2));
                default ->
                    new AdapterSelection(
                            loras.get(i / 8),
                            loras.get(i / 8).rank(),
                            prompts.get(i / 8 % 2),
                            prefixes.get((i / 8 + 1) % 2),
                            tempNets.get(i / 8 % 2));
            };
            SamplingParams sampling = i % 2 == 0 ? SamplingParams.greedy() : SamplingParams.sampled(0.9f, 100 + i);
            requests.add(GenerationRequest.builder("r" + i, PROMPTS[i % PROMPTS.length], 10 + (i * 7) % 50)
                    .sampling(sampling)
                    .adapters(selection)
                    .returnTemperatures(true)
                    .build());
        }
    }

    /** Each request served alone, each prompt prefilled whole; computed by the first test that needs it. */
    private static List<Completion> alone;

    private static synchronized List<Completion> alone() throws Exception {
        if (alone == null) {
            try (ServingFixture serving = new ServingFixture(new TestAdapters(dir, 0).model, config(32, 4096))) {
                List<Completion> completions = new ArrayList<>();
                for (GenerationRequest request : requests) {
                    completions.add(serving.generate(request));
                }
                alone = completions;
            }
        }
        return alone;
    }

    @Test
    void thirtyTwoRowsWithMixedAdaptersEachGetWhatTheyGetAlone() throws Exception {
        try (ServingFixture serving = new ServingFixture(new TestAdapters(dir, 0).model, config(32, 4096))) {
            List<Completion> together = submitAll(serving, requests);
            assertSame(alone(), together);
            assertTrue(serving.engine.stats().steps() < alone().size() * 60L, "rows should have shared forward steps");
        }
    }

    /**
     * A prefill budget of 3 tokens splits every prompt (and the prompt-tuning virtual tokens before it) into chunks
     * that share steps with other rows' chunks and with decoding rows; each row still gets what it gets whole.
     */
    @Test
    void promptsPrefilledInChunksAmongDecodingRowsGetWhatTheyGetWhole() throws Exception {
        try (ServingFixture serving = new ServingFixture(new TestAdapters(dir, 0).model, config(32, 3))) {
            assertSame(alone(), submitAll(serving, requests));
        }
    }

    @Test
    void aSmallSlotTableEvictsAndReloadsWithoutMixingAdaptersUp() throws Exception {
        List<Completion> alone = alone();
        try (ServingFixture small = new ServingFixture(new TestAdapters(dir, 0).model, config(3, 4096))) {
            assertSame(alone, submitAll(small, requests));
            long distinctLoras = requests.stream()
                    .map(r -> r.adapters().lora())
                    .filter(java.util.Objects::nonNull)
                    .distinct()
                    .count();
            assertTrue(
                    small.engine.stats().loraUploads() > distinctLoras,
                    "three slots for " + distinctLoras + " LoRAs must have evicted and reloaded some");
        }
    }

    /** Engine limits for these requests: LoRAs up to rank 16 (the DyLoRA's 12 and the rest). */
    private static EngineConfig config(int batch, int prefillBudget) {
        return EngineConfig.builder()
                .maxBatchSize(batch)
                .prefillTokenBudget(prefillBudget)
                .maxLoraRank(16)
                .build();
    }

    private static List<Completion> submitAll(ServingFixture serving, List<GenerationRequest> all) throws Exception {
        List<CompletableFuture<Completion>> futures = new ArrayList<>();
        for (GenerationRequest request : all) {
            CollectingListener listener = new CollectingListener();
            serving.engine.submit(request, listener);
            futures.add(listener.result());
        }
        List<Completion> out = new ArrayList<>();
        for (CompletableFuture<Completion> f : futures) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        return out;
    }

    /**
     * The same text and tokens, and temperatures within 1e-5: a request's steps alone run on the vector decoder, and
     * in a batch with rows it cannot take through libtorch, whose float32 sums round differently (about 1e-6).
     */
    private static void assertSame(List<Completion> alone, List<Completion> together) {
        for (int i = 0; i < alone.size(); i++) {
            assertEquals(alone.get(i).text(), together.get(i).text(), "request " + i);
            assertArrayEquals(alone.get(i).tokenIds(), together.get(i).tokenIds(), "request " + i);
            assertArrayEquals(alone.get(i).temperatures(), together.get(i).temperatures(), 1e-5f, "request " + i);
        }
    }
}

package io.swapgate.core.runtime;

import static io.swapgate.core.runtime.SeededWeights.assertClose;
import static io.swapgate.core.runtime.SeededWeights.matrix;
import static io.swapgate.core.runtime.SeededWeights.norm;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Steps that {@link VectorDecoder} computes give libtorch's logits and hidden states, and leave the cache as libtorch
 * would: each short prompt and each decoded token is checked against libtorch's pass over the whole sequence so far
 * (beside a row long enough that the decoder does not take the step), for prompts prefilled alone and two at a time,
 * rows decoded alone and six at a time (two passes of the products) in slots out of order at different positions,
 * each step reading keys and values that earlier steps wrote. Run on stories260K (grouped-query
 * attention) and on a seeded model with projection biases, three queries per KV head and sizes that are no multiple
 * of the vector width.
 */
class VectorDecoderTest {

    private static final float TOLERANCE = 1e-4f;
    private static final int LENGTH = 64;
    /** The slot every reference pass recomputes its sequence in. */
    private static final int REFERENCE_SLOT = 9;
    /** The slot of the row every reference pass carries besides, so that it has too many tokens for the decoder. */
    private static final int FILLER_SLOT = 10;

    @Test
    void decodingMatchesLibtorchOnStories260K() {
        LoadedModel stories = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
        try (LlamaRuntime runtime =
                new LlamaRuntime(stories.config(), stories.weights(), RuntimeOptions.cpu(2), LENGTH)) {
            assertDecodingMatches(
                    runtime, new int[][] {{1, 403, 407, 261, 378}, {1, 365, 279}, {1, 9, 80, 311, 27, 94}});
        }
    }

    @Test
    void decodingMatchesLibtorchWithBiasesGroupsAndOddSizes() {
        LlamaConfig config = new LlamaConfig(36, 52, 2, 6, 2, 45, LENGTH, 1e-5f, 10000f, null, false);
        try (LlamaRuntime runtime = new LlamaRuntime(config, seeded(config), RuntimeOptions.cpu(2), LENGTH)) {
            assertDecodingMatches(
                    runtime, new int[][] {{3, 17, 40}, {1, 2}, {44, 0, 12, 31, 7}, {9}, {5, 6, 7, 8}, {30, 31}});
        }
    }

    @Test
    void onlyDecodeStepsOfAFewPlainRowsAreTaken() {
        LoadedModel stories = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
        try (LlamaRuntime runtime =
                        new LlamaRuntime(stories.config(), stories.weights(), RuntimeOptions.cpu(1), LENGTH);
                KvCache cache = runtime.newKvCache(VectorDecoder.MAX_TOKENS + 1, LENGTH)) {
            VectorDecoder decoder = runtime.decoder();
            assertNotNull(decoder, "the tests' JVM has the vector module, so a CPU float32 Llama decodes on it");
            assertTrue(
                    decoder.accepts(batch(decodeRows(VectorDecoder.MAX_TOKENS)), cache, null),
                    VectorDecoder.MAX_TOKENS + " decoding rows");
            assertFalse(
                    decoder.accepts(batch(decodeRows(VectorDecoder.MAX_TOKENS + 1)), cache, null),
                    "one more row goes to libtorch");
            assertTrue(
                    decoder.accepts(batch(new ForwardBatch.Row(0, 0, new int[] {1, 2})), cache, null),
                    "a short prompt");
            assertFalse(
                    decoder.accepts(
                            batch(new ForwardBatch.Row(0, 0, new int[VectorDecoder.MAX_TOKENS + 1])), cache, null),
                    "a longer prompt");
            assertFalse(
                    decoder.accepts(batch(new ForwardBatch.Row(0, 3, new int[] {-1})), cache, null),
                    "a prompt-tuning virtual token");
            assertFalse(
                    decoder.accepts(
                            batch(new ForwardBatch.Row(0, 3, new int[] {5}, new ForwardBatch.LoraUse(0, 4, 1f), null)),
                            cache,
                            null),
                    "a row with a LoRA but no slot table");
            try (LoraSlotTable table = runtime.newLoraSlotTable(2, 4)) {
                RandomAdapters random = new RandomAdapters(stories.config(), 1);
                table.write(1, random.lora("plain", 4, 8f, false, 0, EnumSet.allOf(LoraModule.class)));
                table.write(2, random.ia3("ia3", EnumSet.of(LoraModule.K), EnumSet.of(LoraModule.DOWN)));
                assertTrue(decoder.accepts(batch(loraRow(1)), cache, table), "a row with a LoRA");
                assertTrue(decoder.accepts(batch(loraRow(2)), cache, table), "a row with an IA3, which scales");
                assertFalse(decoder.accepts(batch(loraRow(3)), cache, table), "a row on a slot the table lacks");
            }
            assertFalse(
                    decoder.accepts(batch(new ForwardBatch.Row(0, LENGTH, new int[] {5})), cache, null),
                    "past the cache");
            assertFalse(
                    decoder.accepts(
                            batch(new ForwardBatch.Row(
                                    0, 3, new int[] {stories.config().vocabSize()})),
                            cache,
                            null),
                    "a token outside the vocabulary");
        }
    }

    private static ForwardBatch.Row loraRow(int tableSlot) {
        return new ForwardBatch.Row(0, 3, new int[] {5}, new ForwardBatch.LoraUse(tableSlot, 4, 2f), null);
    }

    /**
     * Prefills the prompts (short ones: the decoder takes them), the first two in one step, each in its own slot (out
     * of order, with gaps), checking their logits; then decodes three tokens for each row alone, then three more for
     * all rows in one step each, checking every step against the reference.
     */
    private static void assertDecodingMatches(LlamaRuntime runtime, int[][] prompts) {
        int[] slots = {3, 0, 5, 8, 1, 6};
        try (KvCache cache = runtime.newKvCache(FILLER_SLOT + 1, LENGTH)) {
            List<List<Integer>> sequences = new ArrayList<>();
            for (int r = 0; r < prompts.length; r++) {
                sequences.add(new ArrayList<>(Arrays.stream(prompts[r]).boxed().toList()));
            }
            StepOutput firstTwo = runtime.forward(
                    batch(new ForwardBatch.Row(slots[0], 0, prompts[0]), new ForwardBatch.Row(slots[1], 0, prompts[1])),
                    cache,
                    null);
            assertMatchesReference(runtime, cache, sequences.get(0), firstTwo, 0, "prompt 0 beside prompt 1");
            assertMatchesReference(runtime, cache, sequences.get(1), firstTwo, 1, "prompt 1 beside prompt 0");
            for (int r = 2; r < prompts.length; r++) {
                StepOutput prefilled =
                        runtime.forward(batch(new ForwardBatch.Row(slots[r], 0, prompts[r])), cache, null);
                assertMatchesReference(runtime, cache, sequences.get(r), prefilled, 0, "prompt " + r);
            }
            int vocab = runtime.config().vocabSize();
            for (int t = 0; t < 3; t++) {
                for (int r = 0; r < prompts.length; r++) {
                    int token = (7 * t + 11 * r + 5) % vocab;
                    StepOutput decoded = runtime.forward(batch(next(sequences.get(r), slots[r], token)), cache, null);
                    assertMatchesReference(
                            runtime, cache, sequences.get(r), decoded, 0, "row " + r + " alone, step " + t);
                }
            }
            for (int t = 0; t < 3; t++) {
                List<ForwardBatch.Row> rows = new ArrayList<>();
                for (int r = 0; r < prompts.length; r++) {
                    rows.add(next(sequences.get(r), slots[r], (13 * t + 3 * r + 1) % vocab));
                }
                StepOutput decoded = runtime.forward(new ForwardBatch(rows), cache, null);
                for (int r = 0; r < prompts.length; r++) {
                    assertMatchesReference(
                            runtime, cache, sequences.get(r), decoded, r, "row " + r + " batched, step " + t);
                }
            }
        }
    }

    /** The decode row appending {@code token} to {@code sequence}, which it extends. */
    private static ForwardBatch.Row next(List<Integer> sequence, int slot, int token) {
        ForwardBatch.Row row = new ForwardBatch.Row(slot, sequence.size(), new int[] {token});
        sequence.add(token);
        return row;
    }

    private static void assertMatchesReference(
            LlamaRuntime runtime, KvCache cache, List<Integer> sequence, StepOutput decoded, int row, String what) {
        int[] tokens = sequence.stream().mapToInt(Integer::intValue).toArray();
        int[] filler = new int[VectorDecoder.MAX_TOKENS + 1];
        Arrays.setAll(filler, i -> i % runtime.config().vocabSize());
        StepOutput reference = runtime.forward(
                batch(new ForwardBatch.Row(REFERENCE_SLOT, 0, tokens), new ForwardBatch.Row(FILLER_SLOT, 0, filler)),
                cache,
                null);
        assertClose(reference.logits()[0], decoded.logits()[row], TOLERANCE, what + ": logits");
        assertClose(reference.hidden()[0], decoded.hidden()[row], TOLERANCE, what + ": hidden state");
    }

    private static ForwardBatch.Row[] decodeRows(int count) {
        ForwardBatch.Row[] rows = new ForwardBatch.Row[count];
        for (int r = 0; r < count; r++) {
            rows[r] = new ForwardBatch.Row(r, 2, new int[] {r + 1});
        }
        return rows;
    }

    private static ForwardBatch batch(ForwardBatch.Row... rows) {
        return new ForwardBatch(List.of(rows));
    }

    /** A Llama with a bias on its query, key and value projections (as Qwen2 has), seeded. */
    private static LlamaWeights seeded(LlamaConfig c) {
        SplittableRandom random = new SplittableRandom(11);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            int fused = c.queryDim() + 2 * c.kvDim();
            float[] bias = new float[fused];
            for (int i = 0; i < fused; i++) {
                bias[i] = (float) (random.nextDouble() - 0.5);
            }
            layers.add(SeededWeights.layer(random, c, new FloatTensor("bias", new int[] {fused}, bias), false));
        }
        return new LlamaWeights(
                        matrix(random, c.vocabSize(), c.dim()),
                        layers,
                        norm(random, c.dim()),
                        matrix(random, c.vocabSize(), c.dim()))
                .validate(c);
    }
}

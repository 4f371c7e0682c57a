package io.swapgate.core.runtime;

import static io.swapgate.core.runtime.SeededWeights.matrix;
import static io.swapgate.core.runtime.SeededWeights.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A row's logits do not depend on how the step lays it out: alone in its slot, or batched with a shorter row (padding
 * and the attention mask), in consecutive slots (the cache read as a view), in slots out of order or with a gap
 * between them (the range they span read as a view, each row at its place) or in distant ones (each row's history
 * copied), at the same positions (no mask) or different ones. Each case runs on stories260K and on a seeded Gemma
 * whose sliding layers see only {@value #GEMMA_WINDOW} positions (fewer than the long row's), with heads wider than
 * dim / heads, soft caps and a rope of their own; on the Gemma, training's whole-sequence pass gives serving's logits.
 */
class StepLayoutTest {

    private static final int GEMMA_WINDOW = 3;

    private static final float TOLERANCE = 1e-4f;
    private static final int[] LONG = {1, 403, 407, 261, 378};
    private static final int[] SHORT = {1, 365, 279};
    private static final int NEXT_LONG = 300;
    private static final int NEXT_SHORT = 320;

    private static List<Case> cases;

    /** A runtime and each row's logits alone: [long prompt, short prompt, long next, short next]. */
    private record Case(String name, LlamaRuntime runtime, float[][] alone) {}

    @BeforeAll
    static void setUp() {
        LoadedModel stories = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
        LlamaConfig gemma = new LlamaConfig(
                32,
                64,
                2,
                2,
                1,
                32,
                stories.config().vocabSize(),
                64,
                1e-6f,
                1e6f,
                null,
                true,
                new LlamaConfig.Gemma(24, 1f, 3f, GEMMA_WINDOW, 2, 10000f, 4f),
                null);
        cases = List.of(
                measuredAlone(
                        "stories260K",
                        new LlamaRuntime(stories.config(), stories.weights(), RuntimeOptions.cpu(1), 64)),
                measuredAlone("gemma", new LlamaRuntime(gemma, gemmaWeights(gemma), RuntimeOptions.cpu(1), 64)));
    }

    private static Case measuredAlone(String name, LlamaRuntime runtime) {
        float[][] alone = new float[4][];
        try (KvCache cache = runtime.newKvCache(4, 64)) {
            alone[0] = step(runtime, cache, new ForwardBatch.Row(0, 0, LONG))[0];
            alone[2] = step(runtime, cache, new ForwardBatch.Row(0, LONG.length, new int[] {NEXT_LONG}))[0];
            alone[1] = step(runtime, cache, new ForwardBatch.Row(1, 0, SHORT))[0];
            alone[3] = step(runtime, cache, new ForwardBatch.Row(1, SHORT.length, new int[] {NEXT_SHORT}))[0];
        }
        return new Case(name, runtime, alone);
    }

    @AfterAll
    static void tearDown() {
        cases.forEach(c -> c.runtime().close());
    }

    @Test
    void rowsOutOfOrderWithAGapBetweenTheirSlotsMatchEachRowAlone() {
        cases.forEach(c -> assertBatchedMatchesAlone(c, 3, 1));
    }

    @Test
    void rowsInDistantSlotsAtDifferentPositionsMatchEachRowAlone() {
        cases.forEach(c -> assertBatchedMatchesAlone(c, 7, 0));
    }

    @Test
    void attentionReadsTheRowsSlotsAsAViewUnlessTheyAreTooFarApart() {
        try (NDManager step = NDManager.newBaseManager()) {
            StepLayout inOrder = layout(step, 1, 2);
            assertEquals(
                    List.of(1, 2, -1), List.of(inOrder.viewFirst, inOrder.viewSlots, inOrder.places == null ? -1 : 0));

            StepLayout outOfOrder = layout(step, 3, 1);
            assertEquals(1, outOfOrder.viewFirst);
            assertEquals(3, outOfOrder.viewSlots, "slot 2, between theirs, is attended too");
            assertArrayEquals(new long[] {2, 0}, outOfOrder.places.toLongArray());
            assertEquals(3, outOfOrder.mask.getShape().get(0), "a mask row per slot of the view");

            StepLayout distant = layout(step, 7, 0);
            assertEquals(-1, distant.viewFirst, "8 slots for 2 rows: their histories are copied");
            assertEquals(2, distant.mask.getShape().get(0));
        }
    }

    private static StepLayout layout(NDManager step, int firstSlot, int secondSlot) {
        return StepLayout.of(
                new ForwardBatch(List.of(
                        new ForwardBatch.Row(firstSlot, 5, new int[] {NEXT_LONG}),
                        new ForwardBatch.Row(secondSlot, 3, new int[] {NEXT_SHORT}))),
                64,
                0,
                step,
                ai.djl.ndarray.types.DataType.FLOAT32);
    }

    @Test
    void rowsInConsecutiveSlotsMatchEachRowAlone() {
        cases.forEach(c -> assertBatchedMatchesAlone(c, 1, 2));
    }

    @Test
    void trainingsWholeSequencePassGivesServingsLogitsPastTheWindow() {
        Case gemma = cases.get(1);
        int[] sequence = java.util.stream.IntStream.concat(
                        java.util.Arrays.stream(LONG), java.util.stream.IntStream.of(NEXT_LONG))
                .toArray();
        SequenceForward forward = new SequenceForward(gemma.runtime());
        try (NDManager scope = NDManager.newBaseManager(forward.device())) {
            float[] logits = forward.logits(forward.hidden(new int[][] {sequence}, SequenceHooks.NONE, scope))
                    .toFloatArray();
            int vocab = gemma.alone()[0].length;
            assertClose(
                    gemma.alone()[0],
                    java.util.Arrays.copyOfRange(logits, (LONG.length - 1) * vocab, LONG.length * vocab),
                    "the prompt's last position");
            assertClose(
                    gemma.alone()[2],
                    java.util.Arrays.copyOfRange(logits, LONG.length * vocab, (LONG.length + 1) * vocab),
                    "the next token, past the window");
        }
    }

    @Test
    void rowsAtTheSamePositionNeedNoMaskAndStillMatch() {
        cases.forEach(StepLayoutTest::assertSamePositionsMatch);
    }

    private static void assertSamePositionsMatch(Case c) {
        LlamaRuntime runtime = c.runtime();
        float[][] alone = c.alone();
        try (KvCache cache = runtime.newKvCache(4, 64)) {
            step(runtime, cache, new ForwardBatch.Row(2, 0, LONG), new ForwardBatch.Row(3, 0, LONG));
            float[][] next = step(
                    runtime,
                    cache,
                    new ForwardBatch.Row(2, LONG.length, new int[] {NEXT_LONG}),
                    new ForwardBatch.Row(3, LONG.length, new int[] {NEXT_LONG}));
            assertClose(alone[2], next[0], c.name() + ": first row");
            assertClose(alone[2], next[1], c.name() + ": second row");
        }
    }

    private static void assertBatchedMatchesAlone(Case c, int longSlot, int shortSlot) {
        LlamaRuntime runtime = c.runtime();
        float[][] alone = c.alone();
        try (KvCache cache = runtime.newKvCache(8, 64)) {
            float[][] prompts = step(
                    runtime, cache, new ForwardBatch.Row(longSlot, 0, LONG), new ForwardBatch.Row(shortSlot, 0, SHORT));
            assertClose(alone[0], prompts[0], c.name() + ": the long prompt beside a padded short one");
            assertClose(alone[1], prompts[1], c.name() + ": the padded short prompt");
            float[][] next = step(
                    runtime,
                    cache,
                    new ForwardBatch.Row(longSlot, LONG.length, new int[] {NEXT_LONG}),
                    new ForwardBatch.Row(shortSlot, SHORT.length, new int[] {NEXT_SHORT}));
            assertClose(alone[2], next[0], c.name() + ": the long row's next token");
            assertClose(alone[3], next[1], c.name() + ": the short row's next token");
        }
    }

    /** Seeded weights: matrices uniform in +-1/sqrt(in), norms in 0.7 to 1.3. */
    private static LlamaWeights gemmaWeights(LlamaConfig c) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            layers.add(SeededWeights.layer(random, c, null, true));
        }
        FloatTensor embedding = matrix(random, c.vocabSize(), c.dim());
        return new LlamaWeights(embedding, layers, norm(random, c.dim()), embedding).validate(c);
    }

    private static float[][] step(LlamaRuntime runtime, KvCache cache, ForwardBatch.Row... rows) {
        return runtime.forward(new ForwardBatch(new ArrayList<>(List.of(rows))), cache, null)
                .logits();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        SeededWeights.assertClose(expected, actual, TOLERANCE, what);
    }
}

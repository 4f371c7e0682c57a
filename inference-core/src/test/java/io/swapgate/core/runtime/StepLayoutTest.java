package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A row's logits do not depend on how the step lays it out: alone in its slot, or batched with a shorter row (padding
 * and the attention mask), in consecutive slots (the cache read as a view) or scattered ones (each row's history
 * copied), at the same positions (no mask) or different ones.
 */
class StepLayoutTest {

    private static final float TOLERANCE = 1e-4f;
    private static final int[] LONG = {1, 403, 407, 261, 378};
    private static final int[] SHORT = {1, 365, 279};
    private static final int NEXT_LONG = 300;
    private static final int NEXT_SHORT = 320;

    private static LlamaRuntime runtime;
    private static float[][] alone;

    @BeforeAll
    static void setUp() {
        LoadedModel model = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
        runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(1), 64);
        // Each row alone: its prompt, then one decoding step. [long prompt, short prompt, long next, short next]
        alone = new float[4][];
        try (KvCache cache = runtime.newKvCache(4, 64)) {
            alone[0] = step(cache, new ForwardBatch.Row(0, 0, LONG))[0];
            alone[2] = step(cache, new ForwardBatch.Row(0, LONG.length, new int[] {NEXT_LONG}))[0];
            alone[1] = step(cache, new ForwardBatch.Row(1, 0, SHORT))[0];
            alone[3] = step(cache, new ForwardBatch.Row(1, SHORT.length, new int[] {NEXT_SHORT}))[0];
        }
    }

    @AfterAll
    static void tearDown() {
        runtime.close();
    }

    @Test
    void rowsInScatteredSlotsAtDifferentPositionsMatchEachRowAlone() {
        assertBatchedMatchesAlone(3, 1);
    }

    @Test
    void rowsInConsecutiveSlotsMatchEachRowAlone() {
        assertBatchedMatchesAlone(1, 2);
    }

    @Test
    void rowsAtTheSamePositionNeedNoMaskAndStillMatch() {
        try (KvCache cache = runtime.newKvCache(4, 64)) {
            step(cache, new ForwardBatch.Row(2, 0, LONG), new ForwardBatch.Row(3, 0, LONG));
            float[][] next = step(
                    cache,
                    new ForwardBatch.Row(2, LONG.length, new int[] {NEXT_LONG}),
                    new ForwardBatch.Row(3, LONG.length, new int[] {NEXT_LONG}));
            assertClose(alone[2], next[0], "first row");
            assertClose(alone[2], next[1], "second row");
        }
    }

    private static void assertBatchedMatchesAlone(int longSlot, int shortSlot) {
        try (KvCache cache = runtime.newKvCache(4, 64)) {
            float[][] prompts =
                    step(cache, new ForwardBatch.Row(longSlot, 0, LONG), new ForwardBatch.Row(shortSlot, 0, SHORT));
            assertClose(alone[0], prompts[0], "the long prompt beside a padded short one");
            assertClose(alone[1], prompts[1], "the padded short prompt");
            float[][] next = step(
                    cache,
                    new ForwardBatch.Row(longSlot, LONG.length, new int[] {NEXT_LONG}),
                    new ForwardBatch.Row(shortSlot, SHORT.length, new int[] {NEXT_SHORT}));
            assertClose(alone[2], next[0], "the long row's next token");
            assertClose(alone[3], next[1], "the short row's next token");
        }
    }

    private static float[][] step(KvCache cache, ForwardBatch.Row... rows) {
        return runtime.forward(new ForwardBatch(new ArrayList<>(List.of(rows))), cache, null)
                .logits();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        float difference = 0;
        for (int i = 0; i < expected.length; i++) {
            difference = Math.max(difference, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(difference <= TOLERANCE, what + ": logits differ by up to " + difference);
    }
}

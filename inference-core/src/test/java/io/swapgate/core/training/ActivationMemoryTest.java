package io.swapgate.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.model.LlamaConfig;
import org.junit.jupiter.api.Test;

class ActivationMemoryTest {

    /** stories110M's shape: dim 768, 12 layers, 12 heads, vocab 32000. */
    private static final LlamaConfig STORIES_110M =
            new LlamaConfig(768, 2048, 12, 12, 12, 32000, 1024, 1e-5f, 10000f, null, true);

    private static final long MIB = 1 << 20;

    @Test
    void theEstimateGrowsWithRowsAndQuadraticallyWithLength() {
        long one = ActivationMemory.bytes(STORIES_110M, 1, 256, 0, 128);
        assertEquals(2 * one, ActivationMemory.bytes(STORIES_110M, 2, 256, 0, 256));
        long longer = ActivationMemory.bytes(STORIES_110M, 1, 512, 0, 128);
        assertTrue(longer > 2 * one, "attention scores grow with the square of the length");
        assertTrue(ActivationMemory.bytes(STORIES_110M, 1, 256, 16, 128) > one, "prefix entries are attended to");
    }

    @Test
    void aMicroBatchShrinksToFitTheBudget() {
        long twoRows = ActivationMemory.bytes(STORIES_110M, 2, 256, 0, 512);
        assertEquals(2, new ActivationMemory(twoRows).microBatchSize(STORIES_110M, 8, 256, 1, 0, 0));
        assertEquals(8, new ActivationMemory(64 * twoRows).microBatchSize(STORIES_110M, 8, 256, 1, 0, 0));
        // A preference runs its chosen and rejected completions together: half as many fit.
        assertEquals(1, new ActivationMemory(twoRows).microBatchSize(STORIES_110M, 8, 256, 2, 0, 0));
    }

    @Test
    void aJobWhoseSingleExampleDoesNotFitIsRefusedWithTheFigures() {
        TrainingMemoryException refused = assertThrows(
                TrainingMemoryException.class,
                () -> new ActivationMemory(16 * MIB).microBatchSize(STORIES_110M, 8, 256, 1, 8, 0));
        assertTrue(
                refused.getMessage().contains("264 tokens")
                        || refused.getMessage().contains("256 tokens"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("budget of 16 MiB"), refused.getMessage());
    }
}

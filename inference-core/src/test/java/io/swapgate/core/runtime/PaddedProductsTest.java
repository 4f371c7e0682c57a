package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A libtorch step whose products are padded with zero rows ({@link ProductRows}) gives its own rows only, unchanged. */
class PaddedProductsTest {

    private static final int LENGTH = 16;

    @Test
    void aPaddedStepGivesEachRowWhatTheSameRowsGetInAStepOfThePaddedSize() {
        LoadedModel stories = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
        assertEquals(32, ProductRows.of(31, 2), "31 rows are computed as 32");
        try (LlamaRuntime runtime =
                new LlamaRuntime(stories.config(), stories.weights(), RuntimeOptions.cpu(2), LENGTH)) {
            float[][] padded = firstTokens(runtime, 31);
            float[][] full = firstTokens(runtime, 32);

            assertEquals(31, padded.length, "the padding rows are not returned");
            for (int r = 0; r < padded.length; r++) {
                assertArrayEquals(full[r], padded[r], "row " + r);
            }
        }
    }

    /** Logits of {@code rows} one-token rows, each in its own slot at position 0. */
    private static float[][] firstTokens(LlamaRuntime runtime, int rows) {
        try (KvCache cache = runtime.newKvCache(rows, LENGTH)) {
            List<ForwardBatch.Row> batch = new ArrayList<>();
            for (int slot = 0; slot < rows; slot++) {
                batch.add(new ForwardBatch.Row(slot, 0, new int[] {1 + 7 * slot}));
            }
            return runtime.forward(new ForwardBatch(batch), cache, null).logits();
        }
    }
}

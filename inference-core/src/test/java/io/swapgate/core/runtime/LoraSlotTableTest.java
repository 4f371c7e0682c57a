package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.swapgate.core.TestModels;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A batch's rows' factors are copied out of the slot table (gathered) and kept when that copy will serve more than one
 * step: when the same rows on the same slots come in two steps running, or at once where the copy is cheap. Rows that
 * change from step to step are served in place, without a copy.
 */
class LoraSlotTableTest {

    private static final Set<LoraModule> QKVO = EnumSet.of(LoraModule.Q, LoraModule.K, LoraModule.V, LoraModule.O);

    @Test
    void rowsAreGatheredOnlyWhenTheStepBeforeHadTheSameRowsAndKeptUntilTheyChangeOrTheirSlotsAreWritten() {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        RandomAdapters random = new RandomAdapters(model.config(), 3);
        try (LlamaRuntime runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(1), 32);
                LoraSlotTable table = runtime.newLoraSlotTable(3, 4)) {
            table.write(1, random.lora("a", 4, 8f, false, 0, QKVO));
            table.write(2, random.lora("b", 2, 4f, false, 0, QKVO));
            long[] ab = {1, 2};
            long[] ba = {2, 1};

            assertNull(table.steady(ab, 4, QKVO, false), "rows seen for the first time are served in place");
            var gathered = table.steady(ab, 4, QKVO, false);
            assertNotNull(gathered, "the same rows a second step running are gathered");
            assertSame(gathered, table.steady(ab, 4, QKVO, false), "and kept for the steps after");

            assertNull(table.steady(ba, 4, QKVO, false), "rows on other slots are served in place");
            assertNull(table.steady(ab, 2, QKVO, false), "and so are the same rows served at another rank");
            assertSame(gathered, table.steady(ab, 4, QKVO, false), "what was kept stays kept while nothing is written");

            table.write(3, random.lora("c", 4, 8f, false, 0, QKVO));
            assertSame(gathered, table.steady(ab, 4, QKVO, false), "a write to a slot the rows do not use keeps it");
            table.write(2, random.lora("b2", 2, 4f, false, 0, QKVO));
            assertNull(table.steady(ab, 4, QKVO, false), "a write to a slot they use makes what was gathered stale");
            assertNotNull(table.steady(ab, 4, QKVO, false));
            assertNotNull(table.steady(ba, 4, QKVO, true), "a copy cheap enough is gathered and kept at first sight");
        }
    }
}

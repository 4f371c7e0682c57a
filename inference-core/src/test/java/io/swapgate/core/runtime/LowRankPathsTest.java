package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.TestModels;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rows with LoRAs of their own, served in place, get the same logits whether the vector kernels read their factors
 * from the slot table or libtorch does (as sparse products from rank 32, gathering them below it), and a row without a
 * LoRA in the same step gets the base model's.
 */
class LowRankPathsTest {

    private static final int[] RANKS = {4, 33, 40};

    @Test
    void theVectorKernelsAndLibtorchGiveEveryRowTheSameLoraProducts() {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        RandomAdapters random = new RandomAdapters(model.config(), 5);
        List<LoraAdapter> loras = new ArrayList<>();
        for (int rank : RANKS) {
            loras.add(random.lora("r" + rank, rank, 2f * rank, false, 0, EnumSet.allOf(LoraModule.class)));
        }
        try (LlamaRuntime runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(2), 32);
                LoraSlotTable onVectors = runtime.newLoraSlotTable(4, 40);
                LoraSlotTable onLibtorch = runtime.newLoraSlotTable(4, 40, false)) {
            for (int i = 0; i < loras.size(); i++) {
                onVectors.write(i + 1, loras.get(i));
                onLibtorch.write(i + 1, loras.get(i));
            }
            ForwardBatch withLoras = batch(loras, true);
            long[] slots = {1, 2, 3, 0};
            float[] coefficients = new float[slots.length * 40];
            assertNotNull(onVectors.onVectors(slots, 40, coefficients, EnumSet.of(LoraModule.Q), null));
            assertNull(onLibtorch.onVectors(slots, 40, coefficients, EnumSet.of(LoraModule.Q), null));
            StepOutput vectors = forward(runtime, withLoras, onVectors);
            StepOutput libtorch = forward(runtime, withLoras, onLibtorch);
            StepOutput base = forward(runtime, batch(loras, false), onLibtorch);
            for (int r = 0; r < withLoras.size(); r++) {
                SeededWeights.assertClose(libtorch.logits()[r], vectors.logits()[r], 1e-4f, "row " + r);
            }
            SeededWeights.assertClose(base.logits()[3], vectors.logits()[3], 1e-4f, "the row without a LoRA");
            for (int r = 0; r < loras.size(); r++) {
                float difference = 0;
                for (int v = 0; v < base.logits()[r].length; v++) {
                    difference = Math.max(difference, Math.abs(base.logits()[r][v] - vectors.logits()[r][v]));
                }
                assertTrue(difference > 0.01f, "row " + r + "'s LoRA changes its logits, by " + difference);
            }
        }
    }

    /** A short prompt per LoRA on slots 0-2, each with its LoRA when {@code withLoras}, and one without on slot 3. */
    private static ForwardBatch batch(List<LoraAdapter> loras, boolean withLoras) {
        List<ForwardBatch.Row> rows = new ArrayList<>();
        for (int i = 0; i < loras.size(); i++) {
            LoraAdapter lora = loras.get(i);
            ForwardBatch.LoraUse use =
                    withLoras ? new ForwardBatch.LoraUse(i + 1, lora.rank(), lora.scale(lora.rank())) : null;
            rows.add(new ForwardBatch.Row(i, 0, new int[] {1, 40 + i, 90 + 7 * i}, use, null));
        }
        rows.add(new ForwardBatch.Row(3, 0, new int[] {1, 55, 66}));
        return new ForwardBatch(rows);
    }

    /** The batch's step on a cache of its own, as the first step of every row. */
    private static StepOutput forward(LlamaRuntime runtime, ForwardBatch batch, LoraSlotTable table) {
        try (KvCache cache = runtime.newKvCache(4, 32)) {
            return runtime.forward(batch, cache, table);
        }
    }
}

package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rows with LoRAs of their own (ranks 4, 33 and a DyLoRA of rank 40 served at 36, on every module) get the same
 * logits whether the vector kernels read their factors from the slot table or libtorch does (as sparse products from
 * rank 32, gathering them below it); a row without a LoRA in the same step gets the base model's. Steps of 12 tokens
 * run whole on the vector decoder, steps of 20 through libtorch with the LoRA products on the vector kernels.
 */
class LowRankPathsTest {

    private static final int ROWS = 4;

    @ParameterizedTest(name = "prompts of {0} tokens")
    @ValueSource(ints = {3, 5})
    void theVectorKernelsAndLibtorchGiveEveryRowTheSameLoraProducts(int promptLength) {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        RandomAdapters random = new RandomAdapters(model.config(), 5);
        List<LoraAdapter> loras = List.of(
                random.lora("r4", 4, 8f, false, 0, EnumSet.allOf(LoraModule.class)),
                random.lora("r33", 33, 66f, false, 0, EnumSet.allOf(LoraModule.class)),
                random.lora("dy40", 40, 80f, false, 8, EnumSet.allOf(LoraModule.class)));
        int[] served = {4, 33, 36};
        try (LlamaRuntime runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(2), 32);
                LoraSlotTable onVectors = runtime.newLoraSlotTable(3, 40);
                LoraSlotTable onLibtorch = runtime.newLoraSlotTable(3, 40, false)) {
            for (int i = 0; i < loras.size(); i++) {
                onVectors.write(i + 1, loras.get(i));
                onLibtorch.write(i + 1, loras.get(i));
            }
            ForwardBatch withLoras = batch(loras, served, promptLength, true);
            boolean decoderTakesIt = withLoras.tokenCount() <= VectorDecoder.MAX_TOKENS;
            assertEquals(promptLength == 3, decoderTakesIt, withLoras.tokenCount() + " tokens");
            try (KvCache cache = runtime.newKvCache(ROWS, 32)) {
                assertEquals(decoderTakesIt, runtime.decoder().accepts(withLoras, cache, onVectors));
            }
            long[] slots = {1, 2, 3, 0};
            float[] coefficients = new float[slots.length * 40];
            assertNotNull(onVectors.onVectors(slots, 40, coefficients, EnumSet.of(LoraModule.Q), null));
            assertNull(onLibtorch.onVectors(slots, 40, coefficients, EnumSet.of(LoraModule.Q), null));

            StepOutput vectors = forward(runtime, withLoras, onVectors);
            StepOutput libtorch = forward(runtime, withLoras, onLibtorch);
            StepOutput base = forward(runtime, batch(loras, served, promptLength, false), onLibtorch);
            for (int r = 0; r < ROWS; r++) {
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

    /** A prompt per LoRA on slots 0-2, each with its LoRA when {@code withLoras}, and one without on slot 3. */
    private static ForwardBatch batch(List<LoraAdapter> loras, int[] served, int length, boolean withLoras) {
        List<ForwardBatch.Row> rows = new ArrayList<>();
        for (int i = 0; i <= loras.size(); i++) {
            int[] prompt = new int[length];
            for (int t = 0; t < length; t++) {
                prompt[t] = 1 + (37 * i + 11 * t) % 500;
            }
            boolean plain = !withLoras || i == loras.size();
            ForwardBatch.LoraUse use = plain
                    ? null
                    : new ForwardBatch.LoraUse(i + 1, served[i], loras.get(i).scale(served[i]));
            rows.add(new ForwardBatch.Row(i, 0, prompt, use, null));
        }
        return new ForwardBatch(rows);
    }

    /** The batch's step on a cache of its own, as the first step of every row. */
    private static StepOutput forward(LlamaRuntime runtime, ForwardBatch batch, LoraSlotTable table) {
        try (KvCache cache = runtime.newKvCache(ROWS, 32)) {
            return runtime.forward(batch, cache, table);
        }
    }
}

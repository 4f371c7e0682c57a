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
 * Rows with adapters of their own (LoRAs of ranks 4 and 33 and a DyLoRA of rank 40 served at 36 on every module, a
 * DoRA on q/v/up, an IA3 scaling k/v outputs and o/down inputs) get the same logits whether the vector kernels read
 * their factors and scales from the slot table or libtorch does (as sparse products from rank 32, gathering them below
 * it); a row without an adapter in the same step gets the base model's. Steps of 12 tokens run whole on the vector
 * decoder, steps of 30 through libtorch with the LoRA products on the vector kernels.
 */
class LowRankPathsTest {

    private static final int ROWS = 6;

    @ParameterizedTest(name = "prompts of {0} tokens")
    @ValueSource(ints = {2, 5})
    void theVectorKernelsAndLibtorchGiveEveryRowTheSameLoraProducts(int promptLength) {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        RandomAdapters random = new RandomAdapters(model.config(), 5);
        List<LoraAdapter> loras = List.of(
                random.lora("r4", 4, 8f, false, 0, EnumSet.allOf(LoraModule.class)),
                random.lora("r33", 33, 66f, false, 0, EnumSet.allOf(LoraModule.class)),
                random.lora("dy40", 40, 80f, false, 8, EnumSet.allOf(LoraModule.class)),
                random.dora(
                        "dora",
                        8,
                        16f,
                        EnumSet.of(LoraModule.Q, LoraModule.V, LoraModule.UP),
                        model.weights().layers()),
                random.ia3("ia3", EnumSet.of(LoraModule.K, LoraModule.V), EnumSet.of(LoraModule.O, LoraModule.DOWN)));
        int[] served = {4, 33, 36, 8, loras.get(4).rank()};
        try (LlamaRuntime runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(2), 32);
                LoraSlotTable onVectors = runtime.newLoraSlotTable(loras.size(), 40);
                LoraSlotTable onLibtorch = runtime.newLoraSlotTable(loras.size(), 40, false)) {
            for (int i = 0; i < loras.size(); i++) {
                onVectors.write(i + 1, loras.get(i));
                onLibtorch.write(i + 1, loras.get(i));
            }
            ForwardBatch withLoras = batch(loras, served, promptLength, true);
            boolean decoderTakesIt = withLoras.tokenCount() <= VectorDecoder.MAX_TOKENS;
            assertEquals(promptLength == 2, decoderTakesIt, withLoras.tokenCount() + " tokens");
            try (KvCache cache = runtime.newKvCache(ROWS, 32)) {
                assertEquals(decoderTakesIt, runtime.decoder().accepts(withLoras, cache, onVectors));
            }
            long[] slots = {1, 2, 3, 4, 5, 0};
            float[] coefficients = new float[slots.length * 40];
            assertNotNull(onVectors.onVectors(slots, 40, coefficients, EnumSet.of(LoraModule.Q), null));
            assertNull(onLibtorch.onVectors(slots, 40, coefficients, EnumSet.of(LoraModule.Q), null));

            StepOutput vectors = forward(runtime, withLoras, onVectors);
            StepOutput libtorch = forward(runtime, withLoras, onLibtorch);
            StepOutput base = forward(runtime, batch(loras, served, promptLength, false), onLibtorch);
            for (int r = 0; r < ROWS; r++) {
                SeededWeights.assertClose(libtorch.logits()[r], vectors.logits()[r], 1e-4f, "row " + r);
            }
            SeededWeights.assertClose(
                    base.logits()[ROWS - 1], vectors.logits()[ROWS - 1], 1e-4f, "the row without an adapter");
            for (int r = 0; r < loras.size(); r++) {
                float difference = 0;
                for (int v = 0; v < base.logits()[r].length; v++) {
                    difference = Math.max(difference, Math.abs(base.logits()[r][v] - vectors.logits()[r][v]));
                }
                assertTrue(difference > 0.01f, "row " + r + "'s adapter changes its logits, by " + difference);
            }
        }
    }

    /** A prompt per adapter, each with its adapter when {@code withLoras}, and one without on the last slot. */
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

package io.swapgate.core.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.runtime.ForwardBatch;
import io.swapgate.core.runtime.KvCache;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.LoraSlotTable;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.core.runtime.StepOutput;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One forward step that mixes prefill chunks with decoding rows, each row with a LoRA of its own, gives every row the
 * logits it gets in a step of its own: the two kinds are laid out apart, share each weight product, and their outputs
 * go back to their rows in the batch's order.
 */
class MixedStepTest {

    @TempDir
    static Path dir;

    /** Below rank 32 the rows' factors are gathered for a step; from it they are read in place from the table. */
    @ParameterizedTest
    @ValueSource(ints = {2, 32})
    void prefillChunksAndDecodingRowsWithFourLorasShareAStepAndEachGetsItsOwnLogits(int lowestRank) {
        TestAdapters adapters = new TestAdapters(dir, 11);
        int[] prompt = adapters.model.tokenizer().encodePrompt("Once upon a time there was");
        try (LlamaRuntime runtime =
                        new LlamaRuntime(adapters.model.config(), adapters.model.weights(), RuntimeOptions.cpu(2), 64);
                KvCache cache = runtime.newKvCache(4, 64);
                LoraSlotTable table = runtime.newLoraSlotTable(5, lowestRank + 4)) {
            ForwardBatch.LoraUse[] uses = new ForwardBatch.LoraUse[4];
            for (int i = 0; i < uses.length; i++) {
                LoraAdapter lora =
                        adapters.random.lora("lora-" + i, lowestRank + i, 8f, false, 0, TestAdapters.ALL_MODULES);
                table.write(i + 1, lora);
                uses[i] = new ForwardBatch.LoraUse(i + 1, lora.rank(), lora.scale(lora.rank()));
            }
            // Slots 0 and 1 hold a prefilled prompt and decode; slot 3 has its prompt's first two tokens cached.
            runtime.forward(Logits.single(new ForwardBatch.Row(0, 0, prompt, uses[0], null)), cache, table);
            runtime.forward(Logits.single(new ForwardBatch.Row(1, 0, prompt, uses[1], null)), cache, table);
            runtime.forward(
                    Logits.single(new ForwardBatch.Row(3, 0, Arrays.copyOf(prompt, 2), uses[3], null)), cache, table);
            List<ForwardBatch.Row> rows = List.of(
                    new ForwardBatch.Row(2, 0, Arrays.copyOf(prompt, 3), uses[2], null),
                    new ForwardBatch.Row(0, prompt.length, new int[] {prompt[1]}, uses[0], null),
                    new ForwardBatch.Row(3, 2, Arrays.copyOfRange(prompt, 2, 5), uses[3], null),
                    new ForwardBatch.Row(1, prompt.length, new int[] {prompt[2]}, uses[1], null));
            ForwardBatch mixed = new ForwardBatch(rows);
            // Below rank 32 the decoding rows' factors are kept from the first step; from it, the first step serves
            // them
            // in place and the second, seeing the same rows again, gathers and keeps them. Later steps find them
            // kept. The prefill rows are never kept.
            // Then twice more, counting the runtime's tensors: the in-place products and kept factors leave none
            // behind.
            int retained = 0;
            for (int step = 0; step < 5; step++) {
                if (step == 3) {
                    retained = runtime.retainedArrays();
                }
                StepOutput together = runtime.forward(mixed, cache, table);
                for (int r = 0; r < rows.size(); r++) {
                    float[] alone = runtime.forward(Logits.single(rows.get(r)), cache, table)
                            .logits()[0];
                    Logits.assertClose(alone, together.logits()[r], "step " + step + ", row " + r);
                }
            }
            assertEquals(retained, runtime.retainedArrays(), "tensors retained by the steps");
            float[] base = runtime.forward(
                            Logits.single(new ForwardBatch.Row(2, 0, Arrays.copyOf(prompt, 3))), cache, table)
                    .logits()[0];
            assertTrue(
                    Logits.maxDifference(
                                    base, runtime.forward(mixed, cache, table).logits()[0])
                            > 0.01f,
                    "the LoRAs must change the logits");
        }
    }
}

package io.swapgate.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every forward step releases its tensors: serving many tokens, with and without adapters of every kind, leaves the
 * runtime holding exactly what it held.
 */
class MemoryStabilityIT {

    @Test
    void servingThousandsOfTokensRetainsNoTensors() throws Exception {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        RandomAdapters random = new RandomAdapters(model.config(), 5);
        List<AdapterSelection> selections = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            LoraAdapter lora = random.lora("lora-" + i, 2 + i % 3, 4f, false, 0, EnumSet.allOf(LoraModule.class));
            selections.add(
                    switch (i % 4) {
                        case 0 -> AdapterSelection.NONE;
                        case 1 -> new AdapterSelection(lora, lora.rank(), null, null, null);
                        case 2 -> new AdapterSelection(null, 0, random.prompt("prompt", 3), null, null);
                        default ->
                            new AdapterSelection(
                                    lora,
                                    lora.rank(),
                                    null,
                                    random.prefix("prefix", 3),
                                    random.tempNet("tempnet", TempNetAdapter.Input.HIDDEN, 4));
                    });
        }
        try (ServingFixture serving =
                new ServingFixture(model, EngineConfig.builder().build())) {
            for (AdapterSelection selection : selections) { // every path and every LoRA slot once before counting
                serving.generate(GenerationRequest.builder("warm", "Once upon a time", 5)
                        .adapters(selection)
                        .build());
            }
            int retained = serving.runtime.retainedArrays();
            long tokens = 0;
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<CollectingListener.Completion>> batch = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    CollectingListener listener = new CollectingListener();
                    serving.engine.submit(
                            GenerationRequest.builder("m" + i, "Once upon a time", 200)
                                    .sampling(SamplingParams.sampled(1.0f, round * 8L + i))
                                    .adapters(selections.get(i))
                                    .build(),
                            listener);
                    batch.add(listener.result());
                }
                for (var future : batch) {
                    tokens += future.get(120, TimeUnit.SECONDS).usage().completionTokens();
                }
                assertEquals(retained, serving.runtime.retainedArrays(), "tensors retained after round " + round);
            }
            assertTrue(tokens > 2000, "served only " + tokens + " tokens");
        }
    }
}

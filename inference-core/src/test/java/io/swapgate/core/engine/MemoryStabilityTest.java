package io.swapgate.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.format.ModelLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every forward step releases its tensors: serving many tokens leaves the runtime holding exactly what it held. */
class MemoryStabilityTest {

    @Test
    void servingThousandsOfTokensRetainsNoTensors() throws Exception {
        try (ServingFixture serving = new ServingFixture(ModelLoader.load(TestModels.stories()),
                new EngineConfig(8, 64, 512, 2048))) {
            serving.greedy("Once upon a time", 10);
            int retained = serving.runtime.retainedArrays();
            long tokens = 0;
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<CollectingListener.Completion>> batch = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    CollectingListener listener = new CollectingListener();
                    serving.engine.submit(new GenerationRequest("m" + i, "Once upon a time", 200,
                            ServingFixture.sampled(1.0f, round * 8L + i), 0), listener);
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

package io.swapgate.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.TenantPolicy;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The served model against what it holds on to. */
class FoundationModelTest {

    @Test
    void aServedModelKeepsNoHostCopyOfItsWeights() throws Exception {
        List<WeakReference<LlamaWeights>> weights = new ArrayList<>();
        try (FoundationModel served = served(weights)) {
            // Collections clear a weak reference once nothing else reaches the weights; a few bound the wait.
            for (int i = 0; i < 10 && weights.get(0).get() != null; i++) {
                System.gc();
            }
            assertTrue(
                    weights.get(0).get() == null,
                    "the weights read from disk are still reachable from the served model");

            CollectingListener listener = new CollectingListener();
            served.engine()
                    .submit(GenerationRequest.builder("weights", "Once upon", 3).build(), listener);
            assertTrue(listener.result().get(60, TimeUnit.SECONDS).tokenIds().length > 0, "it still serves");
        }
    }

    /** Loads and serves stories260K here, so that no frame of the test holds the loaded model. */
    private static FoundationModel served(List<WeakReference<LlamaWeights>> weights) {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        weights.add(new WeakReference<>(model.weights()));
        return FoundationModel.serve(
                model,
                new FoundationModel.Settings(
                        "cpu",
                        "float32",
                        1,
                        EngineConfig.builder().maxContext(64).build()),
                TenantPolicy.EQUAL);
    }
}

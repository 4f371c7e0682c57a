package io.swapgate.core.training;

import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.runtime.SequenceForward;
import java.util.ArrayList;
import java.util.List;

/** stories260K served by an engine, with a trainer whose work runs in the engine's background lane. */
final class TrainingFixture implements AutoCloseable {

    final ServingFixture serving;
    final SequenceForward forward;
    final EngineThread engine;
    final Trainer trainer;
    final Evaluator evaluator;

    TrainingFixture() {
        this.serving = new ServingFixture(
                ModelLoader.load(TestModels.stories()), EngineConfig.builder().build());
        this.forward = new SequenceForward(serving.runtime);
        this.engine = EngineThread.backgroundOf(serving.engine);
        this.trainer = new Trainer(forward, engine, new ActivationMemory(1L << 30));
        this.evaluator = new Evaluator(forward, engine);
    }

    List<TokenizedExample> tokenize(List<TextExample> examples) {
        List<TokenizedExample> out = new ArrayList<>();
        for (TextExample e : examples) {
            out.add(TokenizedExample.of(serving.model.tokenizer(), e, 256));
        }
        return out;
    }

    @Override
    public void close() {
        serving.close();
    }
}

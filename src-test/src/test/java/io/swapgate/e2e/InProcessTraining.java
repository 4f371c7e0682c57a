package io.swapgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.training.ActivationMemory;
import io.swapgate.core.training.EngineThread;
import io.swapgate.core.training.Evaluator;
import io.swapgate.core.training.TextExample;
import io.swapgate.core.training.TokenizedExample;
import io.swapgate.core.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** A model served by an engine in this JVM, with the trainer and evaluator a gateway builds over it. */
final class InProcessTraining implements AutoCloseable {

    final LoadedModel model;
    final LlamaRuntime runtime;
    final InferenceEngine engine;
    final Trainer trainer;
    final Evaluator evaluator;

    InProcessTraining(Path modelPath, long memoryBudget) {
        this.model = ModelLoader.load(modelPath);
        int threads = RuntimeOptions.autoThreads(model.config().parameterCount(), Runtime.getRuntime().availableProcessors());
        this.runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(threads),
                Math.min(512, model.config().contextLength()));
        this.engine = new InferenceEngine(runtime, model.tokenizer(), EngineConfig.builder().build());
        EngineThread thread = new EngineThread() {
            @Override
            public <T> T run(Callable<T> work) throws Exception {
                return engine.runInBackground(work).get();
            }
        };
        SequenceForward forward = new SequenceForward(runtime);
        this.trainer = new Trainer(forward, thread, new ActivationMemory(memoryBudget));
        this.evaluator = new Evaluator(forward, thread);
    }

    /** The demo TempNet's dataset, gateway/demo/stories.jsonl: stories of the kind stories260K was trained on. */
    static List<TextExample> demoStories() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<TextExample> examples = new ArrayList<>();
        for (String line : Files.readAllLines(E2e.repoRoot().resolve("gateway/demo/stories.jsonl"))) {
            JsonNode node = json.readTree(line);
            examples.add(new TextExample(node.get("id").asText(), node.get("prompt").asText(), node.get("completion").asText()));
        }
        return examples;
    }

    TokenizedExample tokenize(TextExample example) {
        return TokenizedExample.of(model.tokenizer(), example, 256);
    }

    @Override
    public void close() {
        engine.close();
        runtime.close();
    }
}

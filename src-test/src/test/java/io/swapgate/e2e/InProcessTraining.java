package io.swapgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.FoundationModel;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TenantPolicy;
import io.swapgate.core.training.ActivationMemory;
import io.swapgate.core.training.Evaluator;
import io.swapgate.core.training.TextExample;
import io.swapgate.core.training.TokenizedExample;
import io.swapgate.core.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A model served by an engine in this JVM, with the trainer and evaluator a gateway builds over it. */
final class InProcessTraining implements AutoCloseable {

    final FoundationModel model;
    final InferenceEngine engine;
    final Trainer trainer;
    final Evaluator evaluator;

    InProcessTraining(Path modelPath, long memoryBudget) {
        this.model = FoundationModel.load(
                modelPath,
                new FoundationModel.Settings(
                        "cpu", "float32", 0, EngineConfig.builder().build()),
                TenantPolicy.EQUAL);
        this.engine = model.engine();
        this.trainer = model.trainer(new ActivationMemory(memoryBudget));
        this.evaluator = model.evaluator();
    }

    /** The demo TempNet's dataset, gateway/demo/stories.jsonl: stories of the kind stories260K was trained on. */
    static List<TextExample> demoStories() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<TextExample> examples = new ArrayList<>();
        for (String line : Files.readAllLines(E2e.repoRoot().resolve("gateway/demo/stories.jsonl"))) {
            JsonNode node = json.readTree(line);
            examples.add(new TextExample(
                    node.get("id").asText(),
                    node.get("prompt").asText(),
                    node.get("completion").asText()));
        }
        return examples;
    }

    TokenizedExample tokenize(TextExample example) {
        return TokenizedExample.of(model.tokenizer(), example, 256);
    }

    @Override
    public void close() {
        model.close();
    }
}

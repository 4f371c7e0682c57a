package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.constrain.Grammar;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.core.training.TextExample;
import io.swapgate.core.training.TokenizedExample;
import io.swapgate.core.training.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The typical LoRA job with structured output: a LoRA trained by Swapgate's own trainer to extract a person from a
 * sentence as JSON, then 100 unseen sentences sampled at temperature 1.0 under the extraction's JSON Schema. Every
 * answer is a document the schema accepts (checked by parsing it, property by property), and the trained adapter gets
 * more of the facts right than the base model under the same schema (printed, and asserted: fine-tuning must matter).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StructuredExtractionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] NAMES = {"Mia", "Ben", "Lily", "Tom", "Sue", "Max", "Zoe", "Leo", "Amy", "Sam"};
    private static final String[] TRAITS = {"kind", "brave"};
    private static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 8},
               "age": {"type": "integer", "minimum": 0},
               "tags": {"type": "array", "items": {"enum": ["kind", "brave"]}, "maxItems": 2}
             },
             "required": ["name", "age", "tags"],
             "additionalProperties": false}
            """;

    @Test
    void aTrainedExtractionLoraAnswersEveryPromptWithSchemaValidJson() throws Exception {
        try (InProcessTraining served = new InProcessTraining(E2e.stories260K(), 1L << 30)) {
            List<TokenizedExample> train = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                train.add(served.tokenize(example(i)));
            }
            LoraAdapter lora = (LoraAdapter) served.trainer
                    .train(
                            TrainingConfig.defaults(AdapterKind.LORA)
                                    .withLora(8, 0)
                                    .withSteps(120),
                            train,
                            null,
                            new AdapterIdentity("extract/person", "trained"),
                            p -> {},
                            () -> false)
                    .adapter();
            Grammar schema = Grammar.jsonSchema(JSON.readTree(SCHEMA));
            int rightWithLora = answer(served, schema, new AdapterSelection(lora, lora.rank(), null, null, null));
            int rightWithout = answer(served, schema, AdapterSelection.NONE);
            System.out.printf(
                    "structured extraction, 100 unseen sentences at temperature 1.0: all schema-valid; facts right"
                            + " with the trained LoRA %d, base model %d%n",
                    rightWithLora, rightWithout);
            assertTrue(rightWithLora > rightWithout, rightWithLora + " vs " + rightWithout);
        }
    }

    /** Sentence i (i >= 60 are never trained on): name, age and traits, and the JSON that extracts them. */
    private static TextExample example(int i) {
        String name = NAMES[i % NAMES.length];
        int age = 3 + (i * 7) % 60;
        List<String> tags = i % 3 == 0 ? List.of() : i % 3 == 1 ? List.of(TRAITS[i % 2]) : List.of("kind", "brave");
        String traits = tags.isEmpty() ? "" : " and " + String.join(" and ", tags);
        String sentence = name + " is " + age + traits + ".";
        String json = "{\"name\":\"" + name + "\",\"age\":" + age + ",\"tags\":"
                + tags.stream().map(t -> "\"" + t + "\"").toList().toString().replace(" ", "") + "}";
        return new TextExample("p" + i, "Text: " + sentence + "\nJSON:", json);
    }

    /** Samples the 100 unseen sentences; every answer must be valid; returns how many have every fact right. */
    private static int answer(InProcessTraining served, Grammar schema, AdapterSelection adapters) throws Exception {
        List<CollectingListener.Completion> answers = new ArrayList<>();
        for (int wave = 60; wave < 160; wave += 25) { // waves of 25: within the engine's queue
            List<CompletableFuture<CollectingListener.Completion>> pending = new ArrayList<>();
            for (int i = wave; i < wave + 25; i++) {
                CollectingListener listener = new CollectingListener();
                served.engine.submit(
                        GenerationRequest.builder("x" + i, example(i).prompt(), 120)
                                .sampling(SamplingParams.sampled(1.0f, i))
                                .adapters(adapters)
                                .grammar(schema)
                                .build(),
                        listener);
                pending.add(listener.result());
            }
            for (CompletableFuture<CollectingListener.Completion> answer : pending) {
                answers.add(answer.get(2, TimeUnit.MINUTES));
            }
        }
        int right = 0;
        for (int i = 0; i < answers.size(); i++) {
            CollectingListener.Completion done = answers.get(i);
            assertEquals(FinishReason.STOP, done.finishReason(), done.text());
            JsonNode doc = JSON.readTree(done.text());
            assertEquals(Set.of("name", "age", "tags"), fieldNames(doc), done.text());
            assertTrue(doc.get("name").isTextual() && !doc.get("name").asText().isEmpty(), done.text());
            assertTrue(doc.get("name").asText().length() <= 8, done.text());
            assertTrue(doc.get("age").isIntegralNumber() && doc.get("age").asLong() >= 0, done.text());
            assertTrue(doc.get("tags").isArray() && doc.get("tags").size() <= 2, done.text());
            doc.get("tags").forEach(t -> assertTrue(Set.of("kind", "brave").contains(t.asText()), done.text()));
            right += JSON.readTree(example(60 + i).completion()).equals(doc) ? 1 : 0;
        }
        return right;
    }

    private static Set<String> fieldNames(JsonNode doc) {
        Set<String> names = new java.util.HashSet<>();
        doc.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

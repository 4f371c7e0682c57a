package io.swapgate.core.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Constrained requests sampled at temperature 1.0, with and without a LoRA, share steps with free-text requests, and
 * every one of them ends with a document its schema (or pattern) accepts, checked here independently of the grammar:
 * the JSON is parsed and each property checked by hand.
 */
class ConstrainedGenerationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void hundredSampledDocumentsAreAllValidBesideFreeTextAndAdapters() throws Exception {
        LoadedModel model = ModelLoader.load(TestModels.stories());
        Grammar schema = Grammar.jsonSchema(JSON.readTree(GrammarTest.PERSON));
        Grammar sentence = Grammar.regex("[A-Z][a-z]{2,8} (is|was) [0-9]{1,2}\\.");
        LoraAdapter lora =
                new RandomAdapters(model.config(), 3).lora("extract", 4, 8f, false, 0, EnumSet.allOf(LoraModule.class));
        AdapterSelection withLora = new AdapterSelection(lora, 4, null, null, null);
        List<CompletableFuture<CollectingListener.Completion>> documents = new ArrayList<>();
        List<CompletableFuture<CollectingListener.Completion>> others = new ArrayList<>();
        try (ServingFixture serving = new ServingFixture(
                model,
                EngineConfig.builder()
                        .maxBatchSize(16)
                        .queueCapacity(256)
                        .maxContext(512)
                        .build())) {
            for (int i = 0; i < 100; i++) {
                documents.add(submit(
                        serving,
                        request("doc-" + i, i, 200)
                                .adapters(i % 2 == 0 ? withLora : AdapterSelection.NONE)
                                .grammar(schema)));
                if (i % 10 == 0) {
                    others.add(submit(serving, request("free-" + i, i, 40)));
                    others.add(submit(serving, request("sentence-" + i, i, 40).grammar(sentence)));
                }
            }
            Set<String> distinct = new java.util.HashSet<>();
            for (CompletableFuture<CollectingListener.Completion> future : documents) {
                CollectingListener.Completion done = future.get(5, TimeUnit.MINUTES);
                assertEquals(FinishReason.STOP, done.finishReason(), done.text());
                assertValidPerson(done.text());
                distinct.add(done.text());
            }
            assertTrue(distinct.size() > 90, "sampling still varies inside the grammar: " + distinct.size());
            for (int i = 0; i < others.size(); i += 2) {
                CollectingListener.Completion free = others.get(i).get(5, TimeUnit.MINUTES);
                assertNotEquals(FinishReason.STOP, free.finishReason(), "free text runs to its length or EOS");
                CollectingListener.Completion constrained = others.get(i + 1).get(5, TimeUnit.MINUTES);
                assertTrue(
                        java.util.regex.Pattern.matches("[A-Z][a-z]{2,8} (is|was) [0-9]{1,2}\\.", constrained.text()),
                        constrained.text());
            }
        }
    }

    private static GenerationRequest.Builder request(String id, long seed, int maxTokens) {
        return GenerationRequest.builder(id, "Once upon a time", maxTokens)
                .sampling(SamplingParams.sampled(1.0f, seed));
    }

    private static CompletableFuture<CollectingListener.Completion> submit(
            ServingFixture serving, GenerationRequest.Builder request) {
        CollectingListener listener = new CollectingListener();
        serving.engine.submit(request.build(), listener);
        return listener.result();
    }

    /** The schema's rules, checked on the parsed document. */
    private static void assertValidPerson(String text) throws Exception {
        JsonNode doc = JSON.readTree(text);
        assertTrue(doc.isObject(), text);
        List<String> keys = new ArrayList<>();
        Iterator<String> names = doc.fieldNames();
        names.forEachRemaining(keys::add);
        assertTrue(keys.containsAll(List.of("name", "age", "tags")), text);
        assertTrue(List.of("name", "age", "tags", "nickname").containsAll(keys), text);
        String name = doc.get("name").asText();
        assertTrue(
                doc.get("name").isTextual()
                        && name.codePointCount(0, name.length()) >= 1
                        && name.codePointCount(0, name.length()) <= 10,
                text);
        assertTrue(doc.get("age").isIntegralNumber() && doc.get("age").asLong() >= 0, text);
        assertTrue(doc.get("tags").isArray() && doc.get("tags").size() <= 2, text);
        doc.get("tags").forEach(tag -> assertTrue(Set.of("kind", "brave").contains(tag.asText()), text));
        JsonNode nickname = doc.get("nickname");
        assertTrue(
                nickname == null
                        || nickname.isNull()
                        || (nickname.isTextual() && nickname.asText().length() <= 5),
                text);
    }
}

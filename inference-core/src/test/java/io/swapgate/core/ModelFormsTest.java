package io.swapgate.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.engine.CollectingListener.Completion;
import io.swapgate.core.format.HuggingFaceExporter;
import io.swapgate.core.format.ModelFormatException;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every model format yields the same model: same tokens for the same prompt, same greedy output. */
class ModelFormsTest {

    private static final String PROMPT = "Once upon a time";
    private static Completion llama2c;
    private static LoadedModel llama2cModel;

    @BeforeAll
    static void generateFromLlama2c() throws Exception {
        llama2cModel = ModelLoader.load(TestModels.stories());
        try (ServingFixture serving = new ServingFixture(llama2cModel)) {
            llama2c = serving.greedy(PROMPT, 60);
        }
        assertTrue(TestModels.STORIES_REFERENCE.startsWith(llama2c.text()), llama2c.text());
    }

    @Test
    void ggufFileWithEmbeddedTokenizerGeneratesTheSameTokens() throws Exception {
        LoadedModel gguf = ModelLoader.load(TestModels.stories().resolve("stories260K.gguf"));
        assertEquals("gguf", gguf.format());
        assertArrayEquals(
                llama2cModel.tokenizer().encodePrompt(PROMPT), gguf.tokenizer().encodePrompt(PROMPT));
        try (ServingFixture serving = new ServingFixture(gguf)) {
            Completion completion = serving.greedy(PROMPT, 60);
            assertArrayEquals(llama2c.tokenIds(), completion.tokenIds());
            assertEquals(llama2c.text(), completion.text());
        }
    }

    @Test
    void huggingFaceFolderConvertedFromLlama2cGeneratesTheSameTokens(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("stories260K-hf");
        HuggingFaceExporter.export(llama2cModel, folder);
        LoadedModel hf = ModelLoader.load(folder);
        assertEquals("huggingface", hf.format());
        for (String text : new String[] {PROMPT, "Lily and Ben went to the park.", "Tim's dog said: \"Woof!\" 123"}) {
            assertArrayEquals(
                    llama2cModel.tokenizer().encodePrompt(text), hf.tokenizer().encodePrompt(text), text);
        }
        for (int id = 3; id < hf.tokenizer().vocabSize(); id++) {
            assertArrayEquals(
                    llama2cModel.tokenizer().tokenBytes(id), hf.tokenizer().tokenBytes(id), "bytes of token " + id);
        }
        try (ServingFixture serving = new ServingFixture(hf)) {
            Completion completion = serving.greedy(PROMPT, 60);
            assertArrayEquals(llama2c.tokenIds(), completion.tokenIds());
            assertEquals(llama2c.text(), completion.text());
        }
    }

    /**
     * A Mistral folder is a Llama one with {@code model_type} "mistral" and, for 7B v0.1, a sliding window: served as the
     * context, within which it generates exactly what the Llama form does.
     */
    @Test
    void aMistralFolderIsServedWithItsSlidingWindowAsTheContext(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("mistral-hf");
        HuggingFaceExporter.export(llama2cModel, folder);
        Path config = folder.resolve("config.json");
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(config.toFile());
        json.put("model_type", "mistral").put("sliding_window", 100);
        mapper.writeValue(config.toFile(), json);
        LoadedModel mistral = ModelLoader.load(folder);
        assertEquals(100, mistral.config().contextLength(), "the window, not max_position_embeddings");
        try (ServingFixture serving = new ServingFixture(mistral)) {
            Completion completion = serving.greedy(PROMPT, 60);
            assertArrayEquals(llama2c.tokenIds(), completion.tokenIds());
        }
        json.put("model_type", "gpt_neox");
        mapper.writeValue(config.toFile(), json);
        ModelFormatException refused = org.junit.jupiter.api.Assertions.assertThrows(
                ModelFormatException.class, () -> ModelLoader.load(folder));
        assertTrue(refused.getMessage().contains("supported: llama, mistral, phi3, qwen2"), refused.getMessage());
    }

    @Test
    void aHuggingFaceFolderCarriesItsChatTemplate(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("chat-hf");
        HuggingFaceExporter.export(llama2cModel, folder);
        assertEquals(null, ModelLoader.load(folder).chatTemplate(), "no template in the exported folder");
        Path config = folder.resolve("tokenizer_config.json");
        var json = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
        json.put("bos_token", "<s>").putObject("eos_token").put("content", "</s>");
        json.putArray("chat_template")
                .addObject()
                .put("name", "default")
                .put("template", "{{ bos_token }}{{ messages[0]['content'] }}");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(config.toFile(), json);
        var template = ModelLoader.load(folder).chatTemplate();
        assertEquals(
                new io.swapgate.core.model.ChatTemplate("{{ bos_token }}{{ messages[0]['content'] }}", "<s>", "</s>"),
                template);
    }

    @Test
    void parameterCountIsTheNumberOfWeights() {
        var w = llama2cModel.weights();
        long weights = (long) w.embedding().data().length + w.finalNorm().data().length;
        for (var layer : w.layers()) {
            for (var t : java.util.List.of(
                    layer.attentionNorm(),
                    layer.query(),
                    layer.key(),
                    layer.value(),
                    layer.output(),
                    layer.ffnNorm(),
                    layer.gate(),
                    layer.up(),
                    layer.down())) {
                weights += t.data().length;
            }
        }
        assertTrue(llama2cModel.config().sharedClassifier());
        assertEquals(weights, llama2cModel.config().parameterCount());
    }

    @Test
    void babyLlamaMatchesAnIndependentScalarImplementation() throws Exception {
        LoadedModel baby = ModelLoader.load(TestModels.babyLlama());
        int[] prompt = baby.tokenizer().encodePrompt(PROMPT);
        int[] expected = new ScalarLlama2cReference(TestModels.babyLlama().resolve("model5000.bin")).greedy(prompt, 80);
        try (ServingFixture serving = new ServingFixture(baby)) {
            Completion completion = serving.greedy(PROMPT, 80);
            assertFalse(completion.text().isBlank());
            assertArrayEquals(expected, completion.tokenIds());
        }
    }
}

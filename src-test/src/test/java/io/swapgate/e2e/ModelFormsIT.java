package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.CollectingListener.Completion;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.format.HuggingFaceExporter;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.proto.v1.FinishReason;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway serves the same model the same way from each on-disk form, and a second model exactly as the
 * in-process library generates it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelFormsIT {

    private static final int MAX_TOKENS = 40;

    /** The forms stories260K is served from. */
    enum Form {
        LLAMA2C_FOLDER,
        GGUF_FILE,
        HUGGING_FACE_FOLDER
    }

    @TempDir
    static Path tempDir;

    /** Each form's greedy completion, fetched once (by whichever test needs it first) from its own gateway. */
    private static final Map<Form, GenerateResponse> COMPLETIONS = new EnumMap<>(Form.class);

    @Test
    void llama2cFolder() throws Exception {
        assertReferenceCompletion(Form.LLAMA2C_FOLDER);
    }

    @Test
    void ggufFile() throws Exception {
        assertReferenceCompletion(Form.GGUF_FILE);
    }

    @Test
    void huggingFaceFolderExportedFromTheLlama2cModel() throws Exception {
        assertReferenceCompletion(Form.HUGGING_FACE_FOLDER);
    }

    @Test
    void allFormsGiveIdenticalTextAndTokens() throws Exception {
        GenerateResponse llama2c = completion(Form.LLAMA2C_FOLDER);
        for (Form form : new Form[] {Form.GGUF_FILE, Form.HUGGING_FACE_FOLDER}) {
            GenerateResponse other = completion(form);
            assertAll(
                    form.name() + " vs " + Form.LLAMA2C_FOLDER.name(),
                    () -> assertEquals(llama2c.getText(), other.getText(), "text"),
                    () -> assertEquals(llama2c.getTokenIdsList(), other.getTokenIdsList(), "token ids"),
                    () -> assertEquals(llama2c.getUsage(), other.getUsage(), "usage"));
        }
    }

    @Test
    void babyLlamaMatchesTheInProcessLibrary() throws Exception {
        int maxTokens = 60;
        GenerateResponse served;
        try (GatewayProcess gateway = GatewayProcess.start("babyllama105", E2e.babyLlama105())) {
            served = InferenceGrpc.newBlockingStub(gateway.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(E2e.greedy(E2e.PROMPT, maxTokens));
        }

        LoadedModel model = ModelLoader.load(E2e.babyLlama105());
        Completion local;
        try (LlamaRuntime runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(1), 256);
                InferenceEngine engine = new InferenceEngine(
                        runtime,
                        model.tokenizer(),
                        EngineConfig.builder()
                                .maxBatchSize(4)
                                .queueCapacity(16)
                                .maxContext(256)
                                .build())) {
            CollectingListener listener = new CollectingListener();
            engine.submit(GenerationRequest.builder("id", E2e.PROMPT, maxTokens).build(), listener);
            local = listener.result().get(60, TimeUnit.SECONDS);
        }

        assertFalse(served.getText().isEmpty(), "babyllama105's completion is empty");
        assertFalse(local.text().isEmpty(), "the in-process completion is empty");
        assertAll(
                "babyllama105: gateway vs in-process library",
                () -> assertEquals(local.text(), served.getText(), "text"),
                () -> assertArrayEquals(
                        local.tokenIds(),
                        served.getTokenIdsList().stream()
                                .mapToInt(Integer::intValue)
                                .toArray(),
                        "token ids"),
                () -> assertEquals(
                        "FINISH_REASON_" + local.finishReason().name(),
                        served.getFinishReason().name(),
                        "finish reason"),
                () -> assertEquals(
                        local.usage().promptTokens(), served.getUsage().getPromptTokens(), "prompt tokens"),
                () -> assertEquals(
                        local.usage().completionTokens(),
                        served.getUsage().getCompletionTokens(),
                        "completion tokens"));
    }

    /** A Hugging Face folder whose tokenizer_config.json has a chat template: the HTTP chat API formats with it. */
    @Test
    void aModelsOwnChatTemplateFormatsChatRequests() throws Exception {
        Path folder = tempDir.resolve("stories260K-hf-chat");
        HuggingFaceExporter.export(ModelLoader.load(E2e.stories260K()), folder);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode)
                mapper.readTree(folder.resolve("tokenizer_config.json").toFile());
        config.put("bos_token", "<s>")
                .put("eos_token", "</s>")
                .put(
                        "chat_template",
                        "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}"
                                + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}");
        mapper.writeValue(folder.resolve("tokenizer_config.json").toFile(), config);
        try (GatewayProcess gateway = GatewayProcess.start("hf-chat", folder)) {
            var http = java.net.http.HttpClient.newHttpClient();
            var response = http.send(
                    java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://localhost:" + gateway.port() + "/v1/chat/completions"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + GatewayProcess.DEMO_KEY)
                            .POST(
                                    java.net.http.HttpRequest.BodyPublishers.ofString(
                                            "{\"model\":\"stories260K-hf-chat\",\"max_tokens\":20,"
                                                    + "\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            String chat = mapper.readTree(response.body())
                    .at("/choices/0/message/content")
                    .asText();
            String expected = InferenceGrpc.newBlockingStub(gateway.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(E2e.greedy("<|user|>\nOnce upon a time</s>\n<|assistant|>\n", 20))
                    .getText();
            assertEquals(expected, chat, "chat formatted with the model's template");
        }
    }

    private static void assertReferenceCompletion(Form form) throws Exception {
        GenerateResponse response = completion(form);
        E2e.assertReferencePrefix(response.getText(), form + " completion");
        assertEquals(FinishReason.FINISH_REASON_LENGTH, response.getFinishReason(), form + " finish reason");
        assertEquals(MAX_TOKENS, response.getTokenIdsCount(), form + " token ids");
        assertEquals(MAX_TOKENS, response.getUsage().getCompletionTokens(), form + " completion tokens");
        assertEquals(
                response.getUsage().getPromptTokens() + MAX_TOKENS,
                response.getUsage().getTotalTokens(),
                form + " total tokens");
    }

    private static synchronized GenerateResponse completion(Form form) throws Exception {
        GenerateResponse cached = COMPLETIONS.get(form);
        if (cached != null) {
            return cached;
        }
        try (GatewayProcess gateway =
                GatewayProcess.start("form-" + form.name().toLowerCase(Locale.ROOT), modelPath(form))) {
            GenerateResponse response = InferenceGrpc.newBlockingStub(gateway.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(E2e.greedy(E2e.PROMPT, MAX_TOKENS));
            COMPLETIONS.put(form, response);
            return response;
        }
    }

    private static Path modelPath(Form form) throws Exception {
        return switch (form) {
            case LLAMA2C_FOLDER -> E2e.stories260K();
            case GGUF_FILE -> E2e.stories260KGguf();
            case HUGGING_FACE_FOLDER -> {
                Path folder = tempDir.resolve("stories260K-hf");
                HuggingFaceExporter.export(ModelLoader.load(E2e.stories260K()), folder);
                for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
                    assertTrue(Files.isRegularFile(folder.resolve(file)), "the export wrote no " + file);
                }
                yield folder;
            }
        };
    }
}

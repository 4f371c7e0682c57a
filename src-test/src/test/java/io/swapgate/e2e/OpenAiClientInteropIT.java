package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.TokenLogprob;
import io.swapgate.proto.v1.TokenLogprobs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The official OpenAI Node.js SDK from the npm registry, unchanged, against the packaged gateway's HTTP API: a
 * completion, a streamed chat completion, an adapter chosen through {@code model}, an unknown model, and
 * log-probabilities and JSON Schema response formats through the SDK's own parameters. Greedy texts and log-probabilities equal what gRPC gives for the
 * same request.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OpenAiClientInteropIT {

    private static final int TOKENS = 40;

    @Test
    void theOpenAiSdkGetsWhatGrpcGives() throws Exception {
        Path nodeDir = E2e.repoRoot().resolve("src-test/node");
        E2e.installNodeModules(nodeDir);
        String tenant = "oai" + Long.toString(System.nanoTime(), 36);
        try (GatewayProcess gateway = GatewayProcess.start("openai", E2e.stories260K())) {
            TestAdapters.upload(
                    gateway.channel(),
                    new TestAdapters(E2e.targetDir().resolve("e2e-work").resolve(tenant)).lora(5, 8),
                    tenant + "/a",
                    "stable");
            String adapterModel = tenant + "/a@stable";
            E2e.CommandResult result = E2e.run(
                    List.of(
                            "node",
                            "openai-client.js",
                            Integer.toString(gateway.port()),
                            "stories260K",
                            adapterModel,
                            E2e.PROMPT,
                            Integer.toString(TOKENS)),
                    nodeDir,
                    Map.of("SWAPGATE_API_KEY", GatewayProcess.ADMIN_KEY),
                    Duration.ofSeconds(90),
                    "openai-client");
            assertEquals(0, result.exitCode(), result::describe);
            JsonNode json = new ObjectMapper()
                    .readTree(result.stdout()
                            .lines()
                            .filter(l -> !l.isBlank())
                            .findFirst()
                            .orElseThrow());

            var grpc = InferenceGrpc.newBlockingStub(gateway.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
            String base = grpc.generate(E2e.greedy(E2e.PROMPT, TOKENS)).getText();
            assertEquals(base, json.get("completion").asText(), "completion vs gRPC");
            E2e.assertReferencePrefix(base, "the OpenAI SDK's completion");
            assertEquals("length", json.get("completionFinish").asText());
            assertEquals(TOKENS, json.get("usage").get("completion_tokens").asInt());

            // The chat template of a base model without its own: "User: ...\nAssistant:".
            String chat = grpc.generate(E2e.greedy("User: " + E2e.PROMPT + "\nAssistant:", TOKENS))
                    .getText();
            assertEquals(chat, json.get("chatStream").asText(), "streamed chat vs gRPC");
            assertTrue(json.get("chatChunks").asInt() > 5, "the chat should arrive in pieces: " + json);
            assertEquals("length", json.get("chatFinish").asText());

            GenerateRequest adapted = E2e.greedy(E2e.PROMPT, TOKENS).toBuilder()
                    .addAdapters(adapterModel)
                    .build();
            String withAdapter = grpc.generate(adapted).getText();
            assertEquals(withAdapter, json.get("adapterCompletion").asText(), "adapter via model vs gRPC adapters");
            assertNotEquals(base, withAdapter, "the adapter must change the text");

            assertEquals(404, json.get("error").get("status").asInt(), json.toString());
            assertEquals("model_not_found", json.get("error").get("code").asText(), json.toString());

            assertLogprobsAsGrpcReportsThem(grpc, json);

            // response_format json_schema through the SDK: every sampled answer is a document of the schema.
            assertEquals(5, json.get("pets").size(), json.toString());
            for (JsonNode answer : json.get("pets")) {
                JsonNode pet = answer.get("pet");
                assertEquals("stop", answer.get("finish").asText(), answer.toString());
                assertTrue(List.of("cat", "dog").contains(pet.get("kind").asText()), pet.toString());
                assertTrue(
                        pet.get("name").isTextual() && pet.get("name").asText().length() <= 8, pet.toString());
                assertTrue(pet.get("legs").isIntegralNumber() && pet.get("legs").asLong() >= 0, pet.toString());
                assertEquals(3, pet.size(), pet.toString());
            }
        }
    }

    /**
     * The SDK's own parameters ({@code logprobs: 5} on completions; {@code logprobs: true, top_logprobs: 3} on chat,
     * whole and streamed) bring the values gRPC reports for the same requests, and an out-of-range request is refused
     * with the parameter named.
     */
    private static void assertLogprobsAsGrpcReportsThem(InferenceGrpc.InferenceBlockingStub grpc, JsonNode json) {
        GenerateResponse completion = grpc.generate(E2e.greedy(E2e.PROMPT, TOKENS).toBuilder()
                .setLogprobs(true)
                .setTopLogprobs(5)
                .build());
        JsonNode lists = json.get("completionLogprobs");
        assertEquals(TOKENS, lists.get("tokens").size(), json.toString());
        for (int i = 0; i < TOKENS; i++) {
            TokenLogprobs step = completion.getLogprobs(i);
            assertEquals(step.getChosen().getToken(), lists.at("/tokens/" + i).asText());
            assertEquals(
                    step.getChosen().getLogprob(),
                    lists.at("/token_logprobs/" + i).floatValue());
            JsonNode top = lists.at("/top_logprobs/" + i);
            for (TokenLogprob alternative : step.getTopList()) {
                assertEquals(
                        alternative.getLogprob(),
                        top.get(alternative.getToken()).floatValue(),
                        top.toString());
            }
        }

        GenerateResponse chat = grpc.generate(E2e.greedy("User: " + E2e.PROMPT + "\nAssistant:", TOKENS).toBuilder()
                .setLogprobs(true)
                .setTopLogprobs(3)
                .build());
        JsonNode content = json.get("chatLogprobs");
        assertEquals(TOKENS, content.size());
        for (int i = 0; i < TOKENS; i++) {
            TokenLogprobs step = chat.getLogprobs(i);
            JsonNode entry = content.get(i);
            assertEquals(step.getChosen().getToken(), entry.get("token").asText());
            assertEquals(step.getChosen().getLogprob(), entry.get("logprob").floatValue());
            assertEquals(3, entry.get("top_logprobs").size());
            for (int k = 0; k < 3; k++) {
                assertEquals(
                        step.getTop(k).getLogprob(),
                        entry.at("/top_logprobs/" + k + "/logprob").floatValue());
            }
        }
        assertEquals(content, json.get("chatStreamLogprobs"), "streamed chat logprobs vs whole");
        assertEquals(400, json.at("/logprobsError/status").asInt(), json.toString());
        assertEquals("top_logprobs", json.at("/logprobsError/param").asText(), json.toString());
    }
}

package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.proto.v1.InferenceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With SWAPGATE_LOG_JSON on, the gateway logs one JSON object per line, and each finished request leaves a line on
 * {@code swapgate.requests} whose MDC fields name the request id, the tenant and the adapter versions that served it.
 */
class JsonLogsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JVM_INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    @Test
    void aFinishedRequestIsLoggedAsJsonWithItsIdTenantAndAdapterVersions() throws Exception {
        Path dir = E2e.targetDir().resolve("json-logs");
        E2e.deleteTree(dir);
        try (GatewayProcess gateway = GatewayProcess.start(
                "json-logs",
                E2e.stories260K(),
                dir.resolve("registry"),
                Map.of("quarkus.log.console.json.enabled", "true"))) {
            String version = TestAdapters.upload(
                    gateway.channel(), new TestAdapters(dir.resolve("adapters")).lora(7, 4), "demo/logged", "stable");
            InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(E2e.greedy(E2e.PROMPT, 5).toBuilder()
                            .setRequestId("json-log-1")
                            .addAdapters("demo/logged")
                            .build());
            JsonNode line = awaitLine(gateway, "json-log-1");
            assertEquals("swapgate.requests", line.get("loggerName").asText());
            assertEquals("demo", line.at("/mdc/tenant").asText());
            assertEquals("demo/logged@" + version, line.at("/mdc/adapters").asText());
            assertTrue(line.get("message").asText().startsWith("finished: LENGTH, "), line.toString());
            for (String text : gateway.output().split("\n")) {
                // Every line the gateway logs is one JSON object. The JVM's own notice that an incubator module is in
                // use (the vector API, ADR 0005) comes from the launcher before any logging, and is not one of them.
                if (!text.isBlank() && !text.equals(JVM_INCUBATOR_NOTICE)) {
                    JSON.readTree(text);
                }
            }
        }
    }

    /** The request's log line, once the gateway has written it (it is written as the request ends). */
    private static JsonNode awaitLine(GatewayProcess gateway, String requestId) throws Exception {
        String quoted = "\"" + requestId + "\"";
        // On a timeout the matcher shows the whole output.
        String output = await("a log line for " + requestId)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(gateway::output, containsString(quoted));
        JsonNode line = JSON.readTree(
                output.lines().filter(l -> l.contains(quoted)).findFirst().orElseThrow());
        assertEquals(requestId, line.at("/mdc/requestId").asText());
        return line;
    }
}

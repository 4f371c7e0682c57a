package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A Node.js client built from the .proto file alone (@grpc/proto-loader) talks to the Java gateway. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NodeClientInteropIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayProcess gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = GatewayProcess.start("node-interop", E2e.stories260K());
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void nodeClientGetsTheReferenceCompletionFromGenerateAndGenerateStream() throws Exception {
        Path nodeDir = E2e.repoRoot().resolve("src-test/node");
        E2e.installNodeModules(nodeDir);

        E2e.CommandResult result = E2e.run(
                List.of("node", "client.js", Integer.toString(gateway.port()), E2e.PROMPT, "40"),
                nodeDir,
                Map.of("SWAPGATE_API_KEY", GatewayProcess.DEMO_KEY),
                Duration.ofSeconds(90),
                "node-client");
        assertEquals(0, result.exitCode(), result::describe);
        List<String> lines =
                result.stdout().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(1, lines.size(), () -> "expected one JSON line\n" + result.describe());
        JsonNode json = JSON.readTree(lines.get(0));

        String unary = text(json, "unary");
        String stream = text(json, "stream");
        assertEquals(unary, stream, "Node client: Generate text vs concatenated GenerateStream text");
        E2e.assertReferencePrefix(unary, "Node client's Generate text");
        assertEquals("FINISH_REASON_LENGTH", text(json, "finish"), "Generate finish reason");
        assertEquals("FINISH_REASON_LENGTH", text(json, "streamFinish"), "finish reason of the last stream message");

        // The same request from grpc-java over the network must give the same text as from Node.
        GenerateResponse java = InferenceGrpc.newBlockingStub(gateway.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(E2e.greedy(E2e.PROMPT, 40));
        assertEquals(java.getText(), unary, "Java client's text vs Node client's text");
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        assertTrue(node != null && node.isTextual(), () -> "field '" + field + "' missing or not a string in " + json);
        return node.asText();
    }
}

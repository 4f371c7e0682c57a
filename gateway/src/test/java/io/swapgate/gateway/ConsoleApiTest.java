package io.swapgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.UploadManifest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's HTTP API over a real connection: gRPC methods called with JSON, streams as Server-Sent Events, the
 * same authentication, scoping and error codes as gRPC, and monitor samples that show a tenant only its own adapters.
 */
@QuarkusTest
class ConsoleApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = Long.toString(System.nanoTime(), 36);
    // HTTP/1.1: a connection that brings a refused key is closed once answered, an HTTP/2 one with a GOAWAY that
    // JDK 17's client does not retry a request across (see StrangerConnections).
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TestHTTPResource("/")
    URL base;

    private ManagedChannel admin;

    @BeforeEach
    void connect() {
        admin = TestGateway.channel(base, TestGateway.ADMIN_KEY);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private HttpRequest request(String method, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "console/api/" + method))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return request.build();
    }

    private HttpResponse<String> call(String method, String key, String body) throws Exception {
        return http.send(request(method, key, body), HttpResponse.BodyHandlers.ofString());
    }

    /** The first {@code count} messages of a stream, then the connection is closed (as a browser leaving the page). */
    private List<JsonNode> firstEvents(String method, String key, String body, int count) throws Exception {
        HttpResponse<Stream<String>> response =
                http.send(request(method, key, body), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> messages = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (messages.size() < count && it.hasNext()) {
                String line = it.next();
                if (line.startsWith("data: ")) {
                    messages.add(JSON.readTree(line.substring(6)));
                }
            }
        }
        return messages;
    }

    private static void assertError(HttpResponse<String> response, int httpStatus, String code, String message)
            throws Exception {
        assertEquals(httpStatus, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(code, body.get("code").asText(), response.body());
        assertTrue(body.get("message").asText().contains(message), response.body());
    }

    @Test
    void callsNeedAKeyAWellFormedBodyAndAKnownMethod() throws Exception {
        assertError(call("Tenants/WhoAmI", null, "{}"), 401, "UNAUTHENTICATED", "missing API key");
        assertError(call("Tenants/WhoAmI", "not-a-key", "{}"), 401, "UNAUTHENTICATED", "");
        JsonNode me =
                JSON.readTree(call("Tenants/WhoAmI", TestGateway.DEMO_KEY, "").body());
        assertEquals("demo", me.get("tenant").asText());
        assertError(call("Adapters/Get", TestGateway.DEMO_KEY, "{\"nam\":\"demo/x\"}"), 400, "INVALID_ARGUMENT", "nam");
        assertError(
                call("Adapters/Get", TestGateway.DEMO_KEY, "{\"name\":"), 400, "INVALID_ARGUMENT", "GetAdapterRequest");
        assertError(call("Adapters/Upload", TestGateway.DEMO_KEY, "{}"), 501, "UNIMPLEMENTED", "Adapters/Upload");
        assertError(call("Tenants/ListUsage", TestGateway.DEMO_KEY, "{}"), 403, "PERMISSION_DENIED", "admin");
        assertError(
                call("Adapters/Get", TestGateway.DEMO_KEY, "{\"name\":\"demo/never-published\"}"),
                404,
                "NOT_FOUND",
                "never-published");
    }

    @Test
    void thePageLoadsOnlyItsOwnFiles() throws Exception {
        HttpResponse<String> bare = http.send(
                HttpRequest.newBuilder(URI.create(base + "console")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, bare.statusCode());
        assertEquals("/console/", bare.headers().firstValue("Location").orElse(""));
        HttpResponse<String> page = http.send(
                HttpRequest.newBuilder(URI.create(base + "console/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script type=\"module\" src=\"js/main.js\">"), page.body());
        String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(
                policy.contains("default-src 'none'")
                        && policy.contains("script-src 'self'")
                        && policy.contains("frame-ancestors 'none'"),
                policy);
    }

    @Test
    void aStreamedCompletionIsWhatGrpcGives() throws Exception {
        String prompt = "Once upon a time";
        String greedy = InferenceGrpc.newBlockingStub(admin)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder()
                        .setPrompt(prompt)
                        .setMaxNewTokens(20)
                        .setSampling(SamplingParams.newBuilder().setTemperature(0))
                        .build())
                .getText();
        HttpResponse<String> response = call(
                "Inference/GenerateStream",
                TestGateway.DEMO_KEY,
                "{\"prompt\":\"" + prompt + "\",\"maxNewTokens\":20,\"sampling\":{\"temperature\":0}}");
        assertEquals(200, response.statusCode(), response.body());
        StringBuilder text = new StringBuilder();
        JsonNode last = null;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data: {\"")) {
                last = JSON.readTree(line.substring(6));
                text.append(last.get("text").asText());
            }
        }
        assertEquals(greedy, text.toString());
        assertEquals("FINISH_REASON_LENGTH", last.get("finishReason").asText());
        assertEquals(20, last.at("/usage/completionTokens").asInt());
        assertTrue(response.body().endsWith("event: end\ndata: {}\n\n"), response.body());

        // Refused by the method's own checks: a plain error. Refused while resolving adapters (on a worker, so the
        // stream may have opened by then): either a plain error or an error event, with the same status.
        assertError(
                call("Inference/GenerateStream", TestGateway.DEMO_KEY, "{\"prompt\":\"x\",\"maxNewTokens\":0}"),
                400,
                "INVALID_ARGUMENT",
                "max_new_tokens");
        HttpResponse<String> unknown = call(
                "Inference/GenerateStream",
                TestGateway.DEMO_KEY,
                "{\"prompt\":\"x\",\"maxNewTokens\":4,\"adapters\":[\"demo/never-published\"]}");
        assertTrue(
                unknown.statusCode() == 404
                        ? unknown.body().contains("\"code\":\"NOT_FOUND\"")
                        : unknown.body().contains("event: error\ndata: {\"code\":\"NOT_FOUND\""),
                unknown.statusCode() + " " + unknown.body());
    }

    @Test
    void aTenantSeesOnlyItsOwnAdaptersAndSamples() throws Exception {
        TestAdapterFiles files = new TestAdapterFiles(41);
        String mine = "demo/console-" + RUN;
        String theirs = "other/console-" + RUN;
        for (String name : List.of(mine, theirs)) {
            TestAdapterFiles.upload(
                    admin,
                    files.write(files.random.lora(name, 4, 8f, false, 0, EnumSet.allOf(LoraModule.class))),
                    UploadManifest.newBuilder()
                            .setName(name)
                            .setPromote("stable")
                            .setWarm(true));
        }

        String listed = call("Adapters/List", TestGateway.DEMO_KEY, "{}").body();
        assertTrue(listed.contains(mine), listed);
        assertFalse(listed.contains(theirs), listed);
        assertError(
                call("Adapters/Get", TestGateway.DEMO_KEY, "{\"name\":\"" + theirs + "\"}"),
                403,
                "PERMISSION_DENIED",
                "other");
        assertError(
                call(
                        "Adapters/Promote",
                        TestGateway.DEMO_KEY,
                        "{\"name\":\"" + theirs + "\",\"alias\":\"x\",\"version\":\"latest\"}"),
                403,
                "PERMISSION_DENIED",
                "other");
        // A stream refused by the method's own checks is a plain error, not an event stream.
        assertError(
                call("Monitor/Watch", TestGateway.DEMO_KEY, "{\"tenant\":\"other\"}"),
                403,
                "PERMISSION_DENIED",
                "other");
        assertError(
                call("Monitor/Watch", TestGateway.DEMO_KEY, "{\"intervalMs\":5}"),
                400,
                "INVALID_ARGUMENT",
                "interval_ms");

        // Both adapters were warmed into the host cache: each tenant's samples list its own, an admin's both.
        JsonNode demo =
                firstEvents("Monitor/Watch", TestGateway.DEMO_KEY, "{}", 1).get(0);
        JsonNode other =
                firstEvents("Monitor/Watch", TestGateway.OTHER_KEY, "{}", 1).get(0);
        JsonNode everyone = firstEvents("Monitor/Watch", TestGateway.ADMIN_KEY, "{\"intervalMs\":200}", 2)
                .get(1);
        assertEquals("demo", demo.get("scope").asText());
        assertEquals("", everyone.get("scope").asText());
        assertTrue(residents(demo).contains(mine) && !residents(demo).contains(theirs), demo.toString());
        assertTrue(residents(other).contains(theirs) && !residents(other).contains(mine), other.toString());
        assertTrue(residents(everyone).containsAll(List.of(mine, theirs)), everyone.toString());
    }

    private static List<String> residents(JsonNode sample) {
        List<String> names = new ArrayList<>();
        sample.get("resident").forEach(r -> names.add(r.get("name").asText()));
        return names;
    }
}

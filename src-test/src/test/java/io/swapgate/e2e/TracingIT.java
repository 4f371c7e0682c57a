package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.KafkaRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With tracing on, a gRPC call and a Kafka request each join the caller's trace (W3C {@code traceparent} in the gRPC
 * metadata, in the Kafka record's headers) and the generation's span is a child of the entry point's span; the Kafka
 * answer's records carry the trace on. Spans are
 * read back from the gateway's log, where the {@code logging-otlp} exporter writes them as OTLP JSON.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TracingIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void grpcAndKafkaRequestsJoinTheCallersTraceDownToTheGeneration() throws Exception {
        Path dir = E2e.targetDir().resolve("tracing");
        E2e.deleteTree(dir);
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"))) {
            Map<String, String> properties = Map.of(
                    "swapgate.kafka.bootstrap-servers",
                    broker.bootstrapServers(),
                    "quarkus.otel.sdk.disabled",
                    "false",
                    "swapgate.tracing.log-spans",
                    "true",
                    "quarkus.otel.bsp.schedule.delay",
                    "100ms");
            try (GatewayProcess gateway =
                            GatewayProcess.start("tracing", E2e.stories260K(), dir.resolve("registry"), properties);
                    KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
                String grpcTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
                String grpcParent = "00f067aa0ba902b7";
                Metadata metadata = new Metadata();
                metadata.put(
                        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                        "00-" + grpcTrace + "-" + grpcParent + "-01");
                InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
                        .generate(E2e.greedy(E2e.PROMPT, 8));

                String kafkaTrace = "0af7651916cd43dd8448eb211c80319c";
                String kafkaParent = "b7ad6b7169203331";
                RecordHeaders headers = new RecordHeaders();
                headers.add("authorization", ("Bearer " + GatewayProcess.DEMO_KEY).getBytes(StandardCharsets.UTF_8));
                headers.add(
                        "traceparent",
                        ("00-" + kafkaTrace + "-" + kafkaParent + "-01").getBytes(StandardCharsets.UTF_8));
                KafkaRequest request = KafkaRequest.newBuilder()
                        .setRequestId("traced-1")
                        .setRequest(E2e.greedy(E2e.PROMPT, 8))
                        .build();
                producer.send(new ProducerRecord<>(
                                "swapgate.requests",
                                null,
                                "traced-1".getBytes(StandardCharsets.UTF_8),
                                request.toByteArray(),
                                headers))
                        .get();

                // gRPC: server span under the caller's span, the generation under the server span.
                JsonNode generateOverGrpc = awaitSpan(gateway.log(), grpcTrace, "swapgate.generate");
                // The server span ends after the generation's, so it may be exported a batch later.
                JsonNode server = awaitSpanWithId(
                        gateway.log(),
                        grpcTrace,
                        generateOverGrpc.path("parentSpanId").asText());
                assertEquals(
                        grpcParent, server.path("parentSpanId").asText(), "the server span continues the caller's");
                assertEquals(2, server.path("kind").asInt(), "SERVER");
                assertTrue(attribute(generateOverGrpc, "swapgate.tenant").equals("demo"));

                // Kafka: consumer span under the producer's span, the generation under the consumer span.
                JsonNode generateOverKafka = awaitSpan(gateway.log(), kafkaTrace, "swapgate.generate");
                JsonNode consumer = awaitSpanWithId(
                        gateway.log(),
                        kafkaTrace,
                        generateOverKafka.path("parentSpanId").asText());
                assertEquals("swapgate.requests process", consumer.path("name").asText());
                assertEquals(kafkaParent, consumer.path("parentSpanId").asText());
                assertEquals(5, consumer.path("kind").asInt(), "CONSUMER");
                assertEquals("traced-1", attribute(generateOverKafka, "swapgate.request_id"));
                assertEquals("8", attribute(generateOverKafka, "gen_ai.usage.output_tokens"));
                // The answer carries the consumer span's context on, for whoever reads the responses.
                var answer = KafkaTestClients.readAll(broker.bootstrapServers(), "swapgate.responses.demo", 1)
                        .get(0);
                assertEquals(
                        "00-" + kafkaTrace + "-" + consumer.path("spanId").asText() + "-01",
                        KafkaTestClients.header(answer, "traceparent"));
            }
        }
    }

    /** Waits until the gateway's log holds a span of that trace and name. */
    private static JsonNode awaitSpan(Path log, String traceId, String name) {
        return awaitSpan(
                log, traceId, "a span " + name, s -> s.path("name").asText().equals(name));
    }

    private static JsonNode awaitSpanWithId(Path log, String traceId, String spanId) {
        return awaitSpan(
                log,
                traceId,
                "the span " + spanId,
                s -> s.path("spanId").asText().equals(spanId));
    }

    /** The first span of {@code traceId} that {@code matches}, once the exporter has written it. */
    private static JsonNode awaitSpan(Path log, String traceId, String what, Predicate<JsonNode> matches) {
        return await(what + " of trace " + traceId + " in " + log)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> spans(log).stream()
                                .filter(s -> s.path("traceId").asText().equals(traceId) && matches.test(s))
                                .findFirst(),
                        Optional::isPresent)
                .get();
    }

    /** Every span the logging-otlp exporter wrote: one OTLP JSON ResourceSpans object per line. */
    private static List<JsonNode> spans(Path log) throws Exception {
        List<JsonNode> spans = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            int start = line.indexOf("{\"resource\"");
            if (start < 0) {
                continue;
            }
            JsonNode resourceSpans = JSON.readTree(line.substring(start));
            for (JsonNode scope : resourceSpans.path("scopeSpans")) {
                scope.path("spans").forEach(spans::add);
            }
        }
        return spans;
    }

    private static String attribute(JsonNode span, String key) {
        for (JsonNode attribute : span.path("attributes")) {
            if (attribute.path("key").asText().equals(key)) {
                JsonNode value = attribute.path("value");
                return value.has("stringValue")
                        ? value.path("stringValue").asText()
                        : value.path("intValue").asText();
            }
        }
        throw new AssertionError("span " + span.path("name").asText() + " has no attribute " + key);
    }
}

package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.gateway.training.ExampleRules;
import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.Preference;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.ExampleStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Training examples from Kafka land in the per-adapter example store on disk, once each even when delivered twice or
 * when the gateway is SIGKILLed between batches; examples that are malformed, unauthenticated or for another tenant's
 * adapter, or too large, are dead-lettered with the reason.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaExampleIntakeIT {

    private static final AdapterName ADAPTER = AdapterName.parse("demo/storyteller");

    @Test
    void examplesAreStoredOnceAndBadOnesDeadLettered() throws Exception {
        Path dir = E2e.targetDir().resolve("kafka").resolve("intake");
        E2e.deleteTree(dir);
        Path registry = dir.resolve("registry");
        ExampleStore store = new ExampleStore(registry);
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"))) {
            Map<String, String> kafka = Map.of("swapgate.kafka.bootstrap-servers", broker.bootstrapServers());
            GatewayProcess gateway = GatewayProcess.start("intake", E2e.stories260K(), registry, kafka);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
                for (int i = 0; i < 40; i++) {
                    send(producer, example(i), GatewayProcess.DEMO_KEY);
                }
                for (int i = 0; i < 5; i++) { // delivered twice
                    send(producer, example(i), GatewayProcess.DEMO_KEY);
                }
                send(producer, example(99), null);
                send(
                        producer,
                        example(98).toBuilder().setAdapter("ops/not-yours").build(),
                        GatewayProcess.DEMO_KEY);
                var unused = producer.send(
                        new ProducerRecord<>("swapgate.training-examples", new byte[] {(byte) 0xff, 1, 2}));
                send(producer, example(97).toBuilder().clearCompletion().build(), GatewayProcess.DEMO_KEY);
                // Bigger than an example may be: refused before it is stored or tokenized on the training thread.
                send(
                        producer,
                        example(96).toBuilder().setPrompt("x".repeat(100_000)).build(),
                        GatewayProcess.DEMO_KEY);
                producer.flush();
                awaitStored(store, 40);

                gateway.kill(); // SIGKILL between batches: stored examples stay, the rest is read again
                for (int i = 40; i < 50; i++) {
                    send(producer, example(i), GatewayProcess.DEMO_KEY);
                }
                producer.flush();
            } finally {
                gateway.close();
            }
            try (GatewayProcess restarted = GatewayProcess.start("intake", E2e.stories260K(), registry, kafka)) {
                awaitStored(store, 50);
                List<ExampleStore.Example> stored = store.read(ADAPTER);
                assertEquals(50, stored.size());
                TrainingExample first = TrainingExample.parseFrom(stored.get(0).content());
                assertEquals("e0", first.getExampleId());
                assertEquals("completion 0", first.getCompletion());
                List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestClients.readDistinct(
                        broker.bootstrapServers(),
                        "swapgate.requests.dlq",
                        5,
                        // A batch cut by the SIGKILL before its commit is dead-lettered again: the same origin.
                        r -> KafkaTestClients.header(r, "swapgate.dlq.origin"));
                List<String> codes = dead.stream()
                        .map(r -> KafkaTestClients.header(r, "swapgate.dlq.code"))
                        .sorted()
                        .toList();
                assertEquals(
                        List.of(
                                "INVALID_ARGUMENT",
                                "INVALID_ARGUMENT",
                                "INVALID_ARGUMENT",
                                "PERMISSION_DENIED",
                                "UNAUTHENTICATED"),
                        codes);
                assertTrue(dead.stream()
                        .anyMatch(r -> KafkaTestClients.header(r, "swapgate.dlq.reason")
                                .contains("a completion, a preference or feedback")));
                assertTrue(dead.stream()
                        .anyMatch(r -> KafkaTestClients.header(r, "swapgate.dlq.reason")
                                .contains(Integer.toString(ExampleRules.MAX_TEXT_BYTES))));
            }
        }
    }

    private static TrainingExample example(int i) {
        TrainingExample.Builder example = TrainingExample.newBuilder()
                .setExampleId("e" + i)
                .setAdapter(ADAPTER.toString())
                .setPrompt("prompt " + i);
        return i % 10 == 9
                ? example.setPreference(
                                Preference.newBuilder().setChosen("good " + i).setRejected("bad " + i))
                        .build()
                : example.setCompletion("completion " + i).build();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, TrainingExample example, String key) {
        RecordHeaders headers = new RecordHeaders();
        if (key != null) {
            headers.add("authorization", ("Bearer " + key).getBytes(StandardCharsets.UTF_8));
        }
        var unused = producer.send(new ProducerRecord<>(
                "swapgate.training-examples",
                null,
                example.getAdapter().getBytes(StandardCharsets.UTF_8),
                example.toByteArray(),
                headers));
    }

    /** Polls the store on disk until it holds {@code count} distinct examples. */
    private static void awaitStored(ExampleStore store, int count) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    int stored = store.read(ADAPTER).size();
                    assertTrue(stored >= count, "only " + stored + " of " + count + " examples stored");
                });
    }
}

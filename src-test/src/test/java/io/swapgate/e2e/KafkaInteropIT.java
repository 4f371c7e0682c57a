package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Generation over Kafka against a real KRaft broker, driven by plain kafka-clients producers and consumers as a
 * pipeline would: every request answered exactly once as the reader sees it, with the same text as gRPC, even when
 * the gateway is SIGKILLed midway; bad records dead-lettered with the reason while the good ones go on.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KafkaInteropIT {

    private static final String[] PROMPTS = {
        "Once upon a time",
        "Lily and Ben",
        "The cat sat",
        "One day, a little boy",
        "Tom had a big red ball",
        "The sun was hot and",
        "There was a tall tree",
        "Mom said"
    };
    private static final int COMBINATIONS = 32;
    /** Requests per run: 300 in the build, 1,000 with {@code -Dreliability=full}; a crash comes after 30% are answered. */
    private static final int REQUESTS = Reliability.pick(300, 1000);

    private static final int BEFORE_CRASH = REQUESTS * 3 / 10;
    private static LocalKafkaBroker broker;
    private static final Map<Integer, String> GRPC = new HashMap<>();

    @BeforeAll
    static void startBroker() throws Exception {
        Path dir = E2e.targetDir().resolve("kafka").resolve("interop");
        E2e.deleteTree(dir);
        broker = LocalKafkaBroker.start(dir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static GatewayProcess startGateway(String name) throws Exception {
        return GatewayProcess.start(
                name,
                E2e.stories260K(),
                GatewayProcess.registryDir(name),
                Map.of(
                        "swapgate.kafka.bootstrap-servers",
                        broker.bootstrapServers(),
                        "swapgate.kafka.group-id",
                        name,
                        "swapgate.kafka.topics.requests",
                        name + ".requests",
                        "swapgate.kafka.topics.responses",
                        name + ".responses",
                        "swapgate.kafka.topics.dead-letters",
                        name + ".dlq",
                        "swapgate.tenancy.tenants.\"demo\".quotas.requests-per-second",
                        "2000"));
    }

    /** Request combination {@code c}: a prompt, a length, greedy or seeded sampling. */
    private static GenerateRequest combination(int c) {
        SamplingParams sampling = c % 2 == 0
                ? SamplingParams.newBuilder().setTemperature(0).build()
                : SamplingParams.newBuilder()
                        .setTemperature(0.8f)
                        .setSeed(1000 + c)
                        .build();
        return GenerateRequest.newBuilder()
                .setPrompt(PROMPTS[c % PROMPTS.length])
                .setMaxNewTokens(c % 4 < 2 ? 8 : 16)
                .setSampling(sampling)
                .build();
    }

    /** What gRPC answers for each combination: the Kafka answers must equal it. */
    private static void grpcReference(GatewayProcess gateway) {
        var stub = InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY));
        for (int c = 0; c < COMBINATIONS; c++) {
            if (!GRPC.containsKey(c)) {
                GRPC.put(
                        c,
                        stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                                .generate(combination(c))
                                .getText());
            }
        }
    }

    @Test
    void requestsFromFourProducersAreEachAnsweredOnceAsGrpcAnswers() throws Exception {
        try (GatewayProcess gateway = startGateway("kafka-interop")) {
            grpcReference(gateway);
            List<String> ids = produce("kafka-interop.requests", REQUESTS, 4);
            try (KafkaAnswers answers = new KafkaAnswers(broker.bootstrapServers(), "kafka-interop.responses.demo")) {
                answers.awaitFinals(ids, Duration.ofMinutes(3));
                assertAnsweredAsGrpc(answers, ids);
                for (String id : ids) {
                    assertEquals(
                            1, answers.finals(id), "request " + id + " was answered more than once without a crash");
                }
                assertEquals(0, gateway.metric("swapgate_kafka_requests_lag"), "every request read");
            }
        }
    }

    @Test
    void aGatewayKilledMidwayLosesNoRequest() throws Exception {
        GatewayProcess gateway = startGateway("kafka-crash");
        List<String> ids;
        try (KafkaAnswers answers = new KafkaAnswers(broker.bootstrapServers(), "kafka-crash.responses.demo")) {
            try {
                grpcReference(gateway);
                ids = produce("kafka-crash.requests", REQUESTS, 4);
                while (answers.answeredCount() < BEFORE_CRASH) {
                    answers.poll();
                }
                gateway.kill(); // SIGKILL: no drain, no commit
            } finally {
                gateway.close();
            }
            int beforeRestart = answers.answeredCount();
            try (GatewayProcess restarted = startGateway("kafka-crash")) {
                answers.awaitFinals(ids, Duration.ofMinutes(3));
                assertAnsweredAsGrpc(answers, ids);
                System.out.printf(
                        "gateway SIGKILLed after %d of %d answers; after the restart all answered, %d of them twice%n",
                        beforeRestart,
                        ids.size(),
                        ids.stream().filter(id -> answers.finals(id) > 1).count());
            }
        }
    }

    @Test
    void aBrokerKilledAndRestartedMidwayLosesNoRequest() throws Exception {
        try (GatewayProcess gateway = startGateway("kafka-broker-restart");
                KafkaAnswers answers =
                        new KafkaAnswers(broker.bootstrapServers(), "kafka-broker-restart.responses.demo")) {
            grpcReference(gateway);
            List<String> ids = produce("kafka-broker-restart.requests", REQUESTS, 4);
            while (answers.answeredCount() < BEFORE_CRASH) {
                answers.poll();
            }
            broker.kill(); // SIGKILL: unflushed log, clients cut off
            broker.restart();
            answers.awaitFinals(ids, Duration.ofMinutes(4));
            assertAnsweredAsGrpc(answers, ids);
            System.out.printf(
                    "broker SIGKILLed after %d of %d answers; after its restart all answered, %d of them twice%n",
                    BEFORE_CRASH,
                    ids.size(),
                    ids.stream().filter(id -> answers.finals(id) > 1).count());
        }
    }

    @Test
    void badRecordsAreDeadLetteredWithTheReasonAndTheGoodOnesAfterThemServed() throws Exception {
        try (GatewayProcess gateway = startGateway("kafka-poison");
                KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
            String topic = "kafka-poison.requests";
            Map<String, String> expectedCodes = new HashMap<>();
            send(producer, topic, null, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, true);
            expectedCodes.put("garbage", "INVALID_ARGUMENT");
            sendRequest(producer, topic, "good-1", combination(0), true);
            send(producer, topic, null, combination(1).toByteArray(), true); // a GenerateRequest, not a KafkaRequest
            expectedCodes.put("wrong message", "INVALID_ARGUMENT");
            sendRequest(producer, topic, "good-2", combination(2), true);
            sendRequest(
                    producer,
                    topic,
                    "huge",
                    combination(0).toBuilder()
                            .setPrompt("story ".repeat(150_000))
                            .build(),
                    true);
            expectedCodes.put("huge", "INVALID_ARGUMENT");
            sendRequest(
                    producer,
                    topic,
                    "unknown-adapter",
                    combination(0).toBuilder()
                            .addAdapters("demo/no-such-adapter")
                            .build(),
                    true);
            expectedCodes.put("unknown-adapter", "NOT_FOUND");
            sendRequest(
                    producer,
                    topic,
                    "no-key",
                    combination(0),
                    false); // dead-lettered only: there is no tenant to answer
            expectedCodes.put("no-key", "UNAUTHENTICATED");
            // Another tenant's reply topic (or one of the gateway's own): refused, answered on the tenant's own topic.
            send(
                    producer,
                    topic,
                    "foreign-reply",
                    KafkaRequest.newBuilder()
                            .setRequestId("foreign-reply")
                            .setRequest(combination(0))
                            .setReplyTopic("kafka-poison.dlq")
                            .build()
                            .toByteArray(),
                    true);
            expectedCodes.put("foreign-reply", "PERMISSION_DENIED");
            sendRequest(producer, topic, "good-3", combination(3), true);
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kafka-poison.responses.demo.orders", 1, (short) 1)))
                        .all()
                        .get(60, TimeUnit.SECONDS);
            }
            send(
                    producer,
                    topic,
                    "own-reply",
                    KafkaRequest.newBuilder()
                            .setRequestId("own-reply")
                            .setRequest(combination(0))
                            .setReplyTopic("kafka-poison.responses.demo.orders")
                            .build()
                            .toByteArray(),
                    true);
            producer.flush();

            List<ConsumerRecord<byte[], byte[]>> dead =
                    KafkaTestClients.readAll(broker.bootstrapServers(), "kafka-poison.dlq", expectedCodes.size());
            List<String> codes = dead.stream()
                    .map(r -> KafkaTestClients.header(r, "swapgate.dlq.code"))
                    .sorted()
                    .toList();
            assertEquals(expectedCodes.values().stream().sorted().toList(), codes);
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                assertTrue(
                        !KafkaTestClients.header(r, "swapgate.dlq.reason").isEmpty()
                                && KafkaTestClients.header(r, "swapgate.dlq.origin")
                                        .startsWith(topic),
                        "a dead letter says why and where from");
            }
            assertTrue(dead.stream()
                    .anyMatch(r -> KafkaTestClients.header(r, "swapgate.dlq.reason")
                            .contains("far longer than the model's context")));
            assertTrue(dead.stream()
                    .anyMatch(r ->
                            KafkaTestClients.header(r, "swapgate.dlq.reason").contains("demo/no-such-adapter")));
            grpcReference(gateway);
            try (KafkaAnswers answers = new KafkaAnswers(broker.bootstrapServers(), "kafka-poison.responses.demo")) {
                answers.awaitFinals(
                        List.of("good-1", "good-2", "good-3", "unknown-adapter", "huge", "foreign-reply"),
                        Duration.ofMinutes(1));
                assertEquals(
                        "PERMISSION_DENIED",
                        answers.last("foreign-reply").getError().getCode());
                assertEquals(GRPC.get(0), answers.text("good-1"));
                assertEquals(GRPC.get(3), answers.text("good-3"));
                assertEquals(
                        "NOT_FOUND", answers.last("unknown-adapter").getError().getCode());
            }
            try (KafkaAnswers own = new KafkaAnswers(broker.bootstrapServers(), "kafka-poison.responses.demo.orders")) {
                own.awaitFinals(List.of("own-reply"), Duration.ofMinutes(1));
                assertEquals(GRPC.get(0), own.text("own-reply"), "answered on the tenant's own reply topic");
            }
        }
    }

    private static void assertAnsweredAsGrpc(KafkaAnswers answers, List<String> ids) {
        for (String id : ids) {
            int c = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % COMBINATIONS;
            assertTrue(
                    answers.last(id).getFinal() && !answers.last(id).hasError(),
                    "request " + id + " failed: " + answers.last(id));
            assertEquals(GRPC.get(c), answers.text(id), "request " + id);
        }
    }

    /** {@code count} requests from {@code producers} producers in parallel; returns their ids. */
    private static List<String> produce(String topic, int count, int producers) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<CompletableFuture<List<String>>> sent = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producerIndex = p;
            sent.add(CompletableFuture.supplyAsync(() -> {
                List<String> ids = new ArrayList<>();
                try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
                    for (int i = producerIndex; i < count; i += producers) {
                        ids.add(sendRequest(producer, topic, run + "-" + i, combination(i % COMBINATIONS), true));
                    }
                }
                return ids;
            }));
        }
        List<String> ids = new ArrayList<>();
        for (CompletableFuture<List<String>> f : sent) {
            ids.addAll(f.get(2, TimeUnit.MINUTES));
        }
        return ids;
    }

    private static String sendRequest(
            KafkaProducer<byte[], byte[]> producer, String topic, String id, GenerateRequest request, boolean withKey) {
        send(
                producer,
                topic,
                id,
                KafkaRequest.newBuilder()
                        .setRequestId(id)
                        .setRequest(request)
                        .build()
                        .toByteArray(),
                withKey);
        return id;
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer, String topic, String id, byte[] value, boolean withKey) {
        RecordHeaders headers = new RecordHeaders();
        if (withKey) {
            headers.add("authorization", ("Bearer " + GatewayProcess.DEMO_KEY).getBytes(StandardCharsets.UTF_8));
        }
        var unused = producer.send(new ProducerRecord<>(
                topic, null, id == null ? null : id.getBytes(StandardCharsets.UTF_8), value, headers));
    }
}

package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.KafkaRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The gateway on a broker that takes nothing but mutual TLS, configured as the Kubernetes manifests configure it: a Kafka
 * client properties file whose passwords come from files through Kafka's directory config provider (as a mounted
 * Secret holds them), plus a {@code swapgate.kafka.client."<property>"} setting. Every client of the gateway gets them,
 * so it creates its topics, reads requests and writes answers over TLS with its own certificate, and a pipeline with its
 * own certificate gets the answer gRPC gives.
 */
class KafkaTlsIT {

    private static final String PASSWORD = "e2e-secret";

    @Test
    void theGatewayServesRequestsThroughABrokerThatTakesOnlyMutualTls() throws Exception {
        Path dir = E2e.emptyDir(E2e.targetDir().resolve("kafka").resolve("tls"));
        Path trust = dir.resolve("trust.p12");
        for (String party : List.of("broker", "gateway", "pipeline")) {
            keytool(
                    "-genkeypair",
                    "-alias",
                    party,
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + party,
                    "-ext",
                    "SAN=dns:localhost",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    dir.resolve(party + ".p12").toString());
            keytool(
                    "-exportcert",
                    "-alias",
                    party,
                    "-rfc",
                    "-file",
                    dir.resolve(party + ".pem").toString(),
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    dir.resolve(party + ".p12").toString());
            keytool(
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    party,
                    "-file",
                    dir.resolve(party + ".pem").toString(),
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    trust.toString());
        }
        try (LocalKafkaBroker broker = LocalKafkaBroker.startWithTls(
                dir.resolve("broker"), new LocalKafkaBroker.MutualTls(dir.resolve("broker.p12"), trust, PASSWORD))) {
            Map<String, String> properties = new HashMap<>(Map.of(
                    "swapgate.kafka.bootstrap-servers", broker.tlsBootstrapServers(),
                    "swapgate.kafka.topics.requests", "tls.requests",
                    "swapgate.kafka.topics.responses", "tls.responses",
                    "swapgate.kafka.topics.dead-letters", "tls.dlq"));
            Path secret = java.nio.file.Files.createDirectories(dir.resolve("gateway-secret"));
            java.nio.file.Files.writeString(secret.resolve("user.password"), PASSWORD);
            Properties client = tls(dir.resolve("gateway.p12"), trust);
            client.remove("security.protocol"); // given as swapgate.kafka.client."security.protocol" below
            for (String password : List.of("ssl.keystore.password", "ssl.key.password", "ssl.truststore.password")) {
                client.put(password, "${dir:" + secret + ":user.password}");
            }
            client.put("config.providers", "dir");
            client.put("config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
            Path clientFile = dir.resolve("gateway-client.properties");
            try (var out = java.nio.file.Files.newBufferedWriter(clientFile)) {
                client.store(out, "the gateway's Kafka client settings");
            }
            properties.put("swapgate.kafka.client-properties-file", clientFile.toString());
            properties.put("swapgate.kafka.client.\"security.protocol\"", "SSL");
            try (GatewayProcess gateway = GatewayProcess.start(
                            "kafka-tls", E2e.stories260K(), GatewayProcess.registryDir("kafka-tls"), properties);
                    KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(
                            broker.tlsBootstrapServers(), tls(dir.resolve("pipeline.p12"), trust));
                    KafkaAnswers answers = new KafkaAnswers(
                            broker.tlsBootstrapServers(),
                            "tls.responses.demo",
                            tls(dir.resolve("pipeline.p12"), trust))) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("authorization", ("Bearer " + GatewayProcess.DEMO_KEY).getBytes(StandardCharsets.UTF_8));
                KafkaRequest request = KafkaRequest.newBuilder()
                        .setRequestId("over-tls")
                        .setRequest(E2e.greedy(E2e.PROMPT, 12))
                        .build();
                producer.send(new ProducerRecord<>(
                                "tls.requests",
                                null,
                                "over-tls".getBytes(StandardCharsets.UTF_8),
                                request.toByteArray(),
                                headers))
                        .get(60, TimeUnit.SECONDS);
                answers.awaitFinals(List.of("over-tls"), Duration.ofMinutes(1));
                assertFalse(
                        answers.last("over-tls").hasError(),
                        () -> answers.last("over-tls").toString());
                String grpc = InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .generate(E2e.greedy(E2e.PROMPT, 12))
                        .getText();
                assertEquals(grpc, answers.text("over-tls"));
            }
        }
    }

    /** A client's TLS settings: its own certificate and the trusted ones, both PKCS12. */
    private static Properties tls(Path keyStore, Path trustStore) {
        Properties p = new Properties();
        p.put("security.protocol", "SSL");
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", keyStore.toString());
        p.put("ssl.keystore.password", PASSWORD);
        p.put("ssl.key.password", PASSWORD);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", PASSWORD);
        return p;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(
                List.of(E2e.javaExecutable().resolveSibling("keytool").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD));
        if (args[0].equals("-genkeypair")) {
            command.addAll(List.of("-keypass", PASSWORD));
        }
        E2e.CommandResult result = E2e.run(command, E2e.targetDir(), Map.of(), Duration.ofSeconds(60), "keytool");
        assertEquals(0, result.exitCode(), result::describe);
    }
}

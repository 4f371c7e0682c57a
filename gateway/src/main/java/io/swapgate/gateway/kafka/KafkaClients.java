package io.swapgate.gateway.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Every Kafka client the gateway makes, each with the brokers and the operator's client properties (TLS, SASL, mutual
 * TLS, timeouts), so a secured broker is reached the same way by the request bridge, the event relay, the example
 * intake and the admin client. The properties come from a Kafka client properties file
 * ({@code swapgate.kafka.client-properties-file}, read as Kafka reads one, so its config providers such as
 * {@code ${dir:/etc/secret:user.password}} work) and from {@code swapgate.kafka.client."<property>"}, which wins.
 */
final class KafkaClients {

    private final Map<String, Object> common = new HashMap<>();

    KafkaClients(String bootstrapServers, Optional<Path> propertiesFile, Map<String, String> clientProperties) {
        propertiesFile.ifPresent(file -> read(file).forEach((key, value) -> common.put((String) key, value)));
        common.putAll(clientProperties);
        common.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    private static Properties read(Path file) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Kafka client properties " + file, e);
        }
        return properties;
    }

    Admin admin() {
        return Admin.create(new HashMap<>(common));
    }

    /** Waits for every write to reach all in-sync replicas, and writes each record once per try (idempotence). */
    KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = new HashMap<>(common);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(config);
    }

    /** A consumer in a group the replicas share, committing by hand, starting at the beginning the first time. */
    KafkaConsumer<byte[], byte[]> groupConsumer(String groupId, Duration sessionTimeout) {
        Map<String, Object> config = consumerConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        return new KafkaConsumer<>(config);
    }

    /** A consumer in no group: it assigns itself partitions (each replica follows a whole topic). */
    KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(consumerConfig());
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(common);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }
}

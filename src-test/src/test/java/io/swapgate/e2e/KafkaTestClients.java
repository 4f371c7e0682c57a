package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain kafka-clients producers and readers, as a pipeline would use them against the gateway. */
final class KafkaTestClients {

    private KafkaTestClients() {}

    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return producer(bootstrapServers, new Properties());
    }

    /** @param security client properties for a secured broker (TLS, SASL) */
    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers, Properties security) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000);
        return new KafkaProducer<>(p);
    }

    /** A consumer in a group of its own that reads a topic from its beginning. */
    static KafkaConsumer<byte[], byte[]> reader(String bootstrapServers, String topic) {
        return reader(bootstrapServers, topic, new Properties());
    }

    /** @param security client properties for a secured broker (TLS, SASL) */
    static KafkaConsumer<byte[], byte[]> reader(String bootstrapServers, String topic, Properties security) {
        KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, "earliest", security);
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** A consumer in a group of its own that reads what arrives on a topic from now on. */
    static KafkaConsumer<byte[], byte[]> follower(String bootstrapServers, String topic) {
        return subscribed(bootstrapServers, topic, "latest");
    }

    /** A consumer in a group of its own that reads what arrives on every topic matching {@code topics} from now on. */
    static KafkaConsumer<byte[], byte[]> follower(String bootstrapServers, java.util.regex.Pattern topics) {
        KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, "latest", new Properties());
        consumer.subscribe(topics);
        return consumer;
    }

    private static KafkaConsumer<byte[], byte[]> subscribed(String bootstrapServers, String topic, String offsetReset) {
        KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, offsetReset, new Properties());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(
            String bootstrapServers, String offsetReset, Properties security) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, offsetReset);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Reads a topic from its beginning until {@code expected} records arrived (fails after 90 s). */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrapServers, String topic, int expected) {
        return readDistinct(bootstrapServers, topic, expected, r -> r.topic() + "/" + r.partition() + "@" + r.offset());
    }

    /**
     * Reads a topic from its beginning until {@code expected} distinct records arrived, two records being the same
     * when {@code identity} says so (at-least-once writers may write one twice); returns the first of each.
     */
    static List<ConsumerRecord<byte[], byte[]>> readDistinct(
            String bootstrapServers,
            String topic,
            int expected,
            java.util.function.Function<ConsumerRecord<byte[], byte[]>, String> identity) {
        java.util.Map<String, ConsumerRecord<byte[], byte[]>> records = new java.util.LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = reader(bootstrapServers, topic)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (records.size() < expected) {
                assertTrue(
                        System.nanoTime() < deadline,
                        "only " + records.size() + " of " + expected + " records on " + topic);
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.putIfAbsent(identity.apply(r), r));
            }
        }
        return new ArrayList<>(records.values());
    }

    /** Reads a topic from its beginning until a record matches (fails after 90 s); returns that record. */
    static ConsumerRecord<byte[], byte[]> first(
            String bootstrapServers,
            String topic,
            java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> matching) {
        try (KafkaConsumer<byte[], byte[]> consumer = reader(bootstrapServers, topic)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                assertTrue(System.nanoTime() < deadline, "no matching record on " + topic);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (matching.test(record)) {
                        return record;
                    }
                }
            }
        }
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}

package io.swapgate.e2e;

import io.swapgate.proto.v1.KafkaResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What a reader of a reply topic sees, deduplicated the way the Kafka contract says to: per request id, the records
 * by sequence number (a record written twice, by a request run again after a crash, counts once), and the first
 * final record. Reads from the beginning of the topic with its own consumer group.
 */
final class KafkaAnswers implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, TreeMap<Long, KafkaResponse>> byRequest = new HashMap<>();
    private final Map<String, Integer> finals = new HashMap<>();

    KafkaAnswers(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, new java.util.Properties());
    }

    /** @param security client properties for a secured broker (TLS, SASL) */
    KafkaAnswers(String bootstrapServers, String topic, java.util.Properties security) {
        this.consumer = KafkaTestClients.reader(bootstrapServers, topic, security);
    }

    /** Reads until every id in {@code ids} has a final record, or fails after {@code timeout}. */
    void awaitFinals(Collection<String> ids, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ids.stream().allMatch(this::answered)) {
            if (System.nanoTime() > deadline) {
                List<String> missing =
                        ids.stream().filter(id -> !answered(id)).limit(10).toList();
                throw new AssertionError(
                        ids.stream().filter(id -> !answered(id)).count() + " requests unanswered after " + timeout
                                + ", e.g. " + missing);
            }
            poll();
        }
    }

    void poll() throws Exception {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            KafkaResponse response = KafkaResponse.parseFrom(record.value());
            byRequest
                    .computeIfAbsent(response.getRequestId(), id -> new TreeMap<>())
                    .putIfAbsent(response.getSequence(), response);
            if (response.getFinal()) {
                finals.merge(response.getRequestId(), 1, Integer::sum);
            }
        }
    }

    int answeredCount() {
        return finals.size();
    }

    boolean answered(String id) {
        return finals.containsKey(id);
    }

    /** How many final records arrived for the request (more than one only when it was run again after a crash). */
    int finals(String id) {
        return finals.getOrDefault(id, 0);
    }

    /** The request's records in sequence order, each sequence once. */
    List<KafkaResponse> records(String id) {
        return new ArrayList<>(byRequest.getOrDefault(id, new TreeMap<>()).values());
    }

    /** The concatenated text of the request's answer. */
    String text(String id) {
        StringBuilder text = new StringBuilder();
        records(id).forEach(r -> text.append(r.getChunk().getText()));
        return text.toString();
    }

    /** The final record. */
    KafkaResponse last(String id) {
        List<KafkaResponse> records = records(id);
        return records.get(records.size() - 1);
    }

    @Override
    public void close() {
        consumer.close();
    }
}

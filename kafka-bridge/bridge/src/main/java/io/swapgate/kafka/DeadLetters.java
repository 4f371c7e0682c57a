package io.swapgate.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Copies records that cannot be served to the dead-letter topic with why in headers: key and value unchanged, and
 * every header but the credentials ({@code authorization}), which must never outlive the record they came on.
 */
final class DeadLetters {

    static final String REASON = "swapgate.dlq.reason";
    static final String CODE = "swapgate.dlq.code";
    static final String ORIGIN = "swapgate.dlq.origin";
    static final String TENANT = "swapgate.dlq.tenant";

    private final Producer<byte[], byte[]> producer;
    private final String topic;

    DeadLetters(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /**
     * Completes once the broker has the copy.
     *
     * @param tenant the tenant the record's key authenticated, or null when it authenticated none
     */
    CompletableFuture<Void> send(ConsumerRecord<byte[], byte[]> record, String tenant, String code, String reason) {
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!header.key().equalsIgnoreCase(KafkaAuthorization.HEADER)) {
                headers.add(header);
            }
        }
        if (tenant != null) {
            headers.add(TENANT, tenant.getBytes(StandardCharsets.UTF_8));
        }
        headers.add(CODE, code.getBytes(StandardCharsets.UTF_8));
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(
                ORIGIN,
                (record.topic() + "/" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Void> written = new CompletableFuture<>();
        var unused = producer.send(
                new ProducerRecord<>(topic, null, record.key(), record.value(), headers), (metadata, error) -> {
                    if (error != null) {
                        written.completeExceptionally(error);
                    } else {
                        written.complete(null);
                    }
                });
        return written;
    }
}

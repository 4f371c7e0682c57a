package io.swapgate.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Copies requests that cannot be served to the dead-letter topic, unchanged, with why in headers. */
final class DeadLetters {

    static final String REASON = "swapgate.dlq.reason";
    static final String CODE = "swapgate.dlq.code";
    static final String ORIGIN = "swapgate.dlq.origin";

    private final Producer<byte[], byte[]> producer;
    private final String topic;

    DeadLetters(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** Completes once the broker has the copy. */
    CompletableFuture<Void> send(ConsumerRecord<byte[], byte[]> record, String code, String reason) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(CODE, code.getBytes(StandardCharsets.UTF_8));
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(ORIGIN, (record.topic() + "/" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Void> written = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers), (metadata, error) -> {
            if (error != null) {
                written.completeExceptionally(error);
            } else {
                written.complete(null);
            }
        });
        return written;
    }
}

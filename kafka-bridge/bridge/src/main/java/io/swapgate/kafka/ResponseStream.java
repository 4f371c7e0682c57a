package io.swapgate.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One request's answer on its reply topic: records keyed by the request id (so they stay in order on one partition),
 * each encoded by the caller with its sequence number 0, 1, 2, ...; the last one is written by {@link #end}.
 * {@link #answered} completes once the broker has acknowledged the last record, or fails if any could not be written.
 * Headers added before the first record (a trace context) go on every record.
 */
public final class ResponseStream {

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String requestId;
    private final CompletableFuture<Void> answered = new CompletableFuture<>();
    private final Headers headers = new RecordHeaders();
    private boolean ended;
    private long sequence;

    ResponseStream(Producer<byte[], byte[]> producer, String topic, String requestId) {
        this.producer = producer;
        this.topic = topic;
        this.requestId = requestId;
    }

    public String requestId() {
        return requestId;
    }

    /** Adds a header to every record of the answer; only before the first record is written. */
    public synchronized void header(String key, String value) {
        if (sequence > 0) {
            throw new IllegalStateException("answer " + requestId + " has begun: its headers are fixed");
        }
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a record that is not the last; {@code encode} turns its sequence number into the record's value. */
    public synchronized void send(LongFunction<byte[]> encode) {
        if (!ended) {
            write(encode.apply(sequence++), false);
        }
    }

    /** Writes the last record (once; later calls are ignored). */
    public synchronized void end(LongFunction<byte[]> encode) {
        if (!ended) {
            ended = true;
            write(encode.apply(sequence++), true);
        }
    }

    CompletableFuture<Void> answered() {
        return answered;
    }

    private void write(byte[] value, boolean last) {
        var unused = producer.send(
                new ProducerRecord<>(topic, null, requestId.getBytes(StandardCharsets.UTF_8), value, headers),
                (metadata, error) -> {
                    if (error != null) {
                        answered.completeExceptionally(error);
                    } else if (last) {
                        answered.complete(null);
                    }
                });
    }
}

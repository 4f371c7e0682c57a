package io.swapgate.gateway.cli;

import io.grpc.Status;
import io.swapgate.kafka.KafkaAuthorization;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.KafkaResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code swapgate generate --kafka}: one request sent the way a pipeline sends it (a {@code KafkaRequest} on the
 * requests topic, the API key in the {@code authorization} header), its answer read back from the tenant's responses
 * topic as a stream of the same messages gRPC streams. An error answer is thrown as the gRPC status it names.
 */
final class KafkaGenerateCall implements Iterator<GenerateStreamResponse>, AutoCloseable {

    static final String REQUESTS = "swapgate.requests";
    static final String RESPONSES = "swapgate.responses";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String responses;
    private final String id = UUID.randomUUID().toString();
    private final ArrayDeque<KafkaResponse> received = new ArrayDeque<>();
    private final long deadline;
    private boolean done;

    /** @param responses the topic the answer comes on: the key's tenant's own */
    KafkaGenerateCall(
            String bootstrapServers, String apiKey, String responses, GenerateRequest request, Duration timeout) {
        this.responses = responses;
        this.deadline = System.nanoTime() + timeout.toNanos();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        // Read from the end as it is now, so the answer, written after the request, cannot be missed.
        List<TopicPartition> partitions = consumer.partitionsFor(responses, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        RecordHeaders headers = new RecordHeaders();
        if (apiKey != null && !apiKey.isBlank()) {
            headers.add(KafkaAuthorization.HEADER, ("Bearer " + apiKey.strip()).getBytes(StandardCharsets.UTF_8));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            byte[] value = KafkaRequest.newBuilder()
                    .setRequestId(id)
                    .setRequest(request)
                    .build()
                    .toByteArray();
            producer.send(new ProducerRecord<>(REQUESTS, null, key, value, headers))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            consumer.close();
            throw new IllegalStateException(
                    "cannot send the request to Kafka at " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasNext() {
        while (!done && received.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw Status.DEADLINE_EXCEEDED
                        .withDescription("no answer on " + responses + " in time")
                        .asRuntimeException();
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.key() != null && id.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                    try {
                        received.add(KafkaResponse.parseFrom(record.value()));
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new IllegalStateException("an answer record is not a KafkaResponse", e);
                    }
                }
            }
        }
        return !received.isEmpty();
    }

    @Override
    public GenerateStreamResponse next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        KafkaResponse response = received.poll();
        done = response.getFinal();
        if (response.hasError()) {
            throw Status.fromCode(Status.Code.valueOf(response.getError().getCode()))
                    .withDescription(response.getError().getMessage())
                    .asRuntimeException();
        }
        return response.getChunk();
    }

    @Override
    public void close() {
        consumer.close();
    }
}

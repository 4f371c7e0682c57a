package io.swapgate.e2e;

import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.KafkaResponse;
import io.swapgate.proto.v1.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The gateway over Kafka: each request is a {@code KafkaRequest} on swapgate.requests; one reader follows every
 * tenant's responses topic, swapgate.responses.<tenant>, and hands each answer record to its request by id (a record seen twice counts once).
 */
final class KafkaTarget implements LoadGenerator.Target, AutoCloseable {

    private record Open(LoadGenerator.Observer observer, long[] lastSequence) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean running = true;

    KafkaTarget(String bootstrapServers) {
        this.producer = KafkaTestClients.producer(bootstrapServers);
        this.consumer = KafkaTestClients.follower(
                bootstrapServers, java.util.regex.Pattern.compile("swapgate\\.responses\\..+"));
        while (consumer.assignment().isEmpty()) { // answers to the first requests must not be missed
            consumer.poll(Duration.ofMillis(100));
        }
        this.reader = new Thread(this::read, "load-kafka-reader");
        reader.start();
    }

    @Override
    public void start(LoadGenerator.Request request, LoadGenerator.Observer observer) {
        String id = "load-" + request.index() + "-" + UUID.randomUUID();
        open.put(id, new Open(observer, new long[] {-1}));
        GenerateRequest generate = GenerateRequest.newBuilder()
                .setPrompt(request.prompt())
                .setMaxNewTokens(request.maxTokens())
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .addAllAdapters(request.adapters())
                .build();
        RecordHeaders headers = new RecordHeaders();
        headers.add("authorization", ("Bearer " + request.apiKey()).getBytes(StandardCharsets.UTF_8));
        var unused = producer.send(new ProducerRecord<>(
                "swapgate.requests",
                null,
                id.getBytes(StandardCharsets.UTF_8),
                KafkaRequest.newBuilder()
                        .setRequestId(id)
                        .setRequest(generate)
                        .build()
                        .toByteArray(),
                headers));
    }

    private void read() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    deliver(KafkaResponse.parseFrom(record.value()));
                }
            }
        } catch (WakeupException stopping) {
            // close() ends the loop
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("a record on swapgate.responses is not a KafkaResponse", e);
        } finally {
            consumer.close();
        }
    }

    private void deliver(KafkaResponse response) {
        Open request = open.get(response.getRequestId());
        if (request == null || response.getSequence() <= request.lastSequence()[0]) {
            return; // another run's answer, or a record delivered twice
        }
        request.lastSequence()[0] = response.getSequence();
        request.observer().piece(response.getChunk().getTokenIdsCount());
        if (response.getFinal()) {
            open.remove(response.getRequestId());
            request.observer()
                    .finished(
                            response.hasError()
                                    ? response.getError().getCode() + ": "
                                            + response.getError().getMessage()
                                    : null);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        reader.join();
        producer.close();
    }
}

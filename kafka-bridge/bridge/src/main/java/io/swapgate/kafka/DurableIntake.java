package io.swapgate.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves records from a topic into durable storage, at least once: each polled batch is handed to the {@link Sink},
 * which returns only when what it accepted is on disk; what it rejects goes to the dead-letter topic with the reason;
 * then, and only then, the offsets are committed. If storing fails, the batch is read again after a pause.
 */
public final class DurableIntake implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DurableIntake.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    /** Where records go. */
    public interface Sink {
        /**
         * Stores one partition's records durably and returns the ones it refuses (to be dead-lettered).
         *
         * @throws Exception when storage failed: nothing of the batch is committed, and it is read again
         */
        List<Rejection> store(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) throws Exception;
    }

    /** A record the sink refuses, with a gRPC status name and why. */
    public record Rejection(ConsumerRecord<byte[], byte[]> record, String code, String reason) {}

    private final Consumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final String topic;
    private final Sink sink;
    private final Thread thread;

    public DurableIntake(
            Consumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer,
            String topic,
            String deadLetterTopic,
            Sink sink) {
        this.consumer = consumer;
        this.deadLetters = new DeadLetters(producer, deadLetterTopic);
        this.topic = topic;
        this.sink = sink;
        this.thread = new Thread(this::run, "swapgate-intake-" + topic);
        thread.setDaemon(true);
    }

    public void start() {
        consumer.subscribe(List.of(topic));
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                for (TopicPartition partition : batch.partitions()) {
                    List<ConsumerRecord<byte[], byte[]>> records = batch.records(partition);
                    if (!storeAndCommit(partition, records)) {
                        consumer.seek(partition, records.get(0).offset());
                        TimeUnit.MILLISECONDS.sleep(RETRY_PAUSE.toMillis()); // storage is failing: do not spin
                    }
                }
            }
        } catch (WakeupException | InterruptedException closing) {
            // close() asked
        } catch (RuntimeException e) {
            LOG.error("the intake of {} failed; what was not committed is read again by the next consumer", topic, e);
        } finally {
            consumer.close();
        }
    }

    private boolean storeAndCommit(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
        try {
            List<CompletableFuture<Void>> copies = new ArrayList<>();
            for (Rejection rejected : sink.store(partition, records)) {
                LOG.warn(
                        "dead-lettering {}/{}@{}: {} {}",
                        partition.topic(),
                        partition.partition(),
                        rejected.record().offset(),
                        rejected.code(),
                        rejected.reason());
                copies.add(deadLetters.send(rejected.record(), null, rejected.code(), rejected.reason()));
            }
            CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        } catch (WakeupException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn(
                    "storing {} records of {} failed, reading them again: {}", records.size(), partition, e.toString());
            return false;
        }
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        next.put(
                partition, new OffsetAndMetadata(records.get(records.size() - 1).offset() + 1));
        consumer.commitSync(next);
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        consumer.wakeup();
        thread.join(30_000);
    }
}

package io.swapgate.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Kafka's own mocks, set up to drive the bridge's consumer loops without a broker, and to wait for them. */
final class MockKafka {

    private MockKafka() {}

    /**
     * Kafka's mock consumer, starting the given partitions at offset 0 (as a fresh group does on an empty topic), that
     * also remembers what was committed where a test can still read it once the consumer is closed.
     */
    static final class Consumer extends MockConsumer<byte[], byte[]> {

        private final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

        Consumer(TopicPartition... partitions) {
            super("earliest");
            for (TopicPartition partition : partitions) {
                updateBeginningOffsets(Map.of(partition, 0L));
            }
        }

        @Override
        public synchronized void commitAsync(
                Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback); // commitSync comes here too
            offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
        }

        /** The offset last committed for {@code partition}, or -1 when none was. */
        long committed(TopicPartition partition) {
            return commits.getOrDefault(partition, -1L);
        }
    }

    /**
     * Returns once the loop polling {@code consumer} has gone all the way round twice since this was called: once to
     * read and handle what came before (records added, answers ended), and once more to act on what that pass set off
     * (an answer the broker acknowledged at once is counted done on the pass after the one that wrote it). A poll task
     * runs on the loop's own thread at the start of a poll, one task per poll, so the third of three tasks runs only
     * after the loop has finished the two passes begun by the first two.
     */
    static void awaitLoopPasses(MockConsumer<?, ?> consumer) throws InterruptedException {
        CountDownLatch third = new CountDownLatch(1);
        consumer.schedulePollTask(() -> {});
        consumer.schedulePollTask(() -> {});
        consumer.schedulePollTask(third::countDown);
        assertTrue(third.await(10, TimeUnit.SECONDS), "the consumer loop stopped polling");
    }

    /** Runs {@code task} on the loop's thread at its next poll (what the consumer's own callbacks do there). */
    static void onLoopThread(MockConsumer<?, ?> consumer, Runnable task) throws InterruptedException {
        consumer.schedulePollTask(task);
        awaitLoopPasses(consumer);
    }

    static ConsumerRecord<byte[], byte[]> record(
            TopicPartition partition, long offset, String key, String value, Header... headers) {
        return new ConsumerRecord<>(
                partition.topic(),
                partition.partition(),
                offset,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                key == null ? null : bytes(key),
                value == null ? null : bytes(value),
                new RecordHeaders(headers),
                Optional.empty());
    }

    static Header header(String key, String value) {
        return new RecordHeader(key, bytes(value));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** A header's value, or null when the record has none of that key. */
    static String header(ProducerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : text(header.value());
    }

    static List<ProducerRecord<byte[], byte[]>> on(String topic, List<ProducerRecord<byte[], byte[]>> records) {
        return records.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /**
     * Kafka's mock producer that also hands each record sent to the test, so a test can wait for a send made on the
     * loop's thread instead of guessing when it happened.
     */
    static final class Producer extends MockProducer<byte[], byte[]> {

        final BlockingQueue<ProducerRecord<byte[], byte[]>> sent = new LinkedBlockingQueue<>();

        /** @param autoComplete whether the "broker" acknowledges each record at once; if not, the test does */
        Producer(boolean autoComplete) {
            super(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            Future<RecordMetadata> result = super.send(record, callback);
            sent.add(record);
            return result;
        }

        /** The next record sent, waiting for it. */
        ProducerRecord<byte[], byte[]> nextSent() throws InterruptedException {
            ProducerRecord<byte[], byte[]> record = sent.poll(10, TimeUnit.SECONDS);
            assertTrue(record != null, "nothing was sent");
            return record;
        }
    }
}

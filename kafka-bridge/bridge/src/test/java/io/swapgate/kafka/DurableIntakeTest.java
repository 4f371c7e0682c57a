package io.swapgate.kafka;

import static io.swapgate.kafka.MockKafka.awaitLoopPasses;
import static io.swapgate.kafka.MockKafka.header;
import static io.swapgate.kafka.MockKafka.record;
import static io.swapgate.kafka.MockKafka.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableIntakeTest {

    private static final String TOPIC = "swapgate.training-examples";
    private static final String DEAD_LETTERS = "swapgate.dead-letters";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @TempDir
    Path dir;

    private final MockKafka.Consumer consumer = new MockKafka.Consumer(P0, P1);
    private DurableIntake intake;

    /** Appends what it accepts to a file per partition, as the example store does; scripted to refuse or fail. */
    private final class Storage implements DurableIntake.Sink {
        final BlockingQueue<List<Long>> batches = new LinkedBlockingQueue<>();
        volatile Set<Long> refused = Set.of();
        volatile Set<Integer> brokenPartitions = Set.of();
        final AtomicInteger failuresLeft = new AtomicInteger();
        volatile CountDownLatch slowDisk;

        @Override
        public List<DurableIntake.Rejection> store(
                TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
            batches.add(records.stream().map(ConsumerRecord::offset).toList());
            if (slowDisk != null) {
                assertTrue(slowDisk.await(10, TimeUnit.SECONDS));
            }
            if (brokenPartitions.contains(partition.partition()) || failuresLeft.getAndDecrement() > 0) {
                throw new IOException("no space left on device");
            }
            List<DurableIntake.Rejection> rejections = new ArrayList<>();
            StringBuilder lines = new StringBuilder();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (refused.contains(r.offset())) {
                    rejections.add(
                            new DurableIntake.Rejection(r, "INVALID_ARGUMENT", "not an example: " + text(r.value())));
                } else {
                    lines.append(text(r.value())).append('\n');
                }
            }
            Files.writeString(
                    file(partition),
                    lines,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return rejections;
        }

        Path file(TopicPartition partition) {
            return dir.resolve("examples-" + partition.partition() + ".txt");
        }

        List<String> stored(TopicPartition partition) throws IOException {
            return Files.exists(file(partition)) ? Files.readAllLines(file(partition)) : List.of();
        }

        List<Long> nextBatch() throws InterruptedException {
            List<Long> batch = batches.poll(10, TimeUnit.SECONDS);
            assertNotNull(batch, "the sink was never called");
            return batch;
        }
    }

    private final Storage storage = new Storage();

    private void start(MockKafka.Producer producer) throws InterruptedException {
        intake = new DurableIntake(consumer, producer, TOPIC, DEAD_LETTERS, storage);
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0, P1)));
        intake.start();
        awaitLoopPasses(consumer);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (intake != null && !consumer.closed()) {
            intake.close();
        }
    }

    private void send(TopicPartition partition, long from, String... values) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            records.add(record(partition, from + i, "demo/a", values[i]));
        }
        deliver(records);
    }

    /** Hands the records to the consumer on its loop's thread as its poll starts, so that they come as one batch. */
    private void deliver(List<ConsumerRecord<byte[], byte[]>> records) {
        consumer.schedulePollTask(() -> records.forEach(consumer::addRecord));
    }

    @Test
    void offsetsAreCommittedOnlyOnceTheSinkHasStoredTheBatch() throws Exception {
        start(new MockKafka.Producer(true));
        storage.slowDisk = new CountDownLatch(1);
        send(P0, 0, "one", "two", "three");

        assertEquals(List.of(0L, 1L, 2L), storage.nextBatch(), "the partition's records as one batch, in order");
        assertEquals(-1, consumer.committed(P0), "nothing is committed while the batch is being stored");

        storage.slowDisk.countDown();
        awaitLoopPasses(consumer);
        assertEquals(3, consumer.committed(P0));
        assertEquals(List.of("one", "two", "three"), storage.stored(P0));
    }

    @Test
    void refusedRecordsAreDeadLetteredWithWhyAndWithoutTheirCredentials() throws Exception {
        MockKafka.Producer producer = new MockKafka.Producer(true);
        start(producer);
        storage.refused = Set.of(1L);
        deliver(List.of(
                record(P0, 0, "demo/a", "good"),
                record(
                        P0,
                        1,
                        "demo/a",
                        "garbage",
                        MockKafka.header("authorization", "Bearer sk-secret"),
                        MockKafka.header("Authorization", "Bearer sk-other"),
                        MockKafka.header("traceparent", "00-abc-def-01")),
                record(P0, 2, "demo/a", "also good")));
        awaitLoopPasses(consumer);

        assertEquals(3, consumer.committed(P0), "a refused record is answered by its dead letter: past it too");
        assertEquals(List.of("good", "also good"), storage.stored(P0));
        List<ProducerRecord<byte[], byte[]>> dead = MockKafka.on(DEAD_LETTERS, producer.history());
        assertEquals(1, dead.size(), producer.history().toString());
        ProducerRecord<byte[], byte[]> letter = dead.get(0);
        assertEquals("demo/a", text(letter.key()));
        assertEquals("garbage", text(letter.value()), "the record is copied unchanged");
        assertEquals("INVALID_ARGUMENT", header(letter, DeadLetters.CODE));
        assertEquals("not an example: garbage", header(letter, DeadLetters.REASON));
        assertEquals(TOPIC + "/0@1", header(letter, DeadLetters.ORIGIN));
        assertEquals("00-abc-def-01", header(letter, "traceparent"), "other headers travel with it");
        assertNull(header(letter, "authorization"), "an API key must not outlive its record");
        assertNull(header(letter, "Authorization"), "whatever the header's case");
        assertNull(header(letter, DeadLetters.TENANT), "the intake authenticates no one");
    }

    @Test
    void aBatchThatFailsToStoreIsNotCommittedAndIsReadAgainFromItsFirstRecord() throws Exception {
        start(new MockKafka.Producer(true));
        storage.failuresLeft.set(1);
        send(P0, 4, "four", "five");
        assertEquals(List.of(4L, 5L), storage.nextBatch());
        awaitLoopPasses(consumer); // after the pause that keeps a failing disk from being hammered

        assertEquals(-1, consumer.committed(P0));
        assertEquals(4, consumer.position(P0), "the consumer was sent back to the batch's first record");
        assertEquals(List.of(), storage.stored(P0));

        send(P0, 4, "four", "five"); // what the broker delivers again from there
        assertEquals(List.of(4L, 5L), storage.nextBatch());
        awaitLoopPasses(consumer);
        assertEquals(6, consumer.committed(P0));
        assertEquals(List.of("four", "five"), storage.stored(P0));
    }

    @Test
    void aDeadLetterTheBrokerDoesNotTakeFailsTheBatch() throws Exception {
        MockKafka.Producer producer = new MockKafka.Producer(false);
        start(producer);
        storage.refused = Set.of(0L);
        send(P0, 0, "garbage", "good");
        assertEquals(DEAD_LETTERS, producer.nextSent().topic());
        assertTrue(producer.errorNext(new TimeoutException("the broker is away")));
        awaitLoopPasses(consumer);

        assertEquals(-1, consumer.committed(P0), "committing would lose the refused record: it is nowhere else");
        assertEquals(0, consumer.position(P0));

        send(P0, 0, "garbage", "good");
        assertEquals(DEAD_LETTERS, producer.nextSent().topic());
        assertTrue(producer.completeNext());
        awaitLoopPasses(consumer);
        assertEquals(2, consumer.committed(P0));
        assertEquals(
                List.of("good", "good"),
                storage.stored(P0),
                "at least once: the sink sees a record again after a failure");
    }

    @Test
    void eachPartitionIsStoredAndCommittedOnItsOwn() throws Exception {
        start(new MockKafka.Producer(true));
        storage.brokenPartitions = Set.of(1);
        send(P0, 0, "a", "b");
        send(P1, 0, "c");
        awaitLoopPasses(consumer);

        assertEquals(2, consumer.committed(P0));
        assertEquals(-1, consumer.committed(P1), "partition 1's failure holds back only partition 1");
        assertEquals(List.of("a", "b"), storage.stored(P0));
    }

    @Test
    void closeEndsTheLoopAndClosesTheConsumer() throws Exception {
        start(new MockKafka.Producer(true));
        send(P0, 0, "x");
        awaitLoopPasses(consumer);
        assertEquals(1, consumer.committed(P0));
        intake.close();
        assertTrue(consumer.closed(), "the consumer leaves its group, so its partitions move on at once");
    }
}

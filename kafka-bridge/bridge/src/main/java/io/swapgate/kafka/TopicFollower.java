package io.swapgate.kafka;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of a topic from its beginning, then follows it, handing each record to a callback on its own
 * thread. Every replica follows on its own (no consumer group), so on a compacted topic a replica that starts late
 * first sees the latest record of every key.
 */
public final class TopicFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final BiConsumer<byte[], byte[]> onRecord;
    private final Thread thread;

    public TopicFollower(Consumer<byte[], byte[]> consumer, String topic, BiConsumer<byte[], byte[]> onRecord) {
        this.consumer = consumer;
        this.topic = topic;
        this.onRecord = onRecord;
        this.thread = new Thread(this::run, "swapgate-follow-" + topic);
        thread.setDaemon(true);
    }

    public void start() {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    try {
                        onRecord.accept(record.key(), record.value());
                    } catch (RuntimeException e) {
                        LOG.warn("a record of {} could not be applied: {}", topic, e.toString());
                    }
                }
            }
        } catch (WakeupException closing) {
            // close() asked
        } catch (RuntimeException e) {
            LOG.error("following {} failed", topic, e);
        } finally {
            consumer.close();
        }
    }

    @Override
    public void close() throws InterruptedException {
        consumer.wakeup();
        thread.join(10_000);
    }
}

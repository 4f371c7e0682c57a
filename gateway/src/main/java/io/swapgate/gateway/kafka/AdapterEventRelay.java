package io.swapgate.gateway.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.swapgate.gateway.messages.AdapterMessages;
import io.swapgate.gateway.serving.AdapterSwaps;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.kafka.TopicFollower;
import io.swapgate.proto.v1.AdapterEvent;
import io.swapgate.proto.v1.RegistryEvent;
import io.swapgate.registry.AdapterName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Keeps replicas that share a registry store coherent: every change made through this replica (publish, promote,
 * roll back, delete) goes to the compacted adapter-events topic keyed by adapter name, and every change another
 * replica made makes this one forget what it resolved for that adapter and, when an alias moved, load the version
 * into its host cache before requests ask for it. A replica that starts later reads the latest event of every adapter.
 */
final class AdapterEventRelay implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AdapterEventRelay.class);

    private final String origin = UUID.randomUUID().toString();
    private final ServedAdapters served;
    private final AutoCloseable subscription;
    private final AdapterSwaps swaps;
    private final Timer delay;
    private final TopicFollower follower;

    AdapterEventRelay(
            ServedAdapters served,
            AdapterSwaps swaps,
            MeterRegistry metrics,
            Producer<byte[], byte[]> producer,
            Consumer<byte[], byte[]> consumer,
            String topic) {
        this.served = served;
        this.swaps = swaps;
        this.delay = Timer.builder("swapgate.adapter.event.delay")
                .publishPercentileHistogram()
                .description("from a change on another replica to this replica applying it")
                .register(metrics);
        this.subscription = served.registry().subscribe(event -> {
            // A lost event leaves the other replicas on their cached resolution until it expires (resolution-ttl): log
            // it.
            var unused = producer.send(
                    new ProducerRecord<>(
                            topic,
                            event.name().getBytes(StandardCharsets.UTF_8),
                            AdapterEvent.newBuilder()
                                    .setEvent(AdapterMessages.event(event))
                                    .setOrigin(origin)
                                    .build()
                                    .toByteArray()),
                    (metadata, error) -> {
                        if (error != null) {
                            LOG.warnf(
                                    "could not publish the registry change of %s to %s: %s",
                                    event.name(), topic, error.getMessage());
                        }
                    });
        });
        this.follower = new TopicFollower(consumer, topic, (key, value) -> apply(value));
        follower.start();
    }

    private void apply(byte[] value) {
        AdapterEvent event;
        try {
            event = AdapterEvent.parseFrom(value == null ? new byte[0] : value);
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("ignoring a record on the adapter events topic that is not an AdapterEvent: %s", e.getMessage());
            return;
        }
        if (event.getOrigin().equals(origin)) {
            return;
        }
        RegistryEvent change = event.getEvent();
        AdapterName name = AdapterName.parse(change.getName());
        served.adapters().forget(name);
        recordDelay(change.getAt());
        switch (change.getType()) {
            case PROMOTED ->
                swaps.moved(
                        name, change.getAlias(), io.swapgate.registry.RegistryEvent.Type.PROMOTED, change.getVersion());
            case ROLLED_BACK ->
                swaps.moved(
                        name,
                        change.getAlias(),
                        io.swapgate.registry.RegistryEvent.Type.ROLLED_BACK,
                        change.getVersion());
            case DELETED -> served.adapters().deleted(name, change.getVersion());
            default -> {} // a publication moves no alias to a version to load
        }
    }

    /** Since the change was made (by the other replica's clock: a replayed old event is not a delay). */
    private void recordDelay(String at) {
        try {
            Duration since = Duration.between(Instant.parse(at), Instant.now());
            if (!since.isNegative() && since.compareTo(Duration.ofMinutes(1)) < 0) {
                delay.record(since);
            }
        } catch (java.time.format.DateTimeParseException e) {
            LOG.debugf("an adapter event without a valid time: %s", at);
        }
    }

    @Override
    public void close() throws Exception {
        subscription.close();
        follower.close();
    }
}

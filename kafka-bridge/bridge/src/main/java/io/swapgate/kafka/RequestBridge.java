package io.swapgate.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves generation requests from Kafka, at least once: one consumer thread reads requests, hands each to the
 * {@link GenerationHandler}, and commits a partition's offset only past records whose final answer (or dead letter)
 * the broker has acknowledged. A request is known by its tenant and its id, so tenants never share an id space: a
 * redelivered request whose answer this gateway already wrote, or is writing, is skipped; after a crash it is run again, and since it is deterministic (seeded by its id) it answers the same, so a
 * reader that keeps the first final answer per request id sees each exactly once.
 *
 * <p>Back-pressure: a request the gateway cannot take now waits and is retried while later records go on; a
 * partition whose held records reach {@code maxBuffered} is paused until they drain, so a slow engine slows
 * consumption instead of failing requests. Bad records never stop the loop: they are dead-lettered with the reason.
 */
public final class RequestBridge<R> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RequestBridge.class);
    /** An answer that could not be written (broker away) is generated again after this long. */
    private static final Duration REWRITE_BACKOFF = Duration.ofSeconds(1);

    private static final int REMEMBERED_ANSWERS = 100_000;

    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final KafkaTopics topics;
    private final GenerationHandler<R> handler;
    private final DeadLetters deadLetters;
    private final Limits limits;
    private final Map<TopicPartition, PartitionLedger> ledgers = new HashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private final Set<AnswerKey> running = new HashSet<>();
    private final Set<String> knownTopics = new HashSet<>();
    private final java.util.function.Consumer<String> tenantTopics;
    /** Requests answered recently, oldest first: a redelivery of one of them is skipped. */
    private final Map<AnswerKey, Boolean> answered = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AnswerKey, Boolean> eldest) {
            return size() > REMEMBERED_ANSWERS;
        }
    };

    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean admitting = true;
    private volatile boolean closing;
    private int inFlight;
    /** Requests being answered per tenant: no tenant may take more than its share of the bridge. */
    private final Map<String, Integer> inFlightByTenant = new HashMap<>();
    /** Records held waiting for their own tenant's quota, per tenant. */
    private final Map<String, Integer> waitingForQuota = new HashMap<>();
    /** Records not yet read on the partitions this replica holds, after the last poll. */
    private volatile long lag;

    /**
     * How much the bridge takes on at once.
     *
     * @param maxInFlight requests answered at once (past it, records wait in their ledgers)
     * @param maxInFlightPerTenant requests of one tenant answered at once: its later records wait while other tenants'
     *     go on, so one tenant's flood cannot take every slot
     * @param maxBuffered records not yet answered held per partition before it is paused
     * @param maxWaitingPerTenant records of one tenant held waiting for that tenant's own quota; past it, its records
     *     are refused (RESOURCE_EXHAUSTED) instead of held, so they never fill a partition other tenants share
     */
    public record Limits(int maxInFlight, int maxInFlightPerTenant, int maxBuffered, int maxWaitingPerTenant) {
        public Limits {
            if (maxInFlight <= 0 || maxInFlightPerTenant <= 0 || maxBuffered <= 0 || maxWaitingPerTenant <= 0) {
                throw new IllegalArgumentException("Kafka bridge limits must be positive: " + maxInFlight + ", "
                        + maxInFlightPerTenant + ", " + maxBuffered + ", " + maxWaitingPerTenant);
            }
        }
    }

    /** @param tenantTopics creates a tenant's responses topic if it does not exist yet (blocking) */
    public RequestBridge(
            Consumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer,
            KafkaTopics topics,
            GenerationHandler<R> handler,
            Limits limits,
            java.util.function.Consumer<String> tenantTopics) {
        this.consumer = consumer;
        this.producer = producer;
        this.topics = topics;
        this.handler = handler;
        this.deadLetters = new DeadLetters(producer, topics.deadLetters());
        this.limits = limits;
        this.tenantTopics = tenantTopics;
        this.thread = new Thread(this::run, "swapgate-kafka-requests");
        thread.setDaemon(true);
    }

    /** Requests on this replica's partitions not yet read (the consumer lag), as of the last poll. Any thread. */
    public long lag() {
        return lag;
    }

    public void start() {
        consumer.subscribe(List.of(topics.requests()), new Rebalance());
        thread.start();
    }

    private void run() {
        try {
            while (!closing || inFlight > 0) {
                long now = System.nanoTime();
                Duration wait = Duration.ofMillis(ledgers.values().stream().anyMatch(l -> l.size() > 0) ? 10 : 100);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
                    PartitionLedger ledger = ledgers.get(new TopicPartition(record.topic(), record.partition()));
                    if (ledger != null) {
                        ledger.add(record);
                    }
                }
                lag = ledgers.keySet().stream()
                        .mapToLong(p -> consumer.currentLag(p).orElse(0))
                        .sum();
                Runnable completion;
                while ((completion = completions.poll()) != null) {
                    completion.run();
                }
                if (admitting) {
                    dispatch(now);
                }
                applyBackPressure();
                commit(false);
            }
            commit(true);
        } catch (WakeupException closed) {
            commit(true);
        } catch (RuntimeException e) {
            LOG.error("the Kafka request loop failed; requests not yet answered will be redelivered", e);
        } finally {
            consumer.close();
            stopped.countDown();
        }
    }

    private void dispatch(long now) {
        for (PartitionLedger ledger : ledgers.values()) {
            for (PartitionLedger.Entry entry : ledger.due(now)) {
                if (inFlight >= limits.maxInFlight()) {
                    return;
                }
                try {
                    dispatch(entry, now);
                } catch (RuntimeException e) { // the broker failing to create a tenant's topic: not the record's fault
                    LOG.warn(
                            "record {}/{}@{} cannot be handled now, trying again in {}: {}",
                            entry.record.topic(),
                            entry.record.partition(),
                            entry.record.offset(),
                            REWRITE_BACKOFF,
                            e.toString());
                    entry.notBefore = now + REWRITE_BACKOFF.toNanos();
                }
            }
        }
    }

    private void dispatch(PartitionLedger.Entry entry, long now) {
        // The key first: a record that does not authenticate is dead-lettered and touches nothing else, so a stranger
        // can neither answer nor claim a request id, nor write anything on a topic a tenant reads.
        String authorization = KafkaAuthorization.of(entry.record);
        String tenant = handler.tenantOf(authorization);
        if (tenant == null) {
            deadLetter(
                    entry,
                    null,
                    null,
                    "UNAUTHENTICATED",
                    "the record carries no valid API key (header 'authorization: Bearer <key>')");
            return;
        }
        entry.tenant = tenant;
        if (inFlightByTenant.getOrDefault(tenant, 0) >= limits.maxInFlightPerTenant()) {
            return; // waits in its ledger until one of the tenant's own requests ends; other tenants' records go on
        }
        GenerationHandler.Envelope<R> envelope;
        try {
            envelope = handler.decode(entry.record.value() == null ? new byte[0] : entry.record.value());
        } catch (GenerationHandler.Refused refused) {
            deadLetter(
                    entry,
                    tenant,
                    refused.requestId() == null ? null : answerFor(tenant, refused.requestId()),
                    refused.code(),
                    refused.getMessage());
            return;
        }
        AnswerKey key = new AnswerKey(tenant, envelope.requestId());
        if (answered.containsKey(key) || running.contains(key)) {
            LOG.debug(
                    "request {} of {} redelivered while answered or being answered: skipped", key.requestId(), tenant);
            entry.done();
            return;
        }
        ResponseStream answer;
        if (envelope.replyTopic().isEmpty()) {
            answer = answerFor(tenant, key.requestId());
        } else if (!handler.mayReplyTo(envelope.replyTopic(), tenant)) {
            deadLetter(
                    entry,
                    tenant,
                    answerFor(tenant, key.requestId()),
                    "PERMISSION_DENIED",
                    "this key may not have answers written to '" + envelope.replyTopic() + "'");
            return;
        } else if (!exists(envelope.replyTopic())) {
            deadLetter(
                    entry,
                    tenant,
                    answerFor(tenant, key.requestId()),
                    "INVALID_ARGUMENT",
                    "reply topic '" + envelope.replyTopic() + "' does not exist");
            return;
        } else {
            answer = new ResponseStream(producer, envelope.replyTopic(), key.requestId());
        }
        try {
            handler.start(envelope, authorization, entry.record.headers(), answer);
        } catch (GenerationHandler.RetryLater later) {
            if (later.tenantLimit()
                    && !entry.waitsForQuota
                    && waitingForQuota.getOrDefault(tenant, 0) >= limits.maxWaitingPerTenant()) {
                deadLetter(
                        entry,
                        tenant,
                        answer,
                        "RESOURCE_EXHAUSTED",
                        "tenant '" + tenant + "' already has "
                                + limits.maxWaitingPerTenant() + " requests waiting for its quota here ("
                                + later.getMessage()
                                + "); this one is refused so that other tenants' requests keep moving: send more slowly");
                return;
            }
            waitForQuota(entry, later.tenantLimit());
            entry.notBefore = now + later.after().toNanos();
            return;
        } catch (GenerationHandler.Refused refused) {
            deadLetter(entry, tenant, answer, refused.code(), refused.getMessage());
            return;
        }
        track(entry, key, answer.answered());
    }

    /** Answers with the error when there is somewhere to answer, and copies the record to the dead-letter topic. */
    private void deadLetter(
            PartitionLedger.Entry entry, String tenant, ResponseStream answer, String code, String reason) {
        LOG.warn(
                "dead-lettering {}/{}@{}: {} {}",
                entry.record.topic(),
                entry.record.partition(),
                entry.record.offset(),
                code,
                reason);
        CompletableFuture<Void> copied = deadLetters.send(entry.record, tenant, code, reason);
        if (answer == null) {
            track(entry, null, copied);
            return;
        }
        answer.end(sequence -> handler.errorAnswer(answer.requestId(), sequence, code, reason));
        track(entry, new AnswerKey(tenant, answer.requestId()), CompletableFuture.allOf(copied, answer.answered()));
    }

    /** Holds the record as running until {@code written} completes, then marks it done (or due again on failure). */
    private void track(PartitionLedger.Entry entry, AnswerKey id, CompletableFuture<Void> written) {
        waitForQuota(entry, false);
        entry.state = PartitionLedger.State.RUNNING;
        inFlight++;
        if (id != null) {
            running.add(id);
            inFlightByTenant.merge(id.tenant(), 1, Integer::sum);
        }
        var unused = written.whenComplete((ok, error) -> completions.add(() -> {
            inFlight--;
            if (id != null) {
                running.remove(id);
                inFlightByTenant.computeIfPresent(id.tenant(), (tenant, count) -> count == 1 ? null : count - 1);
            }
            if (error == null) {
                entry.done();
                if (id != null) {
                    answered.put(id, Boolean.TRUE);
                }
            } else {
                LOG.warn(
                        "writing the answer to {} failed ({}); it runs again in {}",
                        id,
                        error.toString(),
                        REWRITE_BACKOFF);
                entry.state = PartitionLedger.State.WAITING;
                entry.notBefore = System.nanoTime() + REWRITE_BACKOFF.toNanos();
            }
        }));
    }

    /** Counts (or stops counting) a record among those waiting for its own tenant's quota. */
    private void waitForQuota(PartitionLedger.Entry entry, boolean waits) {
        if (entry.waitsForQuota != waits && entry.tenant != null) {
            entry.waitsForQuota = waits;
            waitingForQuota.merge(
                    entry.tenant, waits ? 1 : -1, (held, change) -> held + change == 0 ? null : held + change);
        }
    }

    /** An answer on the tenant's own responses topic, created the first time a tenant needs it. */
    private ResponseStream answerFor(String tenant, String requestId) {
        String topic = topics.responsesOf(tenant);
        if (!knownTopics.contains(topic)) {
            tenantTopics.accept(topic);
            knownTopics.add(topic);
        }
        return new ResponseStream(producer, topic, requestId);
    }

    private boolean exists(String topic) {
        if (knownTopics.contains(topic)) {
            return true;
        }
        boolean found = !consumer.partitionsFor(topic, Duration.ofSeconds(5)).isEmpty();
        if (found) {
            knownTopics.add(topic);
        }
        return found;
    }

    /** Pauses partitions holding {@code maxBuffered} records, resumes them once they drain to half. */
    private void applyBackPressure() {
        for (Map.Entry<TopicPartition, PartitionLedger> e : ledgers.entrySet()) {
            int held = e.getValue().pending();
            if (held >= limits.maxBuffered() && paused.add(e.getKey())) {
                consumer.pause(List.of(e.getKey()));
            } else if (held <= limits.maxBuffered() / 2 && paused.remove(e.getKey())) {
                consumer.resume(List.of(e.getKey()));
            }
        }
    }

    private void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        ledgers.forEach((partition, ledger) -> {
            long next = ledger.advance();
            if (next >= 0) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        });
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error != null) {
                    LOG.warn("committing offsets failed (they are committed again later): {}", error.toString());
                }
            });
        }
    }

    /**
     * Stops taking requests, lets those being answered finish for up to {@code grace}, commits, and closes the
     * consumer. Records not answered by then are redelivered to another replica (or this one, restarted).
     */
    public void close(Duration grace) throws InterruptedException {
        admitting = false;
        closing = true;
        if (!stopped.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            consumer.wakeup();
            stopped.await(10, TimeUnit.SECONDS);
        }
        producer.flush();
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(30));
    }

    /** On a rebalance, commits what is done in the partitions given up and starts fresh ledgers for new ones. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit(true);
            partitions.forEach(p -> {
                PartitionLedger gone = ledgers.remove(p);
                if (gone != null) {
                    gone.forEach(entry -> waitForQuota(entry, false));
                }
                paused.remove(p);
            });
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(p -> ledgers.put(p, new PartitionLedger()));
        }
    }

    /** A request as deduplicated: ids are the tenant's own, so only its tenant's records can match one. */
    private record AnswerKey(String tenant, String requestId) {
        @Override
        public String toString() {
            return "request " + requestId + " of " + tenant;
        }
    }
}

package io.swapgate.kafka;

import static io.swapgate.kafka.MockKafka.awaitLoopPasses;
import static io.swapgate.kafka.MockKafka.bytes;
import static io.swapgate.kafka.MockKafka.header;
import static io.swapgate.kafka.MockKafka.on;
import static io.swapgate.kafka.MockKafka.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge's consumer loop, driven through Kafka's MockConsumer and MockProducer. The gateway's side is a scripted
 * {@link GenerationHandler}: keys "Bearer key-TENANT" authenticate TENANT; a record's value is "ID" or "ID>REPLY-TOPIC".
 */
class RequestBridgeTest {

    private static final KafkaTopics TOPICS = new KafkaTopics(
            "swapgate.requests",
            "swapgate.responses",
            "swapgate.dead-letters",
            "swapgate.adapter-events",
            "swapgate.training-examples",
            "swapgate.training-jobs");
    private static final TopicPartition P0 = new TopicPartition(TOPICS.requests(), 0);
    private static final TopicPartition P1 = new TopicPartition(TOPICS.requests(), 1);
    private static final String ACME = TOPICS.responsesOf("acme");
    private static final String GLOBEX = TOPICS.responsesOf("globex");

    private final MockKafka.Consumer consumer = new MockKafka.Consumer(P0, P1);
    private final Gateway gateway = new Gateway();
    private final List<String> createdTopics = new CopyOnWriteArrayList<>();
    private final AtomicInteger topicFailuresLeft = new AtomicInteger();
    private MockKafka.Producer producer;
    private RequestBridge<String> bridge;

    /** One call of {@link GenerationHandler#start}, with the stream it answers on. */
    private record Start(String tenant, String requestId, ResponseStream stream, long atNanos) {
        /** Writes one token and the final record. */
        void answer() {
            stream.send(sequence -> bytes(requestId + " token " + sequence));
            stream.end(sequence -> bytes(requestId + " done"));
        }
    }

    /** What the gateway does with a request it starts. */
    private interface Script {
        void start(Start start) throws GenerationHandler.RetryLater, GenerationHandler.Refused;
    }

    private static final class Gateway implements GenerationHandler<String> {
        final BlockingQueue<Start> started = new LinkedBlockingQueue<>();
        final AtomicInteger decoded = new AtomicInteger();
        final Map<String, Integer> attempts = new ConcurrentHashMap<>();
        volatile Script script = Start::answer;

        @Override
        public String tenantOf(String authorization) {
            return authorization != null && authorization.startsWith("Bearer key-")
                    ? authorization.substring(11)
                    : null;
        }

        @Override
        public Envelope<String> decode(byte[] value) throws Refused {
            decoded.incrementAndGet();
            String text = text(value);
            if (text.startsWith("bad:")) {
                throw new Refused("INVALID_ARGUMENT", "no prompt", text.substring(4));
            }
            if (text.isEmpty() || text.contains(" ")) {
                throw new Refused("INVALID_ARGUMENT", "not a KafkaRequest");
            }
            String[] parts = text.split(">", 2);
            return new Envelope<>(parts[0], parts.length == 2 ? parts[1] : "", text);
        }

        @Override
        public boolean mayReplyTo(String topic, String tenant) {
            return topic.startsWith(tenant + ".");
        }

        @Override
        public void start(Envelope<String> envelope, String authorization, Headers headers, ResponseStream answer)
                throws RetryLater, Refused {
            Start start = new Start(tenantOf(authorization), envelope.requestId(), answer, System.nanoTime());
            attempts.merge(start.tenant() + "/" + start.requestId(), 1, Integer::sum);
            script.start(start); // may refuse: only what it lets through counts as started
            started.add(start);
        }

        @Override
        public byte[] errorAnswer(String requestId, long sequence, String code, String message) {
            return bytes(requestId + " error " + code + ": " + message);
        }

        Start next() throws InterruptedException {
            Start start = started.poll(10, TimeUnit.SECONDS);
            assertNotNull(start, "no request was started");
            return start;
        }

        List<String> startedIds() {
            List<String> ids = new ArrayList<>();
            started.forEach(s -> ids.add(s.requestId()));
            return ids;
        }
    }

    private void start(RequestBridge.Limits limits, boolean brokerAcknowledgesAtOnce) throws InterruptedException {
        producer = new MockKafka.Producer(brokerAcknowledgesAtOnce);
        bridge = new RequestBridge<>(consumer, producer, TOPICS, gateway, limits, topic -> {
            if (topicFailuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("the broker did not create " + topic + " in time");
            }
            createdTopics.add(topic);
        });
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0, P1)));
        bridge.start();
        awaitLoopPasses(consumer);
    }

    private void start() throws InterruptedException {
        start(new RequestBridge.Limits(16, 16, 64, 16), true);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (bridge != null && !consumer.closed()) {
            bridge.close(Duration.ofMillis(100));
        }
    }

    /** A request of {@code tenant} (null: no key) at {@code offset} of {@code partition}. */
    private void request(TopicPartition partition, long offset, String tenant, String value) {
        consumer.addRecord(
                tenant == null
                        ? MockKafka.record(partition, offset, value, value)
                        : MockKafka.record(
                                partition,
                                offset,
                                value,
                                value,
                                MockKafka.header("authorization", "Bearer key-" + tenant)));
    }

    private List<ProducerRecord<byte[], byte[]>> deadLetters() {
        return on(TOPICS.deadLetters(), producer.history());
    }

    private List<String> values(String topic) {
        return on(topic, producer.history()).stream().map(r -> text(r.value())).toList();
    }

    @Test
    void anAnswerGoesToTheTenantsTopicAndItsOffsetIsCommittedOnlyOnceTheBrokerHasTheLastRecord() throws Exception {
        start(new RequestBridge.Limits(16, 16, 64, 16), false);
        request(P0, 0, "acme", "r1");
        assertEquals("r1", gateway.next().requestId());
        assertEquals(
                List.of(ACME), createdTopics, "the tenant's responses topic is created the first time it is needed");

        assertTrue(producer.completeNext(), "the token");
        awaitLoopPasses(consumer);
        assertEquals(-1, consumer.committed(P0), "the final record is not acknowledged yet");

        assertTrue(producer.completeNext(), "the final record");
        awaitLoopPasses(consumer);
        assertEquals(1, consumer.committed(P0));
        assertEquals(List.of("r1 token 0", "r1 done"), values(ACME));
        assertTrue(
                on(ACME, producer.history()).stream()
                        .allMatch(r -> text(r.key()).equals("r1")),
                "keyed by request id, so that an answer's records stay in order on one partition");
    }

    @Test
    void aRecordCommitsOnlyAfterEveryEarlierOffsetIsAnswered() throws Exception {
        start();
        gateway.script = s -> {}; // answered when the test says
        request(P0, 0, "acme", "r0");
        request(P0, 1, "acme", "r1");
        request(P0, 2, "acme", "r2");
        Start r0 = gateway.next();
        Start r1 = gateway.next();
        Start r2 = gateway.next();

        r2.answer();
        r1.answer();
        awaitLoopPasses(consumer);
        assertEquals(-1, consumer.committed(P0), "r0 is unanswered: a crash now must redeliver it");

        r0.answer();
        awaitLoopPasses(consumer);
        assertEquals(3, consumer.committed(P0));
    }

    @Test
    void aRecordWithoutAValidKeyIsDeadLetteredAndTouchesNothingElse() throws Exception {
        start();
        request(P0, 0, null, "r1");
        consumer.addRecord(MockKafka.record(P0, 1, "r2", "r2", MockKafka.header("authorization", "Bearer stolen")));
        consumer.addRecord(MockKafka.record(P0, 2, "r3", "r3", MockKafka.header("Authorization", "Bearer key-acme")));
        awaitLoopPasses(consumer);

        assertEquals(3, consumer.committed(P0));
        List<ProducerRecord<byte[], byte[]>> dead = deadLetters();
        assertEquals(
                List.of("UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"),
                dead.stream().map(r -> header(r, DeadLetters.CODE)).toList());
        for (ProducerRecord<byte[], byte[]> letter : dead) {
            assertNull(header(letter, "authorization"), "no key, not even a wrong one, is copied");
            assertNull(header(letter, "Authorization"));
            assertNull(header(letter, DeadLetters.TENANT));
        }
        assertEquals(0, gateway.decoded.get(), "the value of a record no key vouches for is never read");
        assertEquals(List.of(), createdTopics, "a stranger cannot make the gateway create topics");
        assertEquals(List.of(), gateway.startedIds());
        assertEquals(dead.size(), producer.history().size(), "nothing but the dead letters was written");
    }

    @Test
    void aRequestRedeliveredAfterItWasAnsweredIsSkippedButCommitted() throws Exception {
        start();
        request(P0, 0, "acme", "r1");
        request(P0, 1, "acme", "r1"); // a producer's retry, or a redelivery after a rebalance
        request(P0, 2, "globex", "r1"); // another tenant's id space
        awaitLoopPasses(consumer);

        assertEquals(3, consumer.committed(P0));
        assertEquals(Map.of("acme/r1", 1, "globex/r1", 1), gateway.attempts);
        assertEquals(List.of("r1 token 0", "r1 done"), values(ACME), "answered once");
        assertEquals(List.of("r1 token 0", "r1 done"), values(GLOBEX));
    }

    @Test
    void aRedeliveryWhileTheFirstIsStillBeingAnsweredIsSkipped() throws Exception {
        start();
        gateway.script = s -> {};
        request(P0, 0, "acme", "r1");
        Start first = gateway.next();
        request(P0, 1, "acme", "r1");
        awaitLoopPasses(consumer);
        assertEquals(Map.of("acme/r1", 1), gateway.attempts);
        assertEquals(-1, consumer.committed(P0), "the skipped copy is done, but the original is still running");

        first.answer();
        awaitLoopPasses(consumer);
        assertEquals(2, consumer.committed(P0));
    }

    @Test
    void anUndecodableRecordIsDeadLetteredAndAnsweredWhenItsIdCanBeRead() throws Exception {
        start();
        request(P0, 0, "acme", "not a request");
        request(P0, 1, "acme", "bad:r7");
        request(P0, 2, "acme", ""); // an empty or missing value is not a request either
        consumer.addRecord(MockKafka.record(P0, 3, "r9", null, MockKafka.header("authorization", "Bearer key-acme")));
        awaitLoopPasses(consumer);

        assertEquals(4, consumer.committed(P0));
        List<ProducerRecord<byte[], byte[]>> dead = deadLetters();
        assertEquals(
                List.of("acme", "acme", "acme", "acme"),
                dead.stream().map(r -> header(r, DeadLetters.TENANT)).toList());
        assertEquals("not a KafkaRequest", header(dead.get(0), DeadLetters.REASON));
        assertEquals(
                List.of("r7 error INVALID_ARGUMENT: no prompt"),
                values(ACME),
                "only the refusal that names an id is answered");
        assertEquals(List.of(), gateway.startedIds());
    }

    @Test
    void aReplyTopicTheKeyMayNotUseIsRefusedAndTheRefusalAnsweredOnTheTenantsOwnTopic() throws Exception {
        start();
        consumer.updatePartitions(
                "globex.inbox", List.of(new PartitionInfo("globex.inbox", 0, Node.noNode(), new Node[0], new Node[0])));
        request(P0, 0, "acme", "r1>globex.inbox");
        awaitLoopPasses(consumer);

        assertEquals(1, consumer.committed(P0));
        assertEquals("PERMISSION_DENIED", header(deadLetters().get(0), DeadLetters.CODE));
        assertEquals(List.of(), values("globex.inbox"), "nothing is written on another tenant's topic");
        assertEquals(1, values(ACME).size());
        assertTrue(
                values(ACME).get(0).startsWith("r1 error PERMISSION_DENIED"),
                values(ACME).toString());
        assertEquals(List.of(), gateway.startedIds());
    }

    @Test
    void aReplyTopicThatDoesNotExistIsRefused() throws Exception {
        start();
        request(P0, 0, "acme", "r1>acme.nowhere");
        awaitLoopPasses(consumer);

        assertEquals(1, consumer.committed(P0));
        assertEquals("INVALID_ARGUMENT", header(deadLetters().get(0), DeadLetters.CODE));
        assertEquals(List.of("r1 error INVALID_ARGUMENT: reply topic 'acme.nowhere' does not exist"), values(ACME));
    }

    @Test
    void aReplyTopicTheKeyMayUseGetsTheWholeAnswer() throws Exception {
        start();
        consumer.updatePartitions(
                "acme.inbox", List.of(new PartitionInfo("acme.inbox", 0, Node.noNode(), new Node[0], new Node[0])));
        request(P0, 0, "acme", "r1>acme.inbox");
        awaitLoopPasses(consumer);

        assertEquals(1, consumer.committed(P0));
        assertEquals(List.of("r1 token 0", "r1 done"), values("acme.inbox"));
        assertEquals(List.of(), createdTopics, "the default responses topic is not needed");
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void aRequestTheGatewayCannotTakeNowWaitsWhileLaterRecordsGoOn() throws Exception {
        start();
        Duration pause = Duration.ofMillis(300);
        gateway.script = s -> {
            if (s.requestId().equals("r0") && gateway.attempts.get("acme/r0") == 1) {
                throw new GenerationHandler.RetryLater(pause, "the queue is full", false);
            }
            s.answer();
        };
        request(P0, 0, "acme", "r0");
        request(P0, 1, "acme", "r1");
        Start r1 = gateway.next();
        Start r0 = gateway.next();

        assertEquals(List.of("r1", "r0"), List.of(r1.requestId(), r0.requestId()), "r1 did not wait for r0");
        assertEquals(2, gateway.attempts.get("acme/r0"));
        assertTrue(
                r0.atNanos() - r1.atNanos() >= pause.toNanos() - TimeUnit.MILLISECONDS.toNanos(50),
                "r0 was tried again before the pause the gateway asked for");
        awaitLoopPasses(consumer);
        assertEquals(2, consumer.committed(P0));
        assertEquals(List.of(), deadLetters(), "waiting is not failing");
    }

    @Test
    void aTenantWithItsShareOfRecordsWaitingForItsQuotaHasTheNextRefusedSoOthersKeepMoving() throws Exception {
        start(new RequestBridge.Limits(16, 16, 64, 1), true);
        gateway.script = s -> {
            if (s.tenant().equals("acme")) {
                throw new GenerationHandler.RetryLater(Duration.ofHours(1), "acme's tokens-per-minute quota", true);
            }
            s.answer();
        };
        request(P0, 0, "acme", "a0");
        request(P0, 1, "acme", "a1");
        request(P0, 2, "globex", "g0");
        assertEquals("g0", gateway.next().requestId());
        awaitLoopPasses(consumer);

        List<ProducerRecord<byte[], byte[]>> dead = deadLetters();
        assertEquals(1, dead.size(), "a0 waits; a1 is refused");
        assertEquals("RESOURCE_EXHAUSTED", header(dead.get(0), DeadLetters.CODE));
        assertEquals(TOPICS.requests() + "/0@1", header(dead.get(0), DeadLetters.ORIGIN));
        assertEquals(1, values(ACME).size());
        assertTrue(
                values(ACME)
                        .get(0)
                        .startsWith("a1 error RESOURCE_EXHAUSTED: tenant 'acme' already has 1 requests waiting"),
                values(ACME).toString());
        assertEquals(-1, consumer.committed(P0), "a0 still waits at the head of the partition");
    }

    @Test
    void revokingAPartitionReleasesItsRecordsFromTheTenantsWaitingShare() throws Exception {
        start(new RequestBridge.Limits(16, 16, 64, 1), true);
        gateway.script = s -> {
            throw new GenerationHandler.RetryLater(Duration.ofHours(1), "acme's quota", true);
        };
        request(P1, 0, "acme", "a0");
        awaitLoopPasses(consumer);
        MockKafka.onLoopThread(
                consumer, () -> consumer.rebalance(List.of(P0))); // P1 goes to another replica, a0 with it

        request(P0, 0, "acme", "a1");
        awaitLoopPasses(consumer);
        assertEquals(List.of(), deadLetters(), "a1 takes the place a0 left: it waits instead of being refused");
        assertEquals(2, gateway.attempts.size());
    }

    @Test
    void oneTenantsFloodCannotTakeEverySlot() throws Exception {
        start(new RequestBridge.Limits(16, 1, 64, 16), true);
        gateway.script = s -> {};
        request(P0, 0, "acme", "a0");
        request(P0, 1, "acme", "a1");
        request(P1, 0, "globex", "g0");
        Start one = gateway.next();
        Start other = gateway.next();
        Start a0 = one.requestId().equals("a0") ? one : other;
        assertEquals(
                Set.of("a0", "g0"),
                Set.of(one.requestId(), other.requestId()),
                "globex is served while acme's second request waits");
        awaitLoopPasses(consumer);
        assertEquals(Set.of("acme/a0", "globex/g0"), gateway.attempts.keySet(), "a1 waits without even being tried");

        a0.answer();
        assertEquals("a1", gateway.next().requestId(), "acme's own slot is free again");
    }

    @Test
    void noMoreThanMaxInFlightRequestsAreAnsweredAtOnce() throws Exception {
        start(new RequestBridge.Limits(2, 2, 64, 16), true);
        gateway.script = s -> {};
        request(P0, 0, "acme", "a0");
        request(P0, 1, "globex", "g0");
        request(P0, 2, "globex", "g1");
        Start first = gateway.next();
        gateway.next();
        awaitLoopPasses(consumer);
        assertEquals(2, gateway.attempts.size(), "the third waits in its ledger");

        first.answer();
        assertEquals("g1", gateway.next().requestId());
    }

    @Test
    void aPartitionHoldingMaxBufferedRecordsIsPausedUntilItDrainsToHalf() throws Exception {
        start(new RequestBridge.Limits(16, 16, 4, 16), true);
        gateway.script = s -> {};
        for (int i = 0; i < 4; i++) {
            request(P0, i, "acme", "a" + i);
        }
        List<Start> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(gateway.next());
        }
        awaitLoopPasses(consumer);
        assertEquals(Set.of(P0), consumer.paused(), "a slow engine slows consumption instead of failing requests");

        running.get(0).answer();
        awaitLoopPasses(consumer);
        assertEquals(Set.of(P0), consumer.paused(), "3 held is more than half of 4");

        running.get(1).answer();
        awaitLoopPasses(consumer);
        assertEquals(Set.of(), consumer.paused(), "resumed once down to half");
        assertEquals(2, consumer.committed(P0));
    }

    @Test
    void anAnswerTheBrokerDidNotTakeIsGeneratedAgain() throws Exception {
        start(new RequestBridge.Limits(16, 16, 64, 16), false);
        gateway.script = s -> s.stream().end(sequence -> bytes(s.requestId() + " done"));
        request(P0, 0, "acme", "r1");
        Start first = gateway.next();
        assertTrue(producer.errorNext(new TimeoutException("the broker is away")));

        Start again = gateway.next();
        assertEquals("r1", again.requestId(), "run again, not skipped as a request already being answered");
        assertTrue(again.atNanos() - first.atNanos() >= TimeUnit.MILLISECONDS.toNanos(900), "after a back-off");
        assertEquals(-1, consumer.committed(P0));
        assertTrue(producer.completeNext());
        awaitLoopPasses(consumer);
        assertEquals(1, consumer.committed(P0));
        assertEquals(List.of(), deadLetters());
    }

    @Test
    void aResponsesTopicThatCannotBeCreatedNowIsTriedAgainAndTheRecordNotDeadLettered() throws Exception {
        topicFailuresLeft.set(1);
        start();
        request(P0, 0, "acme", "r1");
        assertEquals("r1", gateway.next().requestId());
        awaitLoopPasses(consumer);

        assertEquals(1, consumer.committed(P0));
        assertEquals(List.of(ACME), createdTopics);
        assertEquals(List.of(), deadLetters(), "the broker's trouble is not the record's fault");
    }

    @Test
    void lagCountsTheRecordsNotYetReadOnTheHeldPartitions() throws Exception {
        start();
        MockKafka.onLoopThread(consumer, () -> consumer.updateEndOffsets(Map.of(P0, 10L, P1, 3L)));
        request(P0, 0, "acme", "r0");
        request(P0, 1, "acme", "r1");
        awaitLoopPasses(consumer);
        assertEquals(8 + 3, bridge.lag());
    }

    @Test
    void closingLetsTheRequestsInFlightFinishThenCommitsAndClosesTheConsumer() throws Exception {
        start();
        gateway.script = s -> {};
        request(P0, 0, "acme", "r0");
        Start r0 = gateway.next();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
            try {
                bridge.close(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        r0.answer();
        closed.get(10, TimeUnit.SECONDS); // well within the grace: it did not wait for it to run out
        assertTrue(consumer.closed());
        assertEquals(1, consumer.committed(P0));
        assertTrue(producer.flushed());
        assertEquals(List.of("r0 token 0", "r0 done"), values(ACME));
    }

    @Test
    void closingCommitsWhatIsAnsweredAndLeavesTheRestForRedeliveryWhenTheGraceRunsOut() throws Exception {
        start();
        gateway.script = s -> {
            if (!s.requestId().equals("stuck")) {
                s.answer();
            }
        };
        request(P0, 0, "acme", "r0");
        request(P0, 1, "acme", "stuck");
        request(P0, 2, "acme", "r2");
        awaitLoopPasses(consumer);
        assertEquals(Set.of("acme/r0", "acme/stuck", "acme/r2"), gateway.attempts.keySet());

        bridge.close(Duration.ofMillis(200));
        assertTrue(consumer.closed(), "closed once the grace ran out, although a request was still running");
        assertEquals(1, consumer.committed(P0), "r2 is answered, but only a commit past 'stuck' would record it");
    }
}

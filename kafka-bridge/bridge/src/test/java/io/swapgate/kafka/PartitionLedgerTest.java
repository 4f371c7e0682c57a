package io.swapgate.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PartitionLedgerTest {

    /** A realistic System.nanoTime() reading. */
    private static final long NOW = 1_000_000_000_000L;

    private final PartitionLedger ledger = new PartitionLedger();

    private PartitionLedger.Entry add(long offset) {
        return ledger.add(new ConsumerRecord<>(
                "requests", 0, offset, new byte[0], ("value " + offset).getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Long> offsets(List<PartitionLedger.Entry> entries) {
        return entries.stream().map(e -> e.offset).toList();
    }

    @Test
    void aRecordCommitsOnlyAfterEveryEarlierOffsetIsAnswered() {
        PartitionLedger.Entry first = add(10);
        PartitionLedger.Entry second = add(11);
        PartitionLedger.Entry third = add(12);
        second.done();
        third.done();
        assertEquals(-1, ledger.advance(), "offset 10 is unanswered: committing 13 would lose it on a crash");
        assertEquals(3, ledger.size(), "the done records stay behind the one that waits");

        first.done();
        assertEquals(13, ledger.advance(), "the offset to commit is the next one to read");
        assertEquals(0, ledger.size());
    }

    @Test
    void advanceMovesOnlyAsFarAsTheFirstRecordNotDone() {
        add(0).done();
        PartitionLedger.Entry running = add(1);
        running.state = PartitionLedger.State.RUNNING;
        add(2).done();
        assertEquals(1, ledger.advance());
        assertEquals(2, ledger.size(), "the running record and the done one after it are held");
        running.done();
        assertEquals(3, ledger.advance());
    }

    @Test
    void advanceReportsAnOffsetOnlyWhenItMoved() {
        assertEquals(-1, ledger.advance(), "an empty ledger has nothing to commit");
        add(0).done();
        assertEquals(1, ledger.advance());
        assertEquals(-1, ledger.advance(), "nothing new was answered: no second commit of the same offset");
        PartitionLedger.Entry next = add(1);
        assertEquals(-1, ledger.advance(), "a waiting record does not move the offset");
        next.done();
        assertEquals(2, ledger.advance());
    }

    @Test
    void gapsInTheOffsetsCommitPastTheLastRecordRead() {
        // Compacted topics and transaction markers leave gaps: the commit follows the offsets, not a count.
        add(5).done();
        add(9).done();
        assertEquals(10, ledger.advance());
    }

    @Test
    void aDoneRecordKeepsOnlyItsOffset() {
        PartitionLedger.Entry entry = add(7);
        assertNotNull(entry.record);
        entry.done();
        assertNull(entry.record, "a done record held behind a waiting one must not pin its bytes");
        assertEquals(7, entry.offset);
        assertEquals(PartitionLedger.State.DONE, entry.state);
    }

    @Test
    void aNewRecordIsDueAtOnce() {
        PartitionLedger.Entry entry = add(0);
        assertEquals(List.of(entry), ledger.due(NOW));
        assertEquals(0, ledger.nextDue(NOW));
    }

    @Test
    void dueListsOnlyWaitingRecordsWhoseTimeHasComeOldestFirst() {
        PartitionLedger.Entry ready = add(0);
        add(1).state = PartitionLedger.State.RUNNING;
        PartitionLedger.Entry later = add(2);
        later.notBefore = NOW + 100;
        add(3).done();
        PartitionLedger.Entry alsoReady = add(4);
        alsoReady.notBefore = NOW - 5;

        assertEquals(List.of(0L, 4L), offsets(ledger.due(NOW)));
        assertEquals(List.of(0L, 4L), offsets(ledger.due(NOW + 99)), "one nanosecond early is not due");
        assertEquals(List.of(0L, 2L, 4L), offsets(ledger.due(NOW + 100)), "due exactly at its time, in offset order");
        assertEquals(ready, ledger.due(NOW).get(0));
    }

    @Test
    void nextDueIsTheShortestWaitOfAWaitingRecord() {
        assertEquals(Long.MAX_VALUE, ledger.nextDue(NOW), "nothing held");
        add(0).state = PartitionLedger.State.RUNNING;
        add(1).done();
        assertEquals(Long.MAX_VALUE, ledger.nextDue(NOW), "running and done records are never due");

        add(2).notBefore = NOW + 300;
        add(3).notBefore = NOW + 200;
        assertEquals(200, ledger.nextDue(NOW));
        assertEquals(0, ledger.nextDue(NOW + 250), "a record already due waits no time, never a negative one");
    }

    @Test
    void timesAreComparedByDifferenceSoTheNanoClockMayWrap() {
        long beforeWrap = Long.MAX_VALUE - 10;
        PartitionLedger.Entry entry = add(0);
        entry.notBefore = beforeWrap + 20; // past Long.MAX_VALUE: a negative number
        assertEquals(List.of(), ledger.due(beforeWrap), "not due for another 20 ns");
        assertEquals(20, ledger.nextDue(beforeWrap));
        assertEquals(List.of(entry), ledger.due(beforeWrap + 20));
    }

    @Test
    void pendingCountsWaitingAndRunningRecordsButNotDoneOnes() {
        add(0);
        add(1).state = PartitionLedger.State.RUNNING;
        add(2).done();
        assertEquals(2, ledger.pending(), "what back-pressure counts");
        assertEquals(3, ledger.size());
    }

    @Test
    void forEachVisitsEveryHeldRecordInOffsetOrder() {
        add(3);
        add(4).done();
        add(8);
        List<Long> seen = new ArrayList<>();
        ledger.forEach(e -> seen.add(e.offset));
        assertEquals(List.of(3L, 4L, 8L), seen);
    }
}

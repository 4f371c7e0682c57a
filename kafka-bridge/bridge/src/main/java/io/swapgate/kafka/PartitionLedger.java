package io.swapgate.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The records of one partition the bridge holds, in offset order, each waiting, running or done. Records may finish
 * out of order; the offset to commit is that of the first one not done, so nothing unanswered is ever committed.
 * Consumer thread only.
 */
final class PartitionLedger {

    enum State {
        WAITING,
        RUNNING,
        DONE
    }

    /** One record's progress. */
    static final class Entry {
        final long offset;
        /** The record, until it is done: a done one is only an offset, so done records held behind one that waits cost
         *  almost nothing. */
        ConsumerRecord<byte[], byte[]> record;

        State state = State.WAITING;
        /** {@link System#nanoTime()} before which a waiting record is not tried again. */
        long notBefore;
        /** The tenant whose key the record carries, once known; and whether it waits for that tenant's own quota. */
        String tenant;

        boolean waitsForQuota;

        Entry(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
            this.offset = record.offset();
        }

        void done() {
            state = State.DONE;
            record = null;
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long committed = -1;

    Entry add(ConsumerRecord<byte[], byte[]> record) {
        Entry entry = new Entry(record);
        entries.addLast(entry);
        return entry;
    }

    /** Waiting records due at {@code now}, oldest first. */
    List<Entry> due(long now) {
        List<Entry> due = new ArrayList<>();
        for (Entry e : entries) {
            if (e.state == State.WAITING && e.notBefore - now <= 0) {
                due.add(e);
            }
        }
        return due;
    }

    /** The earliest time a waiting record becomes due, or {@code Long.MAX_VALUE} relative to {@code now}. */
    long nextDue(long now) {
        long next = Long.MAX_VALUE;
        for (Entry e : entries) {
            if (e.state == State.WAITING) {
                next = Math.min(next, Math.max(0, e.notBefore - now));
            }
        }
        return next;
    }

    int size() {
        return entries.size();
    }

    /** Calls {@code action} with every record held. */
    void forEach(java.util.function.Consumer<Entry> action) {
        entries.forEach(action);
    }

    /** Records not done: waiting or being answered. What back-pressure counts. */
    int pending() {
        int pending = 0;
        for (Entry e : entries) {
            if (e.state != State.DONE) {
                pending++;
            }
        }
        return pending;
    }

    /**
     * Drops the done records at the head and returns the offset to commit (the next one to read), or -1 when it has not
     * moved since the last call.
     */
    long advance() {
        long next = -1;
        while (!entries.isEmpty() && entries.peekFirst().state == State.DONE) {
            next = entries.pollFirst().offset + 1;
        }
        if (next < 0 || next == committed) {
            return -1;
        }
        committed = next;
        return next;
    }
}

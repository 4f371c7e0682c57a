package io.swapgate.core.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits a range of rows between the calling thread and helper threads, for work that takes well under a millisecond
 * and comes dozens of times a step. The rows are taken in small chunks by whichever thread is free, so a thread that
 * starts late or reads memory slower does not leave the others waiting. A helper that has not joined a call by the
 * time the caller has taken the last chunk is not waited for at all: on a machine where another thread holds the
 * helper's core (libtorch's OpenMP workers spin for a while after each of its ops), the caller does the work alone
 * instead of waiting for the scheduler. Helpers wait for the next call briefly, since it usually follows within
 * microseconds, and park after that, so an idle engine holds no core. A call made while another thread is using the
 * team runs on the caller alone instead of waiting.
 */
final class RowTeam implements AutoCloseable {

    /** Work on rows [from, to). */
    interface Part {
        void run(int from, int to);
    }

    /** How long a helper waits for the next call before it parks: spinning for a tenth of it, yielding after. */
    private static final long WAIT_NANOS = 200_000;
    /** Chunks per thread a call is cut into: enough to even out the threads' pace, few enough to cost nothing. */
    private static final int CHUNKS_PER_THREAD = 8;

    /** In {@link #call}: the call's number in the high half; this bit once no helper may join; helpers in it below. */
    private static final long CLOSED = 1L << 31;

    private static final long JOINED = CLOSED - 1;

    private final Thread[] helpers;
    private final ReentrantLock inUse = new ReentrantLock();
    /** The current call: its number, whether it is still open to helpers, and how many joined it and are not done. */
    private final AtomicLong call = new AtomicLong();
    /** The first row no thread has taken yet. */
    private final AtomicInteger next = new AtomicInteger();

    /** Numbers the calls; written by the caller holding {@link #inUse} only. */
    private long calls;

    private volatile Part part;
    private volatile int rows;
    private volatile int chunk;
    private volatile Throwable failure;
    private volatile boolean closed;

    /** A team of {@code threads} in all: the caller and {@code threads - 1} helpers. */
    RowTeam(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("a team needs at least one thread, not " + threads);
        }
        helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Thread(this::help, name + "-" + (i + 1));
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    int threads() {
        return helpers.length + 1;
    }

    /** Runs {@code work} over [0, {@code count}), returning when every chunk is done; rethrows a helper's failure. */
    void run(int count, Part work) {
        if (helpers.length == 0 || !inUse.tryLock()) {
            work.run(0, count);
            return;
        }
        try {
            part = work;
            rows = count;
            chunk = Math.max(1, count / (threads() * CHUNKS_PER_THREAD));
            next.set(0);
            failure = null;
            call.set(++calls << 32); // open, nobody joined: publishes the fields above to helpers that join
            for (Thread helper : helpers) {
                LockSupport.unpark(helper);
            }
            try {
                takeChunks(work);
            } finally {
                // Even when the caller's chunk failed: no helper may still be on this call when the next one starts.
                // Helpers that have not joined yet never will; those that did finish their chunks.
                long state = call.addAndGet(CLOSED);
                while ((state & JOINED) != 0) {
                    Thread.onSpinWait();
                    state = call.get();
                }
            }
            Throwable failed = failure;
            if (failed != null) {
                throw new IllegalStateException("a helper failed on its chunk of the rows", failed);
            }
        } finally {
            part = null;
            inUse.unlock();
        }
    }

    /** Runs chunks of the current call's rows until none is left. */
    private void takeChunks(Part work) {
        int count = rows;
        int size = chunk;
        for (int from = next.getAndAdd(size); from < count; from = next.getAndAdd(size)) {
            work.run(from, Math.min(count, from + size));
        }
    }

    private void help() {
        long seen = 0;
        while (!closed) {
            long current = awaitCall(seen);
            if (current == seen) {
                continue;
            }
            seen = current;
            if (!join(current)) {
                continue;
            }
            try {
                takeChunks(part);
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                call.decrementAndGet();
            }
        }
    }

    /** Counts this helper in call {@code number} unless the caller has closed it (or a later call began). */
    private boolean join(long number) {
        long state = call.get();
        while (state >>> 32 == number && (state & CLOSED) == 0) {
            if (call.compareAndSet(state, state + 1)) {
                return true;
            }
            state = call.get();
        }
        return false;
    }

    /**
     * The current call's number once it differs from {@code seen} (or the team closed): spinning first, then
     * yielding, then parked. Yielding keeps the helper as quick to answer while letting any other runnable thread have
     * the core, such as the one flushing a token the step just produced to its client.
     */
    @SuppressWarnings("ThreadPriorityCheck") // yielding is the point here: the core goes to whoever needs it now
    private long awaitCall(long seen) {
        long started = System.nanoTime();
        long current;
        while ((current = call.get() >>> 32) == seen && !closed) {
            long waited = System.nanoTime() - started;
            if (waited < WAIT_NANOS / 10) {
                Thread.onSpinWait();
            } else if (waited < WAIT_NANOS) {
                Thread.yield();
            } else {
                LockSupport.park(this);
            }
        }
        return current;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread helper : helpers) {
            LockSupport.unpark(helper);
        }
    }
}

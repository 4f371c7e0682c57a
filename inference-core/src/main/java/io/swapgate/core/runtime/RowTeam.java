package io.swapgate.core.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits a range of rows between the calling thread and helper threads, for work that takes well under a millisecond
 * and comes dozens of times a step. Helpers spin briefly after each call, since the next one usually follows within
 * microseconds, and park after that, so an idle engine holds no core. A call made while another thread is using the
 * team runs on the caller alone instead of waiting.
 */
final class RowTeam implements AutoCloseable {

    /** Work on rows [from, to). */
    interface Part {
        void run(int from, int to);
    }

    /** How long a helper waits for the next call before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] helpers;
    private final ReentrantLock inUse = new ReentrantLock();
    /** Bumped by every call; a helper runs its share once per value. */
    private final AtomicInteger generation = new AtomicInteger();

    private final AtomicInteger pending = new AtomicInteger();
    private volatile Part part;
    private volatile int rows;
    private volatile Throwable failure;
    private volatile boolean closed;

    /** A team of {@code threads} in all: the caller and {@code threads - 1} helpers. */
    RowTeam(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("a team needs at least one thread, not " + threads);
        }
        helpers = new Thread[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            int share = i + 1;
            helpers[i] = new Thread(() -> help(share), name + "-" + share);
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    int threads() {
        return helpers.length + 1;
    }

    /** Runs {@code work} over [0, {@code count}), returning when every share is done; rethrows a helper's failure. */
    void run(int count, Part work) {
        if (helpers.length == 0 || !inUse.tryLock()) {
            work.run(0, count);
            return;
        }
        try {
            part = work;
            rows = count;
            failure = null;
            pending.set(helpers.length);
            generation.incrementAndGet();
            for (Thread helper : helpers) {
                LockSupport.unpark(helper);
            }
            work.run(0, bound(0, count));
            while (pending.get() > 0) {
                Thread.onSpinWait();
            }
            Throwable failed = failure;
            if (failed != null) {
                throw new IllegalStateException("a helper failed on its share of the rows", failed);
            }
        } finally {
            part = null;
            inUse.unlock();
        }
    }

    /** Where share {@code share} ends: share 0 is the caller's, each helper takes the next. */
    private int bound(int share, int count) {
        return (int) ((long) count * (share + 1) / threads());
    }

    private void help(int share) {
        int seen = 0;
        while (!closed) {
            int current = awaitCall(seen);
            if (current == seen) {
                continue;
            }
            seen = current;
            int count = rows;
            try {
                part.run(bound(share - 1, count), bound(share, count));
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** The generation once it differs from {@code seen} (or the team closed): spinning first, then parked. */
    private int awaitCall(int seen) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        int current;
        while ((current = generation.get()) == seen && !closed) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
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

package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** A team covers every row exactly once per call, shares the work, reports a helper's failure and never blocks. */
class RowTeamTest {

    @Test
    void everyRowRunsExactlyOncePerCallOverManyCalls() {
        try (RowTeam team = new RowTeam(3, "test-team")) {
            for (int count : new int[] {0, 1, 2, 3, 7, 100, 2304}) {
                for (int call = 0; call < 50; call++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(count);
                    team.run(count, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            runs.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < count; i++) {
                        assertEquals(1, runs.get(i), count + " rows, call " + call + ": row " + i);
                    }
                }
            }
        }
    }

    @Test
    void helpersTakeChunksWhileTheCallerIsBusy() {
        try (RowTeam team = new RowTeam(2, "test-team")) {
            Thread caller = Thread.currentThread();
            CountDownLatch helped = new CountDownLatch(1);
            Set<Thread> workers = ConcurrentHashMap.newKeySet();
            team.run(64, (from, to) -> {
                workers.add(Thread.currentThread());
                if (Thread.currentThread() == caller) {
                    awaitQuietly(helped);
                } else {
                    helped.countDown();
                }
            });
            assertEquals(2, workers.size(), "the caller and its helper each ran chunks");
        }
    }

    @Test
    void aHelpersFailureReachesTheCaller() {
        try (RowTeam team = new RowTeam(2, "test-team")) {
            Thread caller = Thread.currentThread();
            CountDownLatch failed = new CountDownLatch(1);
            IllegalStateException thrown = assertThrows(
                    IllegalStateException.class,
                    () -> team.run(64, (from, to) -> {
                        if (Thread.currentThread() == caller) {
                            awaitQuietly(failed);
                        } else {
                            failed.countDown();
                            throw new ArithmeticException("helper's chunk");
                        }
                    }));
            assertEquals("helper's chunk", thrown.getCause().getMessage());
            int[] total = {0};
            team.run(4, (from, to) -> {
                synchronized (total) {
                    total[0] += to - from;
                }
            });
            assertEquals(4, total[0], "the team still works after a failure");
        }
    }

    @Test
    void aCallWhileTheTeamIsBusyRunsOnItsCallerAlone() throws Exception {
        try (RowTeam team = new RowTeam(2, "test-team")) {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread first = new Thread(() -> team.run(2, (from, to) -> {
                busy.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            first.start();
            assertTrue(busy.await(10, TimeUnit.SECONDS));
            Set<Thread> workers = ConcurrentHashMap.newKeySet();
            team.run(8, (from, to) -> {
                assertEquals(0, from);
                assertEquals(8, to);
                workers.add(Thread.currentThread());
            });
            assertSame(Thread.currentThread(), workers.iterator().next());
            assertEquals(1, workers.size());
            release.countDown();
            first.join(10_000);
        }
    }

    /** Waits up to 10 s: long enough for a parked helper to wake, bounded so a broken team fails the test, not hangs. */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS), "no helper arrived");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.swapgate.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.RandomAdapters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HostAdapterCacheTest {

    private static final Adapter ADAPTER = new RandomAdapters(RegistryFixture.MODEL.config(), 1).prompt("p", 2);

    /** Concurrent cold loads of one adapter read it once: the rest wait for that load (a hostile burst costs one read). */
    @Test
    @Timeout(30)
    void concurrentColdLoadsOfOneAdapterLoadItOnce() throws Exception {
        HostAdapterCache cache = new HostAdapterCache(1L << 30);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Thread> threads = new ArrayList<>();
            List<Future<Adapter>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(callers.submit(() -> {
                    synchronized (threads) {
                        threads.add(Thread.currentThread());
                    }
                    return cache.get("acme/p@v1", () -> {
                        reads.incrementAndGet();
                        awaitQuietly(release);
                        return ADAPTER;
                    });
                }));
            }
            await("one caller reads and seven wait for it")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> allWaiting(threads, 8));
            release.countDown();
            for (Future<Adapter> result : results) {
                assertSame(ADAPTER, result.get());
            }
            assertEquals(1, reads.get());
            assertEquals(1, cache.loads());
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aFailedLoadFailsItsWaitersAndIsTriedAgainLater() {
        HostAdapterCache cache = new HostAdapterCache(1L << 30);
        assertThrows(
                IllegalArgumentException.class,
                () -> cache.get("acme/p@v1", () -> {
                    throw new IllegalArgumentException("bad file");
                }));
        assertSame(ADAPTER, cache.get("acme/p@v1", () -> ADAPTER), "a failure is not cached");
    }

    private static boolean allWaiting(List<Thread> threads, int count) {
        synchronized (threads) {
            return threads.size() == count && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

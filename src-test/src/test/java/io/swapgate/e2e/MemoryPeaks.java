package io.swapgate.e2e;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The largest heap in use a gateway reported while this watched it (sampled from its metrics every 250 ms: a
 * measurement, nothing waits on it); the resident-set peak comes from the kernel's own high-water mark.
 */
final class MemoryPeaks implements AutoCloseable {

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong heapPeak = new AtomicLong();

    private MemoryPeaks(GatewayProcess gateway) {
        var unused = sampler.scheduleAtFixedRate(
                () -> {
                    try {
                        heapPeak.accumulateAndGet(gateway.heapUsedBytes(), Math::max);
                    } catch (Exception busy) {
                        // a scrape that failed under load is a sample missed, not a result
                    }
                },
                0,
                250,
                TimeUnit.MILLISECONDS);
    }

    static MemoryPeaks watch(GatewayProcess gateway) {
        return new MemoryPeaks(gateway);
    }

    long heapPeakBytes() {
        return heapPeak.get();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}

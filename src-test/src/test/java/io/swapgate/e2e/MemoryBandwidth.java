package io.swapgate.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * This machine's memory read bandwidth, measured as a streaming benchmark does: a 1 GiB array far larger than any cache,
 * split between threads that each sum their part, best of several passes. Summing longs lets the JIT vectorize the
 * loop, so the loads, not the additions, set the pace (a float sum is a chain of dependent adds, about half as fast).
 */
final class MemoryBandwidth {

    private static final int PASSES = 8;

    private final long[] data = new long[128 << 20];

    MemoryBandwidth() {
        java.util.Arrays.fill(data, 1L);
    }

    /** Bytes per second read by {@code threads} threads together, best of {@value #PASSES} passes. */
    double bytesPerSecond(int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            int chunk = data.length / threads;
            double best = 0;
            for (int pass = 0; pass < PASSES; pass++) {
                long started = System.nanoTime();
                List<Future<Long>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int from = t * chunk;
                    parts.add(pool.submit(() -> sum(from, from + chunk)));
                }
                long total = 0;
                for (Future<Long> part : parts) {
                    total += part.get();
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                if (total != (long) chunk * threads) {
                    throw new IllegalStateException("the sum is wrong: " + total);
                }
                best = Math.max(best, 8.0 * chunk * threads / seconds);
            }
            return best;
        } finally {
            pool.shutdownNow();
        }
    }

    private long sum(int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += data[i];
        }
        return sum;
    }
}

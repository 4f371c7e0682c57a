package io.swapgate.gateway.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bucket is told the time on every call: these tests are its clock. */
class TokenBucketTest {

    private static final long T0 = 5_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aNewBucketIsFullAndGrantsItsWholeCapacityAtOnce() {
        TokenBucket bucket = new TokenBucket(5, 1, T0);
        assertEquals(5, bucket.capacity());
        assertEquals(0, bucket.take(5, T0), "a burst of the whole capacity");
        assertEquals(SECOND, bucket.take(1, T0), "then one token a second");
    }

    @Test
    void aRefusedTakeTakesNothingAndSaysHowLongToWait() {
        TokenBucket bucket = new TokenBucket(10, 10, T0); // a token every 100 ms
        assertEquals(0, bucket.take(7, T0));
        assertEquals(200 * MS, bucket.take(5, T0), "3 held, 2 more come in 200 ms");
        assertEquals(0, bucket.take(3, T0), "the refused take left the 3 where they were");
        assertEquals(100 * MS, bucket.take(1, T0));
    }

    @Test
    void waitingTheTimeItSaysIsEnough() {
        TokenBucket bucket = new TokenBucket(60, 1, T0);
        bucket.take(60, T0);
        long wait = bucket.take(4, T0);
        assertEquals(4 * SECOND, wait);
        assertTrue(bucket.take(4, T0 + wait - 10 * MS) > 0, "not before");
        assertEquals(0, bucket.take(4, T0 + wait));
    }

    @Test
    void theBucketNeverHoldsMoreThanItsCapacity() {
        TokenBucket bucket = new TokenBucket(10, 10, T0);
        long anHourLater = T0 + 3600 * SECOND;
        assertEquals(100 * MS, bucket.take(11, anHourLater), "an idle hour fills it to 10, not 36 000");
        assertEquals(0, bucket.take(10, anHourLater));
    }

    @Test
    void anAmountLargerThanTheCapacityIsNeverGrantedHoweverLongOneWaits() {
        TokenBucket bucket = new TokenBucket(10, 10, T0);
        long wait = bucket.take(11, T0);
        assertTrue(wait > 0);
        assertTrue(
                bucket.take(11, T0 + wait) > 0, "its callers must refuse such an amount up front (TenantQuota does)");
        assertTrue(bucket.take(11, T0 + 3600 * SECOND) > 0);
    }

    @Test
    void settlingMoreThanWasTakenLeavesADebtThatLaterTakesWaitOut() {
        TokenBucket bucket = new TokenBucket(10, 10, T0);
        assertEquals(0, bucket.take(2, T0)); // reserved 2, used 15
        bucket.settle(13, T0);
        assertEquals(600 * MS, bucket.take(1, T0), "5 tokens of debt and the 1 asked for");
        assertEquals(0, bucket.take(1, T0 + 600 * MS));
    }

    @Test
    void settlingLessThanWasTakenRefundsButNeverAboveCapacity() {
        TokenBucket bucket = new TokenBucket(10, 10, T0);
        bucket.take(4, T0);
        bucket.settle(-2, T0);
        assertEquals(0, bucket.take(8, T0), "6 left and 2 refunded");
        bucket.settle(-100, T0);
        assertEquals(0, bucket.take(10, T0));
        assertEquals(100 * MS, bucket.take(1, T0), "a refund fills it no further than its capacity");
    }

    @Test
    void aSlowRateRefillsInFractions() {
        TokenBucket bucket = new TokenBucket(1, 0.5, T0); // one request every 2 s
        assertEquals(0, bucket.take(1, T0));
        assertEquals(2 * SECOND, bucket.take(1, T0));
        assertEquals(SECOND, bucket.take(1, T0 + SECOND), "half a token came back");
        assertEquals(0, bucket.take(1, T0 + 2 * SECOND));
    }

    @Test
    void elapsedTimeIsADifferenceSoTheNanoClockMayWrap() {
        long beforeWrap = Long.MAX_VALUE - 50 * MS;
        TokenBucket bucket = new TokenBucket(10, 10, beforeWrap);
        assertEquals(0, bucket.take(10, beforeWrap));
        long afterWrap = beforeWrap + 100 * MS; // negative
        assertTrue(afterWrap < 0);
        assertEquals(0, bucket.take(1, afterWrap), "100 ms passed, not minus 292 years");
        assertEquals(100 * MS, bucket.take(1, afterWrap));
    }

    @Test
    void threadsTakingAtOnceNeverGetMoreThanTheBucketHolds() throws Exception {
        TokenBucket bucket = new TokenBucket(100, 1, T0);
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> granted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                granted.add(pool.submit(() -> {
                    go.await();
                    int got = 0;
                    for (int i = 0; i < 20; i++) {
                        if (bucket.take(1, T0) == 0) {
                            got++;
                        }
                    }
                    return got;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> g : granted) {
                total += g.get(30, TimeUnit.SECONDS);
            }
            assertEquals(100, total, "320 takes of one token at the same instant from a bucket of 100");
        } finally {
            pool.shutdownNow();
        }
    }
}

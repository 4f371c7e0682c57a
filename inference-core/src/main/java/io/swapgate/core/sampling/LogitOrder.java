package io.swapgate.core.sampling;

import java.util.Arrays;

/**
 * Token ids in descending order of logit, ties in ascending id order (what a stable sort by logit gives), for the
 * first few or for all. Each token becomes one primitive long, its logit's order in the high half and its id in the
 * low half, so the order is a sort of longs: no boxed ids, no comparator calls. Only the requested prefix is sorted;
 * the rest is partitioned off in linear time (quickselect), so top-k sampling over a 256,000-token vocabulary costs a
 * pass over the logits, not a sort of them.
 */
final class LogitOrder {

    private LogitOrder() {}

    /** The {@code count} (at most the vocabulary) most likely token ids, most likely first. */
    static int[] first(float[] logits, int count) {
        long[] keys = new long[logits.length];
        for (int id = 0; id < logits.length; id++) {
            keys[id] = ((long) descending(logits[id]) << 32) | id;
        }
        if (count < keys.length) {
            selectSmallest(keys, count);
        }
        Arrays.sort(keys, 0, count);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = (int) keys[i];
        }
        return ids;
    }

    /**
     * An int that decreases as the logit increases, in {@link Float#compare}'s order (so 0.0 ranks above -0.0): the
     * float's bits with the magnitude bits flipped for negatives order as signed ints, and the complement reverses it.
     */
    private static int descending(float logit) {
        int bits = Float.floatToIntBits(logit);
        return ~(bits ^ ((bits >> 31) & 0x7fffffff));
    }

    /** Rearranges {@code keys} so that its {@code count} smallest values come first (in no particular order). */
    private static void selectSmallest(long[] keys, int count) {
        int lo = 0;
        int hi = keys.length - 1;
        while (lo < hi) {
            long pivot = medianOfThree(keys[lo], keys[(lo + hi) >>> 1], keys[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (keys[i] < pivot) {
                    i++;
                }
                while (keys[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long swap = keys[i];
                    keys[i++] = keys[j];
                    keys[j--] = swap;
                }
            }
            // Now keys[lo..j] <= pivot <= keys[i..hi]; keep narrowing to the side that holds position count.
            if (count <= j) {
                hi = j;
            } else if (count >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}

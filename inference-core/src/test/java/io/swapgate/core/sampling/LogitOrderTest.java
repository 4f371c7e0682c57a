package io.swapgate.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The primitive ordering gives exactly what a stable sort of boxed ids by descending logit gives. */
class LogitOrderTest {

    @Test
    void everyPrefixMatchesAStableSortByDescendingLogit() {
        SplittableRandom random = new SplittableRandom(11);
        float[] specials = {0f, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.MAX_VALUE, -Float.MIN_VALUE
        };
        for (int round = 0; round < 200; round++) {
            int vocab = 1 + random.nextInt(3000);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                int kind = random.nextInt(10);
                // Many ties (a handful of distinct values), signed zeros, infinities, ordinary values.
                logits[i] = kind < 3
                        ? random.nextInt(4) - 2
                        : kind < 4 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
            }
            int[] expected = stableDescending(logits);
            for (int count : new int[] {0, 1, 2, 20, vocab / 2, vocab - 1, vocab}) {
                if (count < 0 || count > vocab) {
                    continue;
                }
                int c = count;
                assertArrayEquals(
                        Arrays.copyOf(expected, count),
                        LogitOrder.first(logits, count),
                        () -> "vocabulary " + vocab + ", first " + c);
            }
        }
    }

    private static int[] stableDescending(float[] logits) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }
}

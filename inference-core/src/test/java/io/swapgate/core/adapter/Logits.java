package io.swapgate.core.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.runtime.ForwardBatch;
import java.util.List;

/** Forward steps of one row and logits compared within a tolerance, for the runtime-level adapter tests. */
final class Logits {

    /** Adapter paths against their references: float32 sums in another order. */
    static final float TOLERANCE = 1e-4f;

    private Logits() {}

    static ForwardBatch single(ForwardBatch.Row row) {
        return new ForwardBatch(List.of(row));
    }

    static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length);
        float difference = maxDifference(expected, actual);
        assertTrue(difference <= TOLERANCE, what + ": logits differ by up to " + difference);
    }
}

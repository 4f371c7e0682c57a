package io.swapgate.core.runtime.vector;

import jdk.incubator.vector.FloatVector;

/**
 * Sums a vector's lanes in one fixed order. {@code reduceLanes(ADD)} adds them in a different order once the JIT has
 * compiled the caller than before, so the same request's log-probabilities would change with the JIT's progress.
 */
final class Lanes {

    private Lanes() {}

    /** The lanes' sum, first to last; {@code scratch} holds at least one vector's lanes. */
    static float sum(FloatVector vector, float[] scratch) {
        vector.intoArray(scratch, 0);
        float sum = 0;
        for (int i = 0; i < vector.length(); i++) {
            sum += scratch[i];
        }
        return sum;
    }
}

package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import java.util.SplittableRandom;

/** Seeded weights for models made up in tests, and the comparison their outputs get. */
final class SeededWeights {

    private SeededWeights() {}

    /**
     * One block of {@code c}: matrices uniform in +-1/sqrt(in), norms in 0.7 to 1.3.
     *
     * @param qkvBias the block's query/key/value biases, or null
     * @param gemmaNorms whether it has per-head query and key norms and norms after attention and feed-forward
     */
    static LayerWeights layer(SplittableRandom random, LlamaConfig c, FloatTensor qkvBias, boolean gemmaNorms) {
        return new LayerWeights(
                norm(random, c.dim()),
                matrix(random, c.queryDim(), c.dim()),
                matrix(random, c.kvDim(), c.dim()),
                matrix(random, c.kvDim(), c.dim()),
                matrix(random, c.dim(), c.queryDim()),
                norm(random, c.dim()),
                matrix(random, c.hiddenDim(), c.dim()),
                matrix(random, c.hiddenDim(), c.dim()),
                matrix(random, c.dim(), c.hiddenDim()),
                qkvBias,
                gemmaNorms ? norm(random, c.headDim()) : null,
                gemmaNorms ? norm(random, c.headDim()) : null,
                gemmaNorms ? norm(random, c.dim()) : null,
                gemmaNorms ? norm(random, c.dim()) : null);
    }

    /** A weight [out, in] scaled by 1 / sqrt(in), as trained weights roughly are. */
    static FloatTensor matrix(SplittableRandom random, int out, int in) {
        float[] data = new float[out * in];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) / Math.sqrt(in));
        }
        return new FloatTensor("w", new int[] {out, in}, data);
    }

    /** A norm's weights near 1. */
    static FloatTensor norm(SplittableRandom random, int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) (0.7 + 0.6 * random.nextDouble());
        }
        return new FloatTensor("norm", new int[] {n}, data);
    }

    /** Fails unless every value of {@code actual} is within {@code tolerance} of {@code expected}'s. */
    static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        float difference = 0;
        for (int i = 0; i < expected.length; i++) {
            difference = Math.max(difference, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(difference <= tolerance, what + ": values differ by up to " + difference);
    }
}

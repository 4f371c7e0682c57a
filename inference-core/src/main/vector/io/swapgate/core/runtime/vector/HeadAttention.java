package io.swapgate.core.runtime.vector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query head's attention over one cached key/value head of a sequence, on the JDK's vector API: softmax(q K^T *
 * scale) V over the first {@code count} positions, where K and V are that head's history in the KV cache, [positions,
 * headDim] float32 in native byte order.
 */
public final class HeadAttention {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private HeadAttention() {}

    /**
     * Writes the head's output into {@code out} from {@code outOffset} on.
     *
     * @param q the queries, this head's from {@code qOffset}, already rotated
     * @param history the float index of position 0 of this head in {@code keys} and {@code values}
     * @param scores scratch of at least {@code count} floats
     */
    public static void attend(
            float[] q,
            int qOffset,
            ByteBuffer keys,
            ByteBuffer values,
            int history,
            int headDim,
            int count,
            float scale,
            float[] scores,
            float[] out,
            int outOffset) {
        float max = Float.NEGATIVE_INFINITY;
        float[] lanes = new float[SPECIES.length()];
        for (int t = 0; t < count; t++) {
            float score = dot(q, qOffset, keys, history + t * headDim, headDim, lanes) * scale;
            scores[t] = score;
            max = Math.max(max, score);
        }
        float sum = exponentiate(scores, count, max);
        java.util.Arrays.fill(out, outOffset, outOffset + headDim, 0f);
        for (int t = 0; t < count; t++) {
            accumulate(out, outOffset, scores[t] / sum, values, history + t * headDim, headDim);
        }
    }

    private static float dot(float[] q, int qOffset, ByteBuffer keys, int key, int n, float[] lanes) {
        int width = SPECIES.length();
        int narrow = n - n % width;
        FloatVector acc = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c < narrow; c += width) {
            acc = FloatVector.fromArray(SPECIES, q, qOffset + c)
                    .fma(FloatVector.fromByteBuffer(SPECIES, keys, 4 * (key + c), ORDER), acc);
        }
        float sum = Lanes.sum(acc, lanes);
        for (; c < n; c++) {
            sum += q[qOffset + c] * keys.getFloat(4 * (key + c));
        }
        return sum;
    }

    /**
     * scores[t] = exp(scores[t] - max) for t below count; returns their sum. Scalar: the vector API's exponential
     * gives other last bits once compiled than before, where {@code Math.exp} gives the same in every tier.
     */
    private static float exponentiate(float[] scores, int count, float max) {
        float sum = 0;
        for (int t = 0; t < count; t++) {
            scores[t] = (float) Math.exp(scores[t] - max);
            sum += scores[t];
        }
        return sum;
    }

    /** out += weight * value, over n floats. */
    private static void accumulate(float[] out, int outOffset, float weight, ByteBuffer values, int value, int n) {
        int lanes = SPECIES.length();
        int narrow = n - n % lanes;
        FloatVector weights = FloatVector.broadcast(SPECIES, weight);
        int c = 0;
        for (; c < narrow; c += lanes) {
            FloatVector.fromByteBuffer(SPECIES, values, 4 * (value + c), ORDER)
                    .fma(weights, FloatVector.fromArray(SPECIES, out, outOffset + c))
                    .intoArray(out, outOffset + c);
        }
        for (; c < n; c++) {
            out[outOffset + c] += weight * values.getFloat(4 * (value + c));
        }
    }
}

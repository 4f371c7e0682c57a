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
    /** Positions scored together, and vectors of output columns summed together over the positions. */
    private static final int GROUP = 4;

    private HeadAttention() {}

    /**
     * Writes the head's output into {@code out} from {@code outOffset} on. Each position's score and each output
     * column's sum is added up in one fixed order whatever the count, so a request's results do not depend on its
     * batch; independent scores and columns are interleaved so that their additions overlap, and the columns' sums
     * stay in registers across the positions.
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
        score(q, qOffset, keys, history, headDim, count, scale, scores);
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < count; t++) {
            max = Math.max(max, scores[t]);
        }
        float sum = exponentiate(scores, count, max);
        for (int t = 0; t < count; t++) {
            scores[t] = scores[t] / sum;
        }
        mix(scores, values, history, headDim, count, out, outOffset);
    }

    /** scores[t] = (q . key t) * scale, {@value #GROUP} positions at a time. */
    private static void score(
            float[] q, int qOffset, ByteBuffer keys, int history, int headDim, int count, float scale, float[] scores) {
        int width = SPECIES.length();
        int narrow = headDim - headDim % width;
        float[] lanes = new float[width];
        int t = 0;
        for (; t + GROUP <= count; t += GROUP) {
            int k0 = history + t * headDim;
            int k1 = k0 + headDim;
            int k2 = k1 + headDim;
            int k3 = k2 + headDim;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            for (int c = 0; c < narrow; c += width) {
                FloatVector query = FloatVector.fromArray(SPECIES, q, qOffset + c);
                a0 = query.fma(load(keys, k0 + c), a0);
                a1 = query.fma(load(keys, k1 + c), a1);
                a2 = query.fma(load(keys, k2 + c), a2);
                a3 = query.fma(load(keys, k3 + c), a3);
            }
            scores[t] = tail(Lanes.sum(a0, lanes), q, qOffset, keys, k0, narrow, headDim) * scale;
            scores[t + 1] = tail(Lanes.sum(a1, lanes), q, qOffset, keys, k1, narrow, headDim) * scale;
            scores[t + 2] = tail(Lanes.sum(a2, lanes), q, qOffset, keys, k2, narrow, headDim) * scale;
            scores[t + 3] = tail(Lanes.sum(a3, lanes), q, qOffset, keys, k3, narrow, headDim) * scale;
        }
        for (; t < count; t++) {
            int key = history + t * headDim;
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int c = 0; c < narrow; c += width) {
                acc = FloatVector.fromArray(SPECIES, q, qOffset + c).fma(load(keys, key + c), acc);
            }
            scores[t] = tail(Lanes.sum(acc, lanes), q, qOffset, keys, key, narrow, headDim) * scale;
        }
    }

    /** A dot product's sum over whole vectors plus the columns from {@code c} on that no whole vector covered. */
    private static float tail(float sum, float[] q, int qOffset, ByteBuffer keys, int key, int c, int n) {
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

    /**
     * out = the sum over t of weights[t] * value t, each column summed over t in order: {@value #GROUP} vectors of
     * columns at a time, then any vector left, then the columns no whole vector covers.
     */
    private static void mix(
            float[] weights, ByteBuffer values, int history, int headDim, int count, float[] out, int outOffset) {
        int width = SPECIES.length();
        int narrow = headDim - headDim % width;
        int c = 0;
        for (; c + GROUP * width <= narrow; c += GROUP * width) {
            FloatVector o0 = FloatVector.zero(SPECIES);
            FloatVector o1 = FloatVector.zero(SPECIES);
            FloatVector o2 = FloatVector.zero(SPECIES);
            FloatVector o3 = FloatVector.zero(SPECIES);
            for (int t = 0; t < count; t++) {
                FloatVector weight = FloatVector.broadcast(SPECIES, weights[t]);
                int value = history + t * headDim + c;
                o0 = load(values, value).fma(weight, o0);
                o1 = load(values, value + width).fma(weight, o1);
                o2 = load(values, value + 2 * width).fma(weight, o2);
                o3 = load(values, value + 3 * width).fma(weight, o3);
            }
            o0.intoArray(out, outOffset + c);
            o1.intoArray(out, outOffset + c + width);
            o2.intoArray(out, outOffset + c + 2 * width);
            o3.intoArray(out, outOffset + c + 3 * width);
        }
        for (; c < narrow; c += width) {
            FloatVector o = FloatVector.zero(SPECIES);
            for (int t = 0; t < count; t++) {
                o = load(values, history + t * headDim + c).fma(FloatVector.broadcast(SPECIES, weights[t]), o);
            }
            o.intoArray(out, outOffset + c);
        }
        for (; c < headDim; c++) {
            float sum = 0;
            for (int t = 0; t < count; t++) {
                sum += weights[t] * values.getFloat(4 * (history + t * headDim + c));
            }
            out[outOffset + c] = sum;
        }
    }

    private static FloatVector load(ByteBuffer buffer, int floatIndex) {
        return FloatVector.fromByteBuffer(SPECIES, buffer, 4 * floatIndex, ORDER);
    }
}

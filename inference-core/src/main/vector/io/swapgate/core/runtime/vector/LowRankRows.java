package io.swapgate.core.runtime.vector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One row's LoRA product, (x A^T) B^T, read straight from where a slot table keeps the factors: A^T as [in, stride]
 * and B^T as [stride, out] float32 blocks in native byte order, of which the first {@code width} ranks are used. Both
 * halves run along the contiguous axis of their factor (the ranks, then the outputs), so each factor is read once,
 * front to back, with no sums across lanes, into a row small enough to stay in the first-level cache. Every output is
 * one chain of additions in a fixed order, so a row's product does not depend on the rows beside it.
 */
public final class LowRankRows {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private LowRankRows() {}

    /**
     * u[j] = sum over i of x[x0 + i] aT[a0 + i stride + j], for j below {@code width}: the row's input shrunk to the
     * ranks served, adding one row of A^T at a time.
     */
    public static void shrink(ByteBuffer aT, int a0, int stride, int in, int width, float[] x, int x0, float[] u) {
        Arrays.fill(u, 0, width, 0f);
        for (int i = 0; i < in; i++) {
            addScaled(aT, a0 + i * stride, width, x[x0 + i], u, 0);
        }
    }

    /**
     * y[y0 + o] += sum over j below {@code width} of u[j] bT[b0 + j out + o]: the shrunk row expanded to the outputs,
     * adding one row of B^T at a time.
     */
    public static void expand(ByteBuffer bT, int b0, int width, int out, float[] u, float[] y, int y0) {
        for (int j = 0; j < width; j++) {
            addScaled(bT, b0 + j * out, out, u[j], y, y0);
        }
    }

    /** into[at + k] += scale * factor[from + k] for k below {@code count}: one contiguous row of a factor. */
    private static void addScaled(ByteBuffer factor, int from, int count, float scale, float[] into, int at) {
        int lanes = SPECIES.length();
        FloatVector s = FloatVector.broadcast(SPECIES, scale);
        int k = 0;
        for (; k + lanes <= count; k += lanes) {
            load(factor, from + k)
                    .fma(s, FloatVector.fromArray(SPECIES, into, at + k))
                    .intoArray(into, at + k);
        }
        for (; k < count; k++) {
            into[at + k] += scale * factor.getFloat(4 * (from + k));
        }
    }

    private static FloatVector load(ByteBuffer buffer, int floatIndex) {
        return FloatVector.fromByteBuffer(SPECIES, buffer, 4 * floatIndex, ORDER);
    }
}

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
    /** Vectors of ranks {@link #shrink} keeps in registers: eight, and x's broadcast, fit AVX2's sixteen. */
    static final int BLOCK_VECTORS = 8;

    private LowRankRows() {}

    /**
     * u[j] = sum over i of x[x0 + i] aT[a0 + i stride + j], for j below {@code width}: the row's input shrunk to the
     * ranks served, adding one row of A^T at a time. Ranks go in blocks of {@value #BLOCK_VECTORS} vectors kept in
     * registers over all of x, then whatever is left through u in memory; each u[j] is the same chain either way.
     */
    public static void shrink(ByteBuffer aT, int a0, int stride, int in, int width, float[] x, int x0, float[] u) {
        int block = BLOCK_VECTORS * SPECIES.length();
        int j = 0;
        for (; j + block <= width; j += block) {
            shrinkBlock(aT, a0 + j, stride, in, x, x0, u, j);
        }
        if (j < width) {
            Arrays.fill(u, j, width, 0f);
            for (int i = 0; i < in; i++) {
                addScaled(aT, a0 + i * stride + j, width - j, x[x0 + i], u, j);
            }
        }
    }

    /**
     * One block of ranks, from {@code a0} in each row of A^T and {@code j} in u, summed in registers: adding into u in
     * memory instead makes each row wait for the store of the row before (rank 64 read A^T 15-20% slower).
     */
    private static void shrinkBlock(ByteBuffer aT, int a0, int stride, int in, float[] x, int x0, float[] u, int j) {
        int lanes = SPECIES.length();
        FloatVector u0 = FloatVector.zero(SPECIES);
        FloatVector u1 = u0;
        FloatVector u2 = u0;
        FloatVector u3 = u0;
        FloatVector u4 = u0;
        FloatVector u5 = u0;
        FloatVector u6 = u0;
        FloatVector u7 = u0;
        for (int i = 0; i < in; i++) {
            FloatVector s = FloatVector.broadcast(SPECIES, x[x0 + i]);
            int row = a0 + i * stride;
            u0 = load(aT, row).fma(s, u0);
            u1 = load(aT, row + lanes).fma(s, u1);
            u2 = load(aT, row + 2 * lanes).fma(s, u2);
            u3 = load(aT, row + 3 * lanes).fma(s, u3);
            u4 = load(aT, row + 4 * lanes).fma(s, u4);
            u5 = load(aT, row + 5 * lanes).fma(s, u5);
            u6 = load(aT, row + 6 * lanes).fma(s, u6);
            u7 = load(aT, row + 7 * lanes).fma(s, u7);
        }
        u0.intoArray(u, j);
        u1.intoArray(u, j + lanes);
        u2.intoArray(u, j + 2 * lanes);
        u3.intoArray(u, j + 3 * lanes);
        u4.intoArray(u, j + 4 * lanes);
        u5.intoArray(u, j + 5 * lanes);
        u6.intoArray(u, j + 6 * lanes);
        u7.intoArray(u, j + 7 * lanes);
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

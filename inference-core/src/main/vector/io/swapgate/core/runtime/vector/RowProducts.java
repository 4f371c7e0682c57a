package io.swapgate.core.runtime.vector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products of a few activation rows with a weight stored row-major as [out, in] (y = x W^T), on the JDK's vector API.
 * A decode step is these products, and they are bound by reading the weight: here each weight row is read once for
 * all activation rows, straight from the tensor's memory, in the widest vectors the CPU has. Compiled and run with
 * {@code --add-modules jdk.incubator.vector}; callers check that the module is there before touching this class.
 */
public final class RowProducts {

    /** The most activation rows one pass reads a weight row for: beyond it the products are bound by arithmetic. */
    public static final int MAX_ROWS = 4;

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private RowProducts() {}

    /** Bits in the vectors the products use (256 with AVX2, 512 with AVX-512). */
    public static int vectorBits() {
        return SPECIES.vectorBitSize();
    }

    /**
     * Writes y[j][r] = sum over c of x[j][c] w[r][c] for activation rows j below {@code rows} and weight rows r in
     * [{@code from}, {@code to}). The weight is float32 in native byte order, row-major [out, in]; x is [rows, in] and
     * y [rows, out], row-major.
     */
    public static void multiply(ByteBuffer weight, int in, float[] x, int rows, float[] y, int out, int from, int to) {
        if (rows < 1 || rows > MAX_ROWS) {
            throw new IllegalArgumentException("1 to " + MAX_ROWS + " activation rows, not " + rows);
        }
        if (rows == 1) {
            oneRow(weight, in, x, y, from, to);
        } else {
            fewRows(weight, in, x, rows, y, out, from, to);
        }
    }

    /** One activation row: four accumulators in flight, so the loads, not the additions' latency, set the pace. */
    private static void oneRow(ByteBuffer weight, int in, float[] x, float[] y, int from, int to) {
        int lanes = SPECIES.length();
        int wide = in - in % (4 * lanes);
        int narrow = in - in % lanes;
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < wide; c += 4 * lanes) {
                a0 = load(weight, base + c).fma(FloatVector.fromArray(SPECIES, x, c), a0);
                a1 = load(weight, base + c + lanes).fma(FloatVector.fromArray(SPECIES, x, c + lanes), a1);
                a2 = load(weight, base + c + 2 * lanes).fma(FloatVector.fromArray(SPECIES, x, c + 2 * lanes), a2);
                a3 = load(weight, base + c + 3 * lanes).fma(FloatVector.fromArray(SPECIES, x, c + 3 * lanes), a3);
            }
            for (; c < narrow; c += lanes) {
                a0 = load(weight, base + c).fma(FloatVector.fromArray(SPECIES, x, c), a0);
            }
            y[r] = finish(a0.add(a1).add(a2.add(a3)), weight, base, x, 0, c, in);
        }
    }

    /**
     * Two to four activation rows: one load of each weight vector feeds every row's accumulator. Rows past {@code rows}
     * repeat the last one, so the loop has no branches; their sums are not written.
     */
    private static void fewRows(ByteBuffer weight, int in, float[] x, int rows, float[] y, int out, int from, int to) {
        int lanes = SPECIES.length();
        int narrow = in - in % lanes;
        int x1 = Math.min(1, rows - 1) * in;
        int x2 = Math.min(2, rows - 1) * in;
        int x3 = Math.min(3, rows - 1) * in;
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < narrow; c += lanes) {
                FloatVector w = load(weight, base + c);
                a0 = w.fma(FloatVector.fromArray(SPECIES, x, c), a0);
                a1 = w.fma(FloatVector.fromArray(SPECIES, x, x1 + c), a1);
                a2 = w.fma(FloatVector.fromArray(SPECIES, x, x2 + c), a2);
                a3 = w.fma(FloatVector.fromArray(SPECIES, x, x3 + c), a3);
            }
            y[r] = finish(a0, weight, base, x, 0, c, in);
            if (rows > 1) {
                y[out + r] = finish(a1, weight, base, x, x1, c, in);
            }
            if (rows > 2) {
                y[2 * out + r] = finish(a2, weight, base, x, x2, c, in);
            }
            if (rows > 3) {
                y[3 * out + r] = finish(a3, weight, base, x, x3, c, in);
            }
        }
    }

    /** An accumulator's sum plus the products of the columns from {@code c} on that no whole vector covered. */
    private static float finish(FloatVector sum, ByteBuffer weight, int base, float[] x, int start, int c, int in) {
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (int t = c; t < in; t++) {
            total += weight.getFloat(4 * (base + t)) * x[start + t];
        }
        return total;
    }

    private static FloatVector load(ByteBuffer buffer, int floatIndex) {
        return FloatVector.fromByteBuffer(SPECIES, buffer, 4 * floatIndex, ORDER);
    }
}

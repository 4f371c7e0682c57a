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

    /** Activation rows one pass over a weight row multiplies: more accumulators than this spill registers. */
    static final int PASS_ROWS = 4;

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private RowProducts() {}

    /** Bits in the vectors the products use (256 with AVX2, 512 with AVX-512). */
    public static int vectorBits() {
        return SPECIES.vectorBitSize();
    }

    /**
     * Writes y[j][r] = sum over c of x[j][c] w[r][c] for every activation row j and weight rows r in [{@code from},
     * {@code to}). The weight is float32 in native byte order, row-major [out, in]; x is [rows, in] and y [rows, out],
     * row-major. Up to {@value #PASS_ROWS} activation rows share each read of a weight row; more rows take further
     * passes over the same weight rows, which a caller splitting the weight into chunks a cache holds finds there.
     */
    public static void multiply(ByteBuffer weight, int in, float[] x, int rows, float[] y, int out, int from, int to) {
        for (int first = 0; first < rows; first += PASS_ROWS) {
            int count = Math.min(PASS_ROWS, rows - first);
            if (count == 1) {
                oneRow(weight, in, x, first, y, out, from, to);
            } else {
                fewRows(weight, in, x, first, count, y, out, from, to);
            }
        }
    }

    /** Activation row {@code row}: four accumulators in flight, so the loads, not the additions' latency, set the pace. */
    private static void oneRow(ByteBuffer weight, int in, float[] x, int row, float[] y, int out, int from, int to) {
        int lanes = SPECIES.length();
        int wide = in - in % (4 * lanes);
        int narrow = in - in % lanes;
        int x0 = row * in;
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < wide; c += 4 * lanes) {
                a0 = load(weight, base + c).fma(FloatVector.fromArray(SPECIES, x, x0 + c), a0);
                a1 = load(weight, base + c + lanes).fma(FloatVector.fromArray(SPECIES, x, x0 + c + lanes), a1);
                a2 = load(weight, base + c + 2 * lanes).fma(FloatVector.fromArray(SPECIES, x, x0 + c + 2 * lanes), a2);
                a3 = load(weight, base + c + 3 * lanes).fma(FloatVector.fromArray(SPECIES, x, x0 + c + 3 * lanes), a3);
            }
            for (; c < narrow; c += lanes) {
                a0 = load(weight, base + c).fma(FloatVector.fromArray(SPECIES, x, x0 + c), a0);
            }
            y[row * out + r] = finish(a0.add(a1).add(a2.add(a3)), weight, base, x, x0, c, in);
        }
    }

    /**
     * Activation rows {@code first} to {@code first + count - 1}, two to four of them: one load of each weight vector
     * feeds every row's accumulator. Rows past the last repeat it, so the loop has no branches; their sums are not
     * written.
     */
    private static void fewRows(
            ByteBuffer weight, int in, float[] x, int first, int count, float[] y, int out, int from, int to) {
        int lanes = SPECIES.length();
        int narrow = in - in % lanes;
        int x0 = first * in;
        int x1 = (first + Math.min(1, count - 1)) * in;
        int x2 = (first + Math.min(2, count - 1)) * in;
        int x3 = (first + Math.min(3, count - 1)) * in;
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < narrow; c += lanes) {
                FloatVector w = load(weight, base + c);
                a0 = w.fma(FloatVector.fromArray(SPECIES, x, x0 + c), a0);
                a1 = w.fma(FloatVector.fromArray(SPECIES, x, x1 + c), a1);
                a2 = w.fma(FloatVector.fromArray(SPECIES, x, x2 + c), a2);
                a3 = w.fma(FloatVector.fromArray(SPECIES, x, x3 + c), a3);
            }
            y[first * out + r] = finish(a0, weight, base, x, x0, c, in);
            y[(first + 1) * out + r] = finish(a1, weight, base, x, x1, c, in);
            if (count > 2) {
                y[(first + 2) * out + r] = finish(a2, weight, base, x, x2, c, in);
            }
            if (count > 3) {
                y[(first + 3) * out + r] = finish(a3, weight, base, x, x3, c, in);
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

package io.swapgate.core.runtime.vector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products of a few activation rows with a weight stored row-major as [out, in] (y = x W^T), on the JDK's vector API.
 * A decode step is these products, and they are bound by reading the weight: here each weight row is read once for
 * all activation rows, straight from the tensor's memory, in the widest vectors the CPU has. Compiled and run with
 * {@code --add-modules jdk.incubator.vector}; callers check that the module is there before touching this class.
 */
public final class RowProducts {

    /** Activation rows a pass over the weight multiplies, but for one pass of five or six ({@link #passOfSix}). */
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
     * row-major. Up to {@value #PASS_ROWS} activation rows share each read of a weight row, five or six where that
     * saves a pass; more rows take further passes over the same weight rows, which a caller splitting the weight into
     * chunks a cache holds finds there.
     * Every row's sum is added up in the same order however many rows come with it, so a row's result does not depend
     * on the batch it came in: a request's log-probabilities are the same alone or beside others.
     */
    public static void multiply(ByteBuffer weight, int in, float[] x, int rows, float[] y, int out, int from, int to) {
        int first = 0;
        if (rows > PASS_ROWS && rows % PASS_ROWS <= 2 && rows % PASS_ROWS > 0) {
            // One or two rows left over would take a pass over the weight of their own: five or six share one.
            int count = rows % PASS_ROWS + PASS_ROWS;
            passOfSix(weight, in, x, count, y, out, from, to);
            first = count;
        }
        for (; first < rows; first += PASS_ROWS) {
            int count = Math.min(PASS_ROWS, rows - first);
            if (count == 1) {
                oneRow(weight, in, x, first, y, out, from, to);
            } else {
                pass(weight, in, x, first, count, y, out, from, to);
            }
        }
    }

    /** Activation row {@code row} alone, its additions in {@link #pass}'s order with the loads of one row only. */
    private static void oneRow(ByteBuffer weight, int in, float[] x, int row, float[] y, int out, int from, int to) {
        int lanes = SPECIES.length();
        int pairs = in - in % (2 * lanes);
        int narrow = in - in % lanes;
        int x0 = row * in;
        float[] scratch = new float[lanes];
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector e0 = FloatVector.zero(SPECIES);
            FloatVector o0 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < pairs; c += 2 * lanes) {
                e0 = load(weight, base + c).fma(FloatVector.fromArray(SPECIES, x, x0 + c), e0);
                o0 = load(weight, base + c + lanes).fma(FloatVector.fromArray(SPECIES, x, x0 + c + lanes), o0);
            }
            if (c < narrow) {
                e0 = load(weight, base + c).fma(FloatVector.fromArray(SPECIES, x, x0 + c), e0);
                c = narrow;
            }
            y[row * out + r] = finish(e0.add(o0), scratch, weight, base, x, x0, c, in);
        }
    }

    /**
     * Activation rows {@code first} to {@code first + count - 1}, one to four of them: one load of each weight vector
     * feeds every row's accumulators. Each row has two, for even and odd vectors of the row, so that two chains of
     * additions are in flight. Rows past the last repeat it, so the loop has no branches; their sums are not written.
     * Each row's sum is added up in the same order whatever the other rows, so a row's result does not depend on the
     * batch it came in (a request's log-probabilities are the same alone or beside others).
     */
    private static void pass(
            ByteBuffer weight, int in, float[] x, int first, int count, float[] y, int out, int from, int to) {
        int lanes = SPECIES.length();
        int pairs = in - in % (2 * lanes);
        int narrow = in - in % lanes;
        int x0 = first * in;
        float[] scratch = new float[lanes];
        int x1 = (first + Math.min(1, count - 1)) * in;
        int x2 = (first + Math.min(2, count - 1)) * in;
        int x3 = (first + Math.min(3, count - 1)) * in;
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector e0 = FloatVector.zero(SPECIES);
            FloatVector e1 = FloatVector.zero(SPECIES);
            FloatVector e2 = FloatVector.zero(SPECIES);
            FloatVector e3 = FloatVector.zero(SPECIES);
            FloatVector o0 = FloatVector.zero(SPECIES);
            FloatVector o1 = FloatVector.zero(SPECIES);
            FloatVector o2 = FloatVector.zero(SPECIES);
            FloatVector o3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < pairs; c += 2 * lanes) {
                FloatVector even = load(weight, base + c);
                FloatVector odd = load(weight, base + c + lanes);
                e0 = even.fma(FloatVector.fromArray(SPECIES, x, x0 + c), e0);
                e1 = even.fma(FloatVector.fromArray(SPECIES, x, x1 + c), e1);
                e2 = even.fma(FloatVector.fromArray(SPECIES, x, x2 + c), e2);
                e3 = even.fma(FloatVector.fromArray(SPECIES, x, x3 + c), e3);
                o0 = odd.fma(FloatVector.fromArray(SPECIES, x, x0 + c + lanes), o0);
                o1 = odd.fma(FloatVector.fromArray(SPECIES, x, x1 + c + lanes), o1);
                o2 = odd.fma(FloatVector.fromArray(SPECIES, x, x2 + c + lanes), o2);
                o3 = odd.fma(FloatVector.fromArray(SPECIES, x, x3 + c + lanes), o3);
            }
            if (c < narrow) { // one vector left over: it counts as even
                FloatVector even = load(weight, base + c);
                e0 = even.fma(FloatVector.fromArray(SPECIES, x, x0 + c), e0);
                e1 = even.fma(FloatVector.fromArray(SPECIES, x, x1 + c), e1);
                e2 = even.fma(FloatVector.fromArray(SPECIES, x, x2 + c), e2);
                e3 = even.fma(FloatVector.fromArray(SPECIES, x, x3 + c), e3);
                c = narrow;
            }
            y[first * out + r] = finish(e0.add(o0), scratch, weight, base, x, x0, c, in);
            if (count > 1) {
                y[(first + 1) * out + r] = finish(e1.add(o1), scratch, weight, base, x, x1, c, in);
            }
            if (count > 2) {
                y[(first + 2) * out + r] = finish(e2.add(o2), scratch, weight, base, x, x2, c, in);
            }
            if (count > 3) {
                y[(first + 3) * out + r] = finish(e3.add(o3), scratch, weight, base, x, x3, c, in);
            }
        }
    }

    /**
     * Activation rows 0 to {@code count - 1}, five or six of them (with five, the sixth repeats the fifth, its sums
     * not written), in one pass as {@link #pass} does four: twelve accumulators and the two weight vectors still fit
     * AVX2's sixteen registers. Reading the weight binds a pass of a few rows, so this costs little more than four
     * rows' pass (6 rows of the peer model: 26.5 ms a step against 40-44 in two passes). Each row's sum is added up in
     * {@link #pass}'s order.
     */
    private static void passOfSix(
            ByteBuffer weight, int in, float[] x, int count, float[] y, int out, int from, int to) {
        int lanes = SPECIES.length();
        int pairs = in - in % (2 * lanes);
        int narrow = in - in % lanes;
        float[] scratch = new float[lanes];
        int x1 = in;
        int x2 = 2 * in;
        int x3 = 3 * in;
        int x4 = 4 * in;
        int x5 = (count - 1) * in;
        for (int r = from; r < to; r++) {
            int base = r * in;
            FloatVector e0 = FloatVector.zero(SPECIES);
            FloatVector e1 = FloatVector.zero(SPECIES);
            FloatVector e2 = FloatVector.zero(SPECIES);
            FloatVector e3 = FloatVector.zero(SPECIES);
            FloatVector e4 = FloatVector.zero(SPECIES);
            FloatVector e5 = FloatVector.zero(SPECIES);
            FloatVector o0 = FloatVector.zero(SPECIES);
            FloatVector o1 = FloatVector.zero(SPECIES);
            FloatVector o2 = FloatVector.zero(SPECIES);
            FloatVector o3 = FloatVector.zero(SPECIES);
            FloatVector o4 = FloatVector.zero(SPECIES);
            FloatVector o5 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < pairs; c += 2 * lanes) {
                FloatVector even = load(weight, base + c);
                FloatVector odd = load(weight, base + c + lanes);
                e0 = even.fma(FloatVector.fromArray(SPECIES, x, c), e0);
                e1 = even.fma(FloatVector.fromArray(SPECIES, x, x1 + c), e1);
                e2 = even.fma(FloatVector.fromArray(SPECIES, x, x2 + c), e2);
                e3 = even.fma(FloatVector.fromArray(SPECIES, x, x3 + c), e3);
                e4 = even.fma(FloatVector.fromArray(SPECIES, x, x4 + c), e4);
                e5 = even.fma(FloatVector.fromArray(SPECIES, x, x5 + c), e5);
                o0 = odd.fma(FloatVector.fromArray(SPECIES, x, c + lanes), o0);
                o1 = odd.fma(FloatVector.fromArray(SPECIES, x, x1 + c + lanes), o1);
                o2 = odd.fma(FloatVector.fromArray(SPECIES, x, x2 + c + lanes), o2);
                o3 = odd.fma(FloatVector.fromArray(SPECIES, x, x3 + c + lanes), o3);
                o4 = odd.fma(FloatVector.fromArray(SPECIES, x, x4 + c + lanes), o4);
                o5 = odd.fma(FloatVector.fromArray(SPECIES, x, x5 + c + lanes), o5);
            }
            if (c < narrow) { // one vector left over: it counts as even
                FloatVector even = load(weight, base + c);
                e0 = even.fma(FloatVector.fromArray(SPECIES, x, c), e0);
                e1 = even.fma(FloatVector.fromArray(SPECIES, x, x1 + c), e1);
                e2 = even.fma(FloatVector.fromArray(SPECIES, x, x2 + c), e2);
                e3 = even.fma(FloatVector.fromArray(SPECIES, x, x3 + c), e3);
                e4 = even.fma(FloatVector.fromArray(SPECIES, x, x4 + c), e4);
                e5 = even.fma(FloatVector.fromArray(SPECIES, x, x5 + c), e5);
                c = narrow;
            }
            y[r] = finish(e0.add(o0), scratch, weight, base, x, 0, c, in);
            y[out + r] = finish(e1.add(o1), scratch, weight, base, x, x1, c, in);
            y[2 * out + r] = finish(e2.add(o2), scratch, weight, base, x, x2, c, in);
            y[3 * out + r] = finish(e3.add(o3), scratch, weight, base, x, x3, c, in);
            y[4 * out + r] = finish(e4.add(o4), scratch, weight, base, x, x4, c, in);
            if (count > 5) {
                y[5 * out + r] = finish(e5.add(o5), scratch, weight, base, x, x5, c, in);
            }
        }
    }

    /** An accumulator's sum plus the products of the columns from {@code c} on that no whole vector covered. */
    private static float finish(
            FloatVector sum, float[] scratch, ByteBuffer weight, int base, float[] x, int start, int c, int in) {
        float total = Lanes.sum(sum, scratch);
        for (int t = c; t < in; t++) {
            total += weight.getFloat(4 * (base + t)) * x[start + t];
        }
        return total;
    }

    private static FloatVector load(ByteBuffer buffer, int floatIndex) {
        return FloatVector.fromByteBuffer(SPECIES, buffer, 4 * floatIndex, ORDER);
    }
}

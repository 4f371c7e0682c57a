package io.swapgate.core.runtime.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels against the plain loops they replace, at sizes that are whole vectors and sizes that leave a
 * remainder, with the weight in a direct buffer as the runtime's tensors hand it over.
 */
class VectorKernelsTest {

    private static final float TOLERANCE = 1e-5f;
    private final SplittableRandom random = new SplittableRandom(3);

    @Test
    void rowProductsMatchPlainDotProductsForOneToElevenRows() {
        for (int in : new int[] {64, 37, 5}) {
            int out = 23;
            float[] weight = values(out * in);
            ByteBuffer buffer = direct(weight);
            for (int rows = 1; rows <= 11; rows++) { // 9-10: a pass of five or six, then one of four; 11: three of four
                float[] x = values(rows * in);
                float[] y = new float[rows * out];
                // In two ranges, as a team's two threads would split the weight's rows.
                RowProducts.multiply(buffer, in, x, rows, y, out, 0, 9);
                RowProducts.multiply(buffer, in, x, rows, y, out, 9, out);
                for (int j = 0; j < rows; j++) {
                    for (int r = 0; r < out; r++) {
                        float expected = 0;
                        for (int c = 0; c < in; c++) {
                            expected += x[j * in + c] * weight[r * in + c];
                        }
                        assertEquals(
                                expected,
                                y[j * out + r],
                                TOLERANCE,
                                rows + " rows of " + in + ": y[" + j + "][" + r + "]");
                    }
                }
            }
        }
    }

    @Test
    void aRowsProductIsTheSameBitForBitWhateverRowsComeWithIt() {
        int in = 37;
        int out = 11;
        ByteBuffer weight = direct(values(out * in));
        float[] x = values(11 * in);
        for (int rows = 2; rows <= 11; rows++) {
            float[] together = new float[rows * out];
            RowProducts.multiply(weight, in, x, rows, together, out, 0, out);
            for (int j = 0; j < rows; j++) {
                float[] alone = new float[out];
                RowProducts.multiply(
                        weight, in, java.util.Arrays.copyOfRange(x, j * in, (j + 1) * in), 1, alone, out, 0, out);
                for (int r = 0; r < out; r++) {
                    assertEquals(
                            Float.floatToIntBits(alone[r]),
                            Float.floatToIntBits(together[j * out + r]),
                            "row " + j + " of " + rows + ", output " + r);
                }
            }
        }
    }

    @Test
    void headAttentionIsSoftmaxOfScaledScoresTimesValues() {
        for (int headDim : new int[] {64, 6}) {
            int positions = 19;
            int history = 2 * positions * headDim; // the head's history starts past other heads' in the buffer
            float[] keys = values(history + positions * headDim);
            float[] values = values(history + positions * headDim);
            float[] q = values(3 + headDim);
            for (int count : new int[] {1, 8, 13, positions}) {
                float scale = 0.37f;
                float[] out = new float[5 + headDim];
                HeadAttention.attend(
                        q, 3, direct(keys), direct(values), history, headDim, count, scale, new float[count], out, 5);
                double[] weights = new double[count];
                double sum = 0;
                for (int t = 0; t < count; t++) {
                    double score = 0;
                    for (int c = 0; c < headDim; c++) {
                        score += q[3 + c] * keys[history + t * headDim + c];
                    }
                    weights[t] = Math.exp(score * scale);
                    sum += weights[t];
                }
                for (int c = 0; c < headDim; c++) {
                    double expected = 0;
                    for (int t = 0; t < count; t++) {
                        expected += weights[t] / sum * values[history + t * headDim + c];
                    }
                    assertEquals(
                            expected,
                            out[5 + c],
                            TOLERANCE,
                            headDim + " wide, " + count + " positions: out[" + c + "]");
                }
            }
        }
    }

    @Test
    void lowRankRowsShrinkAndExpandAsPlainLoopsOverTheServedRanksOnly() {
        int in = 37;
        int out = 45;
        int stride = 24; // the table's largest rank: rows of A^T are this long, B^T has this many rows per block
        float[] aT = values(3 * in * stride); // a block before and after the one read
        float[] bT = values(3 * stride * out);
        int a0 = in * stride;
        int b0 = stride * out;
        for (int width : new int[] {1, 5, 8, 19, 24}) {
            float[] x = values(3 + in);
            float[] u = values(width); // stale values: shrink must overwrite them
            LowRankRows.shrink(direct(aT), a0, stride, in, width, x, 3, u);
            float[] y = values(2 + out);
            float[] before = y.clone();
            LowRankRows.expand(direct(bT), b0, width, out, u, y, 2);
            for (int j = 0; j < width; j++) {
                float expected = 0;
                for (int i = 0; i < in; i++) {
                    expected += x[3 + i] * aT[a0 + i * stride + j];
                }
                assertEquals(expected, u[j], TOLERANCE, "rank " + width + ": shrunk[" + j + "]");
            }
            for (int o = 0; o < out; o++) {
                float expected = before[2 + o];
                for (int j = 0; j < width; j++) {
                    expected += u[j] * bT[b0 + j * out + o];
                }
                assertEquals(expected, y[2 + o], TOLERANCE, "rank " + width + ": y[" + o + "]");
            }
            assertEquals(before[0], y[0], "outputs before the row's are left alone");
        }
    }

    @Test
    void lowRankShrinkAddsEachRanksChainInOneOrderWhetherItsBlockSitsInRegistersOrNot() {
        int lanes = RowProducts.vectorBits() / Float.SIZE;
        int block = LowRankRows.BLOCK_VECTORS * lanes;
        int in = 37;
        int stride = 2 * block + 8;
        float[] aT = values(2 * in * stride);
        int a0 = in * stride;
        // One block in registers; one and a remainder of whole vectors and single ranks; two and a few single ranks.
        for (int width : new int[] {block, block + lanes + 5, 2 * block + 3}) {
            float[] x = values(in);
            float[] u = values(width);
            LowRankRows.shrink(direct(aT), a0, stride, in, width, x, 0, u);
            int whole = (width / block) * block + ((width % block) / lanes) * lanes;
            for (int j = 0; j < width; j++) {
                float expected = 0;
                for (int i = 0; i < in; i++) {
                    float a = aT[a0 + i * stride + j];
                    // Whole vectors fuse each product into the sum; ranks past them add it rounded, as plain Java does.
                    expected = j < whole ? Math.fma(a, x[i], expected) : expected + x[i] * a;
                }
                assertEquals(
                        Float.floatToIntBits(expected),
                        Float.floatToIntBits(u[j]),
                        "rank " + j + " of " + width + " (" + whole + " in whole vectors)");
            }
        }
    }

    private float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static ByteBuffer direct(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder());
        buffer.asFloatBuffer().put(values);
        return buffer;
    }
}

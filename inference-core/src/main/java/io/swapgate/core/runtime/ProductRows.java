package io.swapgate.core.runtime;

/**
 * How many rows a weight product through libtorch's BLAS is computed for: the step's rows, padded with zero rows where
 * that is faster. On this machine's MKL (AVX2, docs/benchmarks.md) the rows past a multiple of 16 are multiplied in
 * pieces of 8, 4, 2 and 1, and each piece reads the whole weight again; padded up to a multiple of 8 they cost only
 * their arithmetic. Decode steps of the 85.7M peer model, 2 cores: 31 rows took 111.8 ms unpadded and 78.1 padded to
 * 32 (32 rows: 73.3), 23 rows 96.0 against 71.7; padding lost 2-8% only where one piece is left (17, 18, 20, 33, 34,
 * 36, 49, 50, 52 rows), which is kept unpadded. A lone row is multiplied as two when there are several threads, since
 * the BLAS runs a matrix-vector product on one.
 */
final class ProductRows {

    /** Below this many rows no padding was measured; the vector decoder takes such steps on the CPU anyway. */
    private static final long PADDED_FROM = 17;

    private ProductRows() {}

    static long of(long rows, int threads) {
        if (rows == 1) {
            return threads > 1 ? 2 : 1;
        }
        if (rows < PADDED_FROM || Long.bitCount(rows % 16) <= 1) {
            return rows;
        }
        return (rows + 7) / 8 * 8;
    }
}

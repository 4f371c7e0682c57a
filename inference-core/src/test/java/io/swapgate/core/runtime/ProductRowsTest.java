package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProductRowsTest {

    @ParameterizedTest(name = "{0} rows on {1} threads: {2}")
    @CsvSource({
        // past a multiple of 16, rows that would leave several pieces: padded to a multiple of 8
        "31, 2, 32",
        "25, 2, 32",
        "19, 2, 24",
        "38, 2, 40",
        "63, 1, 64",
        // one piece left over, or none: as they are
        "17, 2, 17",
        "34, 2, 34",
        "36, 2, 36",
        "32, 2, 32",
        "40, 2, 40",
        // few rows are not padded, but a lone row is two on several threads
        "7, 2, 7",
        "15, 2, 15",
        "1, 2, 2",
        "1, 1, 1"
    })
    void rowsAreComputedAs(long rows, int threads, long computed) {
        assertEquals(computed, ProductRows.of(rows, threads));
    }
}

package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProductRowsTest {

    @Test
    void rowsThatLeaveSeveralPiecesPastSixteenArePaddedToAMultipleOfEight() {
        assertEquals(32, ProductRows.of(31, 2));
        assertEquals(32, ProductRows.of(25, 2));
        assertEquals(24, ProductRows.of(19, 2));
        assertEquals(40, ProductRows.of(38, 2));
        assertEquals(64, ProductRows.of(63, 1));
    }

    @Test
    void rowsThatLeaveOnePieceOrNoneAreNotPadded() {
        assertEquals(17, ProductRows.of(17, 2));
        assertEquals(34, ProductRows.of(34, 2));
        assertEquals(36, ProductRows.of(36, 2));
        assertEquals(32, ProductRows.of(32, 2));
        assertEquals(40, ProductRows.of(40, 2));
    }

    @Test
    void fewRowsAreNotPaddedButALoneRowIsTwoOnSeveralThreads() {
        assertEquals(7, ProductRows.of(7, 2));
        assertEquals(15, ProductRows.of(15, 2));
        assertEquals(2, ProductRows.of(1, 2));
        assertEquals(1, ProductRows.of(1, 1));
    }
}

package io.swapgate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WeightArenaTest {

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    private static float[] counting(int from, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + i;
        }
        return values;
    }

    @Test
    void eachWeightHoldsItsOwnValuesInItsShape() {
        WeightArena arena = new WeightArena(manager, 6 + 4);
        NDArray matrix = arena.place(new Shape(2, 3), counting(0, 6));
        NDArray vector = arena.place(new Shape(4), counting(100, 4));

        assertEquals(new Shape(2, 3), matrix.getShape());
        assertArrayEquals(counting(0, 6), matrix.toFloatArray());
        assertArrayEquals(counting(100, 4), vector.toFloatArray());
        assertArrayEquals(new float[] {1, 4}, matrix.get(":, 1").toFloatArray(), "row-major");
    }

    @Test
    void fusedWeightsAreTheirPartsRowAfterRow() {
        WeightArena arena = new WeightArena(manager, 4 + 2 + 2);
        NDArray fused = arena.place(new Shape(4, 2), counting(0, 4), counting(10, 2), counting(20, 2));

        assertArrayEquals(new float[] {0, 1, 2, 3, 10, 11, 20, 21}, fused.toFloatArray());
    }

    @Test
    void aWeightThatDoesNotFitTheBlockStartsANewOne() {
        WeightArena arena = new WeightArena(manager, 4 + 4 + 12, 10);
        NDArray first = arena.place(new Shape(4), counting(0, 4));
        NDArray second = arena.place(new Shape(4), counting(4, 4));
        NDArray larger = arena.place(new Shape(3, 4), counting(8, 12));

        assertArrayEquals(counting(0, 4), first.toFloatArray());
        assertArrayEquals(counting(4, 4), second.toFloatArray());
        assertArrayEquals(counting(8, 12), larger.toFloatArray(), "a weight larger than a block has one of its own");
    }

    @Test
    void moreValuesThanTheArenaWasSizedForAreRefused() {
        WeightArena arena = new WeightArena(manager, 4);
        arena.place(new Shape(2), counting(0, 2));

        assertThrows(IllegalStateException.class, () -> arena.place(new Shape(3), counting(0, 3)));
    }

    @Test
    void valuesThatDoNotFillTheShapeAreRefused() {
        WeightArena arena = new WeightArena(manager, 8);

        assertThrows(IllegalArgumentException.class, () -> arena.place(new Shape(2, 3), counting(0, 4)));
    }
}

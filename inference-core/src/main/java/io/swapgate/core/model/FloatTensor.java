package io.swapgate.core.model;

import java.util.Arrays;

/** A named dense float32 tensor in row-major order, as read from a model file. */
public record FloatTensor(String name, int[] shape, float[] data) {

    public FloatTensor {
        long expected = 1;
        for (int d : shape) {
            expected *= d;
        }
        if (expected != data.length) {
            throw new IllegalArgumentException(
                    "tensor " + name + " has shape " + Arrays.toString(shape) + " but " + data.length + " values");
        }
    }

    /** Fails with a message naming the tensor unless it has exactly the expected shape. */
    public FloatTensor requireShape(int... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + ", expected "
                    + Arrays.toString(expected));
        }
        return this;
    }

    /** The same values under another name and shape (same element count). */
    public FloatTensor withShape(String newName, int... newShape) {
        return new FloatTensor(newName, newShape, data);
    }
}

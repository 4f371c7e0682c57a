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

    /** Rows {@code from} .. {@code from + count} of a matrix, under {@code newName}: one part of a fused matrix. */
    public FloatTensor rows(String newName, int from, int count) {
        if (shape.length != 2 || from < 0 || count < 0 || from + count > shape[0]) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape)
                    + " has no rows " + from + ".." + (from + count));
        }
        int cols = shape[1];
        return new FloatTensor(
                newName, new int[] {count, cols}, Arrays.copyOfRange(data, from * cols, (from + count) * cols));
    }

    /** The same values under another name and shape (same element count). */
    public FloatTensor withShape(String newName, int... newShape) {
        return new FloatTensor(newName, newShape, data);
    }
}

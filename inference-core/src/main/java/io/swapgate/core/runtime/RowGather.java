package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * Row selection by index through libtorch's embedding lookup (an index_select that copies whole rows), which is far
 * faster than the element-wise advanced-indexing kernel behind {@code get(NDIndex)} for wide rows.
 */
final class RowGather {

    private RowGather() {}

    /**
     * The rows {@code index} names of {@code table}'s first axis: [index..., rest of table's shape], owned by
     * {@code step}. {@code table} must be viewable as 2-D (its trailing axes contiguous).
     */
    static NDArray rows(NDArray table, NDArray index, NDManager step) {
        Shape shape = table.getShape();
        NDArray flat = table.reshape(shape.get(0), -1);
        flat.attach(step); // a view, but DJL files it under the table's long-lived manager
        NDArray picked = flat.getNDArrayInternal()
                .embedding(index, flat, SparseFormat.DENSE)
                .singletonOrThrow();
        picked.attach(step);
        return picked.reshape(index.getShape().addAll(shape.slice(1)));
    }
}

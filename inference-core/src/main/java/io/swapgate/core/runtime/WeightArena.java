package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The model's float32 weights, copied from Java arrays into one block of memory that libtorch allocates (or a few, for
 * a model over 1 GiB), each weight a view of its part of the block. With {@code THP_MEM_ALLOC_ENABLE=1} libtorch's
 * allocator asks the kernel for huge pages for its blocks, and one block of the whole model is nearly all huge pages,
 * where a block per weight loses up to 2 MiB at each end. A decode step reads every weight once, and this machine
 * reads memory on 4 KiB pages 10-15% slower than on huge pages (docs/benchmarks.md); the direct buffers DJL copies
 * arrays into never get them (and are freed only when the garbage collector gets to them). On a GPU each weight is
 * its own tensor, uploaded as before.
 */
final class WeightArena {

    /** The largest block, in floats (1 GiB): a block's memory is filled through one buffer, which int indexes. */
    private static final long MAX_BLOCK = 1L << 28;

    private final NDManager manager;
    private final long maxBlock;
    private final boolean onGpu;
    /** Floats still to be placed: the size of the next block, up to the largest. */
    private long valuesLeft;

    private NDArray block;
    private FloatBuffer memory;

    /** Room for weights of {@code values} floats in all. */
    WeightArena(NDManager manager, long values) {
        this(manager, values, MAX_BLOCK);
    }

    /** Blocks of at most {@code maxBlock} floats, but for a weight larger than that, which has a block to itself. */
    WeightArena(NDManager manager, long values, long maxBlock) {
        this.manager = manager;
        this.maxBlock = maxBlock;
        this.onGpu = manager.getDevice().isGpu();
        this.valuesLeft = values;
    }

    /**
     * A tensor of {@code shape} holding {@code parts} one after another, row-major: several weights fused along their
     * first dimension, or one weight alone.
     */
    NDArray place(Shape shape, float[]... parts) {
        long values = 0;
        for (float[] part : parts) {
            values += part.length;
        }
        if (values != shape.size()) {
            throw new IllegalArgumentException(values + " values do not fill a tensor of shape " + shape);
        }
        if (values > valuesLeft) {
            throw new IllegalStateException("the arena has room for " + valuesLeft + " more values, not " + values);
        }
        if (onGpu) {
            valuesLeft -= values;
            return uploaded(shape, parts);
        }
        if (memory == null || values > memory.remaining()) {
            block = manager.create(new Shape(Math.max(values, Math.min(maxBlock, valuesLeft))), DataType.FLOAT32);
            memory = block.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        valuesLeft -= values;
        int start = memory.position();
        for (float[] part : parts) {
            memory.put(part);
        }
        return block.get(new NDIndex("{}:{}", start, memory.position())).reshape(shape);
    }

    private NDArray uploaded(Shape shape, float[]... parts) {
        if (parts.length == 1) {
            return manager.create(parts[0], shape);
        }
        long columns = shape.size() / shape.get(0);
        try (NDList pieces = new NDList()) {
            for (float[] part : parts) {
                pieces.add(manager.create(part, new Shape(part.length / columns, columns)));
            }
            return NDArrays.concat(pieces, 0);
        }
    }
}

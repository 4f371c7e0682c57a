package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * Keys and values of every layer for a fixed number of sequence slots, preallocated once:
 * per layer one [slots, kvHeads, maxLength, headDim] tensor for keys and one for values. A sequence owns one slot
 * for its lifetime; freeing the slot is all it takes to release its cache.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int slots;
    private final int maxLength;
    private final long bytes;
    /** Each layer's keys and values as buffers over the tensors' memory, made when first asked for. */
    private final ByteBuffer[] keyMemory;

    private final ByteBuffer[] valueMemory;

    KvCache(NDManager parent, int layers, int slots, int maxLength, int kvHeads, int headDim, DataType dataType) {
        this.manager = parent.newSubManager();
        this.slots = slots;
        this.maxLength = maxLength;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        // Head-major: a slot's history of one head is a [length, headDim] matrix that attention multiplies in place.
        Shape shape = new Shape(slots, kvHeads, maxLength, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(shape, dataType);
            values[l] = manager.zeros(shape, dataType);
        }
        this.bytes = 2L * layers * shape.size() * dataType.getNumOfBytes();
        this.keyMemory = new ByteBuffer[layers];
        this.valueMemory = new ByteBuffer[layers];
    }

    /** Whether one layer's keys (or values) fit a buffer's int index, as {@link #keyMemory} needs. */
    boolean addressable() {
        return bytes / (2L * keys.length) <= Integer.MAX_VALUE;
    }

    /** A layer's keys on the CPU as a buffer over the tensor's own memory (native byte order): writes go to the cache. */
    ByteBuffer keyMemory(int layer) {
        if (keyMemory[layer] == null) {
            keyMemory[layer] = keys[layer].toByteBuffer(true);
        }
        return keyMemory[layer];
    }

    /** The same for a layer's values. */
    ByteBuffer valueMemory(int layer) {
        if (valueMemory[layer] == null) {
            valueMemory[layer] = values[layer].toByteBuffer(true);
        }
        return valueMemory[layer];
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    public int slots() {
        return slots;
    }

    public int maxLength() {
        return maxLength;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        manager.close();
    }
}

package io.swapgate.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.swapgate.core.model.FloatTensor;
import java.util.ArrayList;
import java.util.List;

/** An adapter's trainable arrays (float32), in a manager of their own; the base model's arrays are never among them. */
final class ParameterSet implements AutoCloseable {

    private final NDManager manager;
    private final List<NDArray> arrays = new ArrayList<>();

    ParameterSet(Device device) {
        this.manager = NDManager.newBaseManager(device);
    }

    NDManager manager() {
        return manager;
    }

    NDArray add(float[] values, int... shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        NDArray array = manager.create(values, new Shape(dims));
        arrays.add(array);
        return array;
    }

    NDArray add(FloatTensor tensor) {
        return add(tensor.data().clone(), tensor.shape());
    }

    List<NDArray> arrays() {
        return arrays;
    }

    /**
     * Lends the arrays to a step's scope until it closes. DJL puts an operation's result in its first operand's
     * manager, so without this a forward pass that starts from a parameter (prompt tuning's concatenation, a LoRA
     * factor's transpose) would leave its results, autograd graph included, in this set's manager until the job ends.
     */
    void lendTo(NDManager scope) {
        arrays.forEach(a -> a.tempAttach(scope));
    }

    /** From now on backward passes reach these arrays. */
    void requireGradients() {
        arrays.forEach(a -> a.setRequiresGradient(true));
    }

    static float[] values(NDArray array) {
        try (NDArray detached = array.stopGradient()) {
            return detached.toFloatArray();
        }
    }

    static FloatTensor tensor(String name, NDArray array) {
        long[] dims = array.getShape().getShape();
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = (int) dims[i];
        }
        return new FloatTensor(name, shape, values(array));
    }

    List<float[]> snapshot() {
        return arrays.stream().map(ParameterSet::values).toList();
    }

    void restore(List<float[]> snapshot) {
        for (int i = 0; i < arrays.size(); i++) {
            overwrite(arrays.get(i), snapshot.get(i));
        }
    }

    /**
     * Writes {@code values} into the array's own storage. {@code NDArray.set(float[])} would not do: it points the
     * array it is called on at new storage, so called on a detached view it leaves the parameter as it was.
     */
    static void overwrite(NDArray array, float[] values) {
        try (NDArray detached = array.stopGradient();
                NDArray source = detached.getManager().create(values, detached.getShape())) {
            detached.set(new NDIndex("..."), source);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}

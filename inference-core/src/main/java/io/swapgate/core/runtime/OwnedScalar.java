package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Constants for differentiable code. DJL's {@code x.mul(2.0)} and the like wrap the number in a tensor over a Java
 * buffer and free that wrapper right after the call; autograd keeps the tensor for the backward pass, which then reads
 * memory the garbage collector may already have reused. A constant made here is a copy torch owns, so it lives as long
 * as anything needs it.
 */
public final class OwnedScalar {

    private OwnedScalar() {}

    public static NDArray of(NDManager manager, double value) {
        try (NDArray wrapped = manager.create((float) value)) {
            return wrapped.duplicate();
        }
    }
}

package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a runtime can compute on the JDK's vector API (the kernels in {@code io.swapgate.core.runtime.vector}),
 * reading its tensors' memory in place: float32 on the CPU, in a JVM started with {@code --add-modules
 * jdk.incubator.vector}.
 */
final class VectorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(VectorSupport.class);
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private VectorSupport() {}

    /** Whether a runtime with these options can use the vector kernels; logs it when only the JVM flag is missing. */
    static boolean usable(RuntimeOptions options) {
        if (options.device().isGpu() || options.dataType() != DataType.FLOAT32) {
            return false;
        }
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            LOG.info(
                    "Decode steps and LoRA products run through libtorch: start the JVM with --add-modules {} to run"
                            + " them on the CPU's vector units, faster",
                    VECTOR_MODULE);
            return false;
        }
        return true;
    }

    /** Whether a float32 tensor fits one {@link java.nio.ByteBuffer}, which is what the kernels read. */
    static boolean addressable(NDArray array) {
        return array.getShape().size() * Float.BYTES <= Integer.MAX_VALUE;
    }
}
